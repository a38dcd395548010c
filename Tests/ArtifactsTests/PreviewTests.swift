import Artifacts
import Backends
import Foundation
import Terminal
import Tracking
@testable import TUI
import XCTest

/// Every preview kind over a SQLite store written by the real MLflow client (one artifact of
/// each kind, an MLmodel saved by mlflow.pyfunc), read through the store as the UI reads it.
final class PreviewTests: XCTestCase {
    struct Fixture: Sendable { let dir: String; let runID: String; let store: any TrackingStore }
    /// Made by the first test that asks for it (tests run one at a time).
    static let shared = Locked<Fixture?>(nil)
    let theme = Theme.defaultTheme

    func fixture() throws -> Fixture {
        if let shared = Self.shared.current { return shared }
        let fixture = try Self.makeFixture()
        Self.shared.withLock { $0 = fixture }
        return fixture
    }

    private static func makeFixture() throws -> Fixture {
        let dir = try Support.temporaryDirectory("preview")
        let result = try Support.run(Support.venv + "python", [Support.packageRoot + "/Tests/ArtifactsTests/preview_store.py", dir])
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else {
            throw NSError(domain: "preview_store", code: 1, userInfo: [NSLocalizedDescriptionKey: String(result.stderr.suffix(3000))])
        }
        let store = try openStore(.sqlite(path: json["db"]!)) { _ in }
        return Fixture(dir: dir, runID: json["run_id"]!, store: store)
    }

    override class func tearDown() {
        if let dir = shared.current?.dir { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    private func preview(_ path: String, width: Int = 80, height: Int = 24, top: Int = 0, search: String? = nil,
                         folded: Set<String> = []) async throws -> (ArtifactPreview, [PreviewLine]) {
        let fixture = try fixture()
        let content = try await fixture.store.openArtifact(runID: fixture.runID, path: path)
        let preview = try await ArtifactPreview.open(name: path, content: content)
        let lines = try await preview.lines(top: top, width: width, height: height, search: search, folded: folded, theme: theme)
        return (preview, lines)
    }

    func testTextLogYAMLMarkdownWithLineNumbersAndSearch() async throws {
        let (hello, lines) = try await preview("hello.txt")
        XCTAssertEqual(hello.kind, .text)
        XCTAssertEqual(lines.map(\.text), ["1 │ hello, world", "2 │ second line"])

        let (log, window) = try await preview("logs/train.log", height: 3, top: 100, search: "STEP 101")
        XCTAssertEqual(log.kind, .text)
        XCTAssertEqual(window.map(\.text), [
            "101 │ 2025-01-01 00:00:40 INFO step 100 loss=0.01980",
            "102 │ 2025-01-01 00:00:41 INFO step 101 loss=0.01961",
            "103 │ 2025-01-01 00:00:42 INFO step 102 loss=0.01942"])
        // The match is its own span in the "marked" style, case-insensitively.
        XCTAssertEqual(window[1].spans.filter { $0.style == theme[.marked] }.map(\.text), ["step 101"])
        XCTAssertTrue(window[0].spans.allSatisfy { $0.style != theme[.marked] })

        let (yaml, yamlLines) = try await preview("config/train.yaml")
        XCTAssertEqual(yaml.kind, .text)
        XCTAssertEqual(yamlLines.first?.text, "1 │ optimizer: adamw")
        let (_, markdown) = try await preview("report.md")
        XCTAssertEqual(markdown.map(\.text), ["1 │ # Report", "2 │ ", "3 │ Accuracy is *good*."])
    }

    func testNestedAndUnicodeNamesAndEmptyFile() async throws {
        let (_, deep) = try await preview("a/b/c/deep.txt")
        XCTAssertEqual(deep.map(\.text), ["1 │ deep content"])
        let (unicode, lines) = try await preview("docs/ünïcödé-файл 📄.txt")
        XCTAssertEqual(unicode.kind, .text)
        XCTAssertEqual(lines.map(\.text), ["1 │ Unicode file name ✓"])
        let (empty, emptyLines) = try await preview("empty.txt")
        XCTAssertEqual(empty.kind, .empty)
        XCTAssertEqual(emptyLines.map(\.text), ["(empty file)"])
    }

    func testJSONPrettyAndFoldable() async throws {
        let (json, lines) = try await preview("config/model.json")
        XCTAssertEqual(json.kind, .json)
        XCTAssertEqual(lines.map(\.text), [
            "{", "  \"model\": \"net\",", "  \"layers\": [", "    1,", "    2,", "    3", "  ],",
            "  \"nested\": {", "    \"ok\": true,", "    \"ratio\": 0.25", "  }", "}"])
        XCTAssertEqual(lines[2].foldPath, "/layers")
        let (_, folded) = try await preview("config/model.json", folded: ["/layers", "/nested"])
        XCTAssertEqual(folded.map(\.text), ["{", "  \"model\": \"net\",", "  \"layers\": […],  3 items", "  \"nested\": {…}  2 keys", "}"])
        let (_, root) = try await preview("config/model.json", folded: [""])
        XCTAssertEqual(root.map(\.text), ["{…}  3 keys"])
    }

    func testCSVAndTSVAlignedWithHeader() async throws {
        let (csv, lines) = try await preview("metrics/history.csv")
        XCTAssertEqual(csv.kind, .table(separator: ","))
        XCTAssertEqual(lines.map(\.text), [
            "epoch │ loss │ name         ",
            "──────┼──────┼──────────────",
            "    0 │  2.0 │ first, quoted",
            "   10 │ 0.25 │ second       "])
        XCTAssertEqual(lines[0].spans.first?.style, theme[.column_header])
        let (tsv, tsvLines) = try await preview("metrics/table.tsv")
        XCTAssertEqual(tsv.kind, .table(separator: "\t"))
        XCTAssertEqual(tsvLines.map(\.text), ["a │ b ", "──┼───", "1 │ 22"])
    }

    func testMLmodelSummary() async throws {
        let (model, lines) = try await preview("model/MLmodel", height: 40)
        XCTAssertEqual(model.kind, .mlmodel)
        let text = lines.map(\.text)
        XCTAssertTrue(text.contains("Flavors"), "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("  python_function") && $0.contains("loader_module: mlflow.pyfunc.model") }, "\(text)")
        XCTAssertTrue(text.contains("  mlflow_version: 3.17.2"), "\(text)")
        // The signature's wrapped JSON string is read back whole.
        let signature = Array(text.drop { $0 != "Signature" })
        XCTAssertEqual(signature, ["Signature", "  inputs:", "    x: double", "    label: string", "  outputs:", "    x: double"])
    }

    func testPNGAndJPEGAsHalfBlocks() async throws {
        let (png, lines) = try await preview("plots/redblue.png", width: 8, height: 10)
        XCTAssertEqual(png.kind, .png)
        XCTAssertEqual(lines.first?.text, "8×4 PNG")
        // 8×4 pixels fit as 8 columns × 2 rows; top half red, bottom half blue, in true colour.
        let rows = Array(lines.dropFirst())
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].text, String(repeating: "▀", count: 8))
        XCTAssertEqual(rows[0].spans[0].style, Style(fg: .rgb(255, 0, 0), bg: .rgb(255, 0, 0)))
        XCTAssertEqual(rows[1].spans[7].style, Style(fg: .rgb(0, 0, 255), bg: .rgb(0, 0, 255)))
        // Scaled down to a narrower pane, keeping the aspect ratio.
        let (_, small) = try await preview("plots/redblue.png", width: 4, height: 10)
        XCTAssertEqual(small.dropFirst().map(\.text), ["▀▀▀▀"])
        XCTAssertEqual(small[1].spans[0].style, Style(fg: .rgb(255, 0, 0), bg: .rgb(0, 0, 255)))

        let (jpeg, jpegLines) = try await preview("plots/green.jpg", width: 16, height: 8)
        XCTAssertEqual(jpeg.kind, .jpeg)
        XCTAssertEqual(jpegLines.first?.text, "16×16 JPEG")
        guard case .rgb(let r, let g, let b) = jpegLines[1].spans[0].style.fg else { return XCTFail("no true colour") }
        XCTAssertTrue(r < 20 && g > 180 && b < 20, "\(r),\(g),\(b)")

        // A corrupt PNG: libpng's reason on top, then the hex dump, never a crash.
        let (_, broken) = try await preview("plots/broken.png")
        XCTAssertTrue(broken[0].text.hasPrefix("cannot decode the PNG image:"), broken[0].text)
        XCTAssertTrue(broken[1].text.hasPrefix("00000000  89 50 4e 47"), broken[1].text)
    }

    func testBinaryAsHexDumpAtAnyOffset() async throws {
        let (blob, lines) = try await preview("model/blob.bin", height: 2)
        XCTAssertEqual(blob.kind, .binary)
        XCTAssertEqual(lines.map(\.text), [
            "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  │................│",
            "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  │................│"])
        let (_, later) = try await preview("model/blob.bin", height: 1, top: 4)
        XCTAssertEqual(later.map(\.text), ["00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  │@ABCDEFGHIJKLMNO│"])
    }

    /// A 3 GiB log (sparse, made at test time) opens at once and scrolls: only the pages up to
    /// the shown lines are read, and a hex view of a huge binary reads just its window.
    func testHugeFilesAreReadInPages() async throws {
        let dir = try Support.temporaryDirectory("huge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/huge.log"
        var text = ""
        for i in 0..<50_000 { text += "line \(i) of a very large log\n" }
        FileManager.default.createFile(atPath: log, contents: Data(text.utf8))
        XCTAssertEqual(truncate(log, 3 << 30), 0)
        let binary = dir + "/huge.bin"
        FileManager.default.createFile(atPath: binary, contents: Data([0, 1, 2]))
        XCTAssertEqual(truncate(binary, 3 << 30), 0)

        let repository = LocalArtifacts(root: dir)
        let content = try await repository.open(path: "huge.log")
        XCTAssertEqual(content.size, 3 << 30)
        let preview = try await ArtifactPreview.open(name: "huge.log", content: content)
        XCTAssertEqual(preview.kind, .text)
        let first = try await preview.lines(top: 0, width: 80, height: 2, theme: theme)
        // The gutter is as wide as the line count indexed so far.
        XCTAssertEqual(first.map { $0.text.trimmingCharacters(in: .whitespaces) },
                       ["1 │ line 0 of a very large log", "2 │ line 1 of a very large log"])
        let scrolled = try await preview.lines(top: 30_000, width: 80, height: 1, theme: theme)
        XCTAssertEqual(scrolled.map(\.text), ["30001 │ line 30000 of a very large log"])
        let extent = await preview.textExtent()
        XCTAssertFalse(extent.complete)
        XCTAssertLessThan(extent.lines, 100_000, "indexed far beyond what was shown")

        // The paged reader itself: scanned bytes stay within a page or two of the line asked for.
        let paged = PagedText(content: content)
        _ = try await paged.lines(0..<10)
        let scanned = await paged.index.scanned
        XCTAssertEqual(scanned, Int64(PagedText.pageSize))

        // Search scans forward page by page: a match early in a 3 GB file reads a page or two.
        let hit = try await paged.find("line 30000 of", after: -1, backward: false)
        XCTAssertEqual(hit, PreviewMatch(line: 30_000, ordinal: 1, count: 1, complete: false))
        XCTAssertEqual(hit.label, "match 1/1+", "the count is open-ended until the file is scanned")
        let scannedBySearch = await paged.index.scanned
        XCTAssertLessThanOrEqual(scannedBySearch, Int64(4 * PagedText.pageSize))
        // A new query starts over, case-insensitively as the highlight shows it.
        let seven = try await paged.find("LINE 7 OF", after: -1, backward: false)
        XCTAssertEqual(seven.line, 7)

        let hex = try await ArtifactPreview.open(name: "huge.bin", content: try await repository.open(path: "huge.bin"))
        XCTAssertEqual(hex.kind, .binary)
        let end = try await hex.lines(top: Int((Int64(3) << 30) / 16 - 1), width: 80, height: 5, theme: theme)
        XCTAssertEqual(end.map(\.text), ["bffffff0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  │................│"])
    }

    /// Bytes in memory, read through the same protocol as a store's artifact.
    struct MemoryContent: ArtifactContent {
        let bytes: [UInt8]
        var size: Int64? { Int64(bytes.count) }
        func read(offset: Int64, count: Int) async throws -> [UInt8] {
            let lo = min(Int(offset), bytes.count)
            return Array(bytes[lo..<min(bytes.count, lo + count)])
        }
    }

    func testFindMovesBetweenMatchesAndWraps() async throws {
        // Matches on lines 3, 5000 and 9999 (0-based): across several search chunks.
        var lines = (0..<10_000).map { "row \($0)" }
        for i in [3, 5000, 9999] { lines[i] += " needle" }
        let text = PagedText(content: MemoryContent(bytes: Array(lines.joined(separator: "\n").utf8)))
        var match = try await text.find("Needle", after: -1, backward: false)
        XCTAssertEqual(match, PreviewMatch(line: 3, ordinal: 1, count: 1, complete: false))
        match = try await text.find("Needle", after: 3, backward: false)
        XCTAssertEqual(match.line, 5000)
        XCTAssertEqual(match.ordinal, 2)
        match = try await text.find("Needle", after: 5000, backward: false)
        XCTAssertEqual(match, PreviewMatch(line: 9999, ordinal: 3, count: 3, complete: true))
        XCTAssertEqual(match.label, "match 3/3")
        match = try await text.find("Needle", after: 9999, backward: false)
        XCTAssertEqual(match.line, 3, "n after the last match wraps to the first")
        match = try await text.find("Needle", after: 3, backward: true)
        XCTAssertEqual(match.line, 9999, "N before the first match wraps to the last")
        match = try await text.find("absent", after: -1, backward: false)
        XCTAssertEqual(match, PreviewMatch(line: nil, ordinal: 0, count: 0, complete: true))
        XCTAssertEqual(match.label, "no match")

        // JSON searches the rendered lines the pane shows (which `top` indexes).
        let json = try await ArtifactPreview.open(name: "c.json", content: MemoryContent(bytes: Array(#"{"a": 1, "b": {"needle": true}}"#.utf8)))
        let rendered = try await json.lines(top: 0, width: 80, height: 20, theme: theme)
        let hit = try await json.find("needle", after: -1, backward: false, theme: theme)
        XCTAssertEqual(hit.complete, true)
        XCTAssertEqual(hit.line.map { rendered[$0].text.contains("needle") }, true, rendered.map(\.text).joined(separator: "\n"))
        do {
            let binary = try await ArtifactPreview.open(name: "b.bin", content: MemoryContent(bytes: [0, 1, 2]))
            _ = try await binary.find("x", after: -1, backward: false, theme: theme)
            XCTFail("searching a hex dump should say it cannot")
        } catch let error as MLflowError {
            XCTAssertEqual(error.message, "search works in text previews only")
        }
    }

    func testLineIndexAndKindDetectionUnits() {
        var index = LineIndex()
        index.consume(Array("a\nbb\n".utf8))
        index.consume(Array("ccc".utf8))
        XCTAssertEqual(index.lineCount, 2)
        XCTAssertTrue(index.needsMore(forLine: 2))
        index.consume([])
        XCTAssertEqual(index.lineCount, 3)
        XCTAssertEqual(index.range(ofLine: 1), 2..<4)
        XCTAssertEqual(index.range(ofLine: 2), 5..<8)

        XCTAssertEqual(PreviewKind.detect(name: "x.txt", head: Array(Array("hé".utf8).dropLast()), size: 3), .text)
        XCTAssertEqual(PreviewKind.detect(name: "x.txt", head: [0xFF, 0xFE, 0x41], size: 3), .binary)
        XCTAssertEqual(PreviewKind.detect(name: "MLmodel", head: Array("flavors:".utf8), size: 8), .mlmodel)
        XCTAssertEqual(PreviewKind.detect(name: "data.csv", head: Array("a,b".utf8), size: 3), .table(separator: ","))
    }

    func testPreviewDrawsIntoTheBuffer() async throws {
        let (_, lines) = try await preview("hello.txt")
        var buffer = Buffer(size: Size(width: 12, height: 3))
        buffer.drawPreview(lines, top: 0, x: 1, y: 1, width: 10, height: 2)
        XCTAssertEqual(buffer.lines, ["            ", " 1 │ hello, ", " 2 │ second "])
    }
}
