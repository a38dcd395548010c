import TestSupport
import Foundation
import Terminal
import Tracking
@testable import TUI
import XCTest

/// The artifact browser's preview follows the cursor, a search stays with its file, the hex dump
/// fills the preview's width and `d` never replaces a local file without a yes: each through the
/// reducer, then with the real binary under tmux on a store written by MLflow (preview_store.py).
final class BrowserRoughEdgesTests: XCTestCase {
    // MARK: - reducer

    func testThePreviewFollowsTheCursorAndDropsStaleAnswers() {
        var state = AppState(source: "test", size: Size(width: 100, height: 20))
        state.browser = ArtifactBrowser(owner: .run("r1"), artifactURI: "file:///x/artifacts")
        let root = ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "a", isDir: true), ArtifactEntry(path: "hello.txt", isDir: false, fileSize: 20),
            ArtifactEntry(path: "train.log", isDir: false, fileSize: 9000)])
        var effects = reduce(&state, .browser(.listed(path: "", .success(root))))
        XCTAssertEqual(effects, [.artifacts(.list(owner: .run("r1"), path: "a"))], "the folder under the cursor is listed for its summary")
        XCTAssertTrue(render(state).text.contains("listing…"))
        _ = reduce(&state, .browser(.listed(path: "a", .success(ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "a/x.txt", isDir: false, fileSize: 1024), ArtifactEntry(path: "a/y.txt", isDir: false, fileSize: 1024),
            ArtifactEntry(path: "a/b", isDir: true)])))))
        XCTAssertTrue(render(state).text.contains("2 files · 1 folder · 2.0 K"), render(state).text)

        guard case .artifacts(.preview(let first, .run("r1"), "hello.txt", 0, _, _, _, nil, _))? = reduce(&state, .key(.char("j"))).first,
              case .artifacts(.preview(let second, .run("r1"), "train.log", 0, _, _, _, nil, _))? = reduce(&state, .key(.char("j"))).first else {
            return XCTFail("each move previews the file under the cursor")
        }
        XCTAssertNotEqual(first, second)
        _ = reduce(&state, .browser(.previewed(request: first, path: "hello.txt", .success([PreviewLine("1 │ hello", state.theme[.base])]))))
        XCTAssertEqual(state.browser?.preview, [], "the answer for a file passed over is dropped")
        _ = reduce(&state, .browser(.previewed(request: second, path: "train.log", .success([PreviewLine("1 │ step 0", state.theme[.base])]))))
        XCTAssertTrue(render(state).text.contains("1 │ step 0"))
        effects = reduce(&state, .key(.char("j")))
        XCTAssertEqual(effects, [], "staying on the same file asks nothing")

        effects = reduce(&state, .key(.char("g")))
        XCTAssertEqual(effects, [], "a listed folder needs no request")
        XCTAssertNil(state.browser?.previewPath)
        let screen = render(state).text
        XCTAssertTrue(screen.contains("a/") && screen.contains("2 files · 1 folder") && !screen.contains("step 0"), screen)
    }

    /// Like less with a new file: the pattern is kept for `n`, but the old file's "match 1/3" is not.
    func testASearchBelongsToTheFileItWasMadeIn() {
        var state = AppState(source: "test", size: Size(width: 100, height: 20))
        state.browser = ArtifactBrowser(owner: .run("r1"), artifactURI: "file:///x/artifacts")
        _ = reduce(&state, .browser(.listed(path: "", .success(ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "train.log", isDir: false, fileSize: 900), ArtifactEntry(path: "valid.log", isDir: false, fileSize: 900)])))))
        _ = reduce(&state, .key(.char("/")))
        for c in "loss" { _ = reduce(&state, .key(.char(c))) }
        guard case .artifacts(.find(let request, _, "train.log", "loss", _, false, _, _))? = reduce(&state, .key(.enter)).first else {
            return XCTFail("Enter finds in train.log")
        }
        XCTAssertTrue(render(state).text.contains("/loss · …"), "the find is on its way")
        _ = reduce(&state, .browser(.found(request: request, path: "train.log",
                                           .success(PreviewMatch(line: 4, ordinal: 1, count: 3, complete: true)))))
        XCTAssertTrue(render(state).text.contains("/loss · match 1/3"))

        _ = reduce(&state, .key(.tab))
        guard case .artifacts(.preview(_, _, "valid.log", 0, _, _, _, "loss", _))? = reduce(&state, .key(.char("j"))).first else {
            return XCTFail("the next file is previewed with the pattern highlighted")
        }
        // A late answer for the file left changes nothing.
        _ = reduce(&state, .browser(.found(request: request, path: "train.log",
                                           .success(PreviewMatch(line: 9, ordinal: 2, count: 3, complete: true)))))
        let title = render(state).lines.first { $0.contains("valid.log") && $0.contains("/loss") }
        XCTAssertNotNil(title, render(state).text)
        XCTAssertFalse(title?.contains("match") ?? true || title?.contains("…") ?? true, title ?? "")
        guard case .artifacts(.find(_, _, "valid.log", "loss", -1, false, _, _))? = reduce(&state, .key(.char("n"))).first else {
            return XCTFail("n finds the kept pattern in the new file")
        }
    }

    func testHexRowsFitThePreviewWidth() {
        XCTAssertEqual([200, 144, 143, 78, 77, 45, 44, 10].map { hexBytesPerRow(width: $0) }, [32, 32, 16, 16, 8, 8, 4, 4])
        let theme = Theme.defaultTheme
        XCTAssertEqual(renderHexDump(Array(0..<40), offset: 0, bytesPerRow: 32, theme: theme).map(\.text), [
            "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  │................................│",
            "00000020  20 21 22 23 24 25 26 27" + String(repeating: " ", count: 77) + "│ !\"#$%&'│"])
        XCTAssertEqual(renderHexDump(Array(0x41..<0x4B), offset: 0x40, bytesPerRow: 8, theme: theme).map(\.text), [
            "00000040  41 42 43 44 45 46 47 48  │ABCDEFGH│",
            "00000048  49 4a                    │IJ│"])
    }

    func testDownloadAsksBeforeReplacingAndOnlyYesReplaces() {
        var state = AppState(source: "test", size: Size(width: 100, height: 20))
        state.browser = ArtifactBrowser(owner: .run("r1"), artifactURI: "file:///x/artifacts")
        _ = reduce(&state, .browser(.listed(path: "", .success(ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "model.pkl", isDir: false, fileSize: 9)])))))
        XCTAssertEqual(reduce(&state, .key(.char("d"))), [.artifacts(.download(owner: .run("r1"), path: "model.pkl", destination: ".", overwrite: false))])
        _ = reduce(&state, .browser(.wouldOverwrite(path: "model.pkl", existing: ["./model.pkl"])))
        XCTAssertEqual(state.message, "overwrite ./model.pkl? y/n")
        XCTAssertTrue(render(state).text.contains("overwrite ./model.pkl? y/n"))
        XCTAssertEqual(reduce(&state, .key(.char("n"))), [], "n is no")
        XCTAssertEqual(state.message, "download of model.pkl cancelled: ./model.pkl kept")
        XCTAssertNil(state.browser?.pendingOverwrite)

        _ = reduce(&state, .key(.char("d")))
        _ = reduce(&state, .browser(.wouldOverwrite(path: "model.pkl", existing: ["./model.pkl"])))
        XCTAssertEqual(reduce(&state, .key(.escape)), [], "so is any key but y")
        XCTAssertNotNil(state.browser, "and it answers the question rather than closing the browser")

        _ = reduce(&state, .key(.char("d")))
        _ = reduce(&state, .browser(.wouldOverwrite(path: "", existing: ["./a.txt", "./b/c.txt"])))
        XCTAssertEqual(state.message, "overwrite 2 files under ./? y/n")
        XCTAssertEqual(reduce(&state, .key(.char("y"))), [.artifacts(.download(owner: .run("r1"), path: "", destination: ".", overwrite: true))])
    }

    // MARK: - end to end under tmux

    /// j/k preview what the cursor lands on (folders their summary); a search made in one file
    /// shows no count in the next until `n` searches there.
    func testEndToEndPreviewFollowsTheCursorAndSearchStaysWithItsFile() throws {
        let (dir, _) = try previewStore("follow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let session = try openBrowser(dir, width: 120)
        defer { session.close() }
        try session.waitFor("1 folder", timeout: 15)   // a/ holds b/ only
        let tree = Tree(session: session, width: 120, cursor: "a/")
        try tree.move(to: "config/")
        try session.waitFor("2 files", timeout: 15)
        try tree.move(to: "hello.txt")
        var screen = try session.waitFor("1 │ hello, world", timeout: 15)
        XCTAssertTrue(screen.contains("2 │ second line"), screen)
        try tree.move(to: "empty.txt")
        try session.waitFor("(empty file)", timeout: 15)

        try tree.move(to: "logs/")
        try session.send("Enter"); try session.waitFor("train.log")
        try tree.move(to: "train.log")
        try session.waitFor("1 │ 2025-01-01 00:00:00 INFO step 0 ", timeout: 15)
        try session.send("/"); try session.waitFor("Enter find")
        try session.type("step 25"); try session.send("Enter")
        try session.waitFor("/step 25 · match 1/11", timeout: 15)

        try session.send("Tab")   // back to the tree
        try tree.move(to: "logs/")
        screen = try session.waitUntil("the folder's summary", timeout: 15) { $0.contains("1 file") && !$0.contains("INFO step") }
        XCTAssertFalse(screen.contains("match"), screen)
        try tree.move(to: "hello.txt")
        screen = try session.waitFor("1 │ hello, world", timeout: 15)
        XCTAssertTrue(screen.contains("/step 25") && !screen.contains("match"), "no stale count on another file:\n\(screen)")
        try session.send("n")
        try session.waitFor("/step 25 · no match", timeout: 15)
        try tree.move(to: "train.log")
        screen = try session.waitFor("1 │ 2025-01-01 00:00:00 INFO step 0 ", timeout: 15)
        XCTAssertFalse(screen.contains("no match") || screen.contains("match 1/11"), screen)
        try session.send("n")
        try session.waitFor("/step 25 · match 1/11", timeout: 15)
        try session.send("q")
    }

    /// 8 bytes a row in a 120-column terminal (a 71-column preview), 16 at 200, 32 at 250.
    func testEndToEndHexDumpUsesThePreviewWidth() throws {
        let (dir, _) = try previewStore("hex")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let session = try openBrowser(dir, width: 120, height: 40)
        defer { session.close() }
        try session.waitFor("1 folder", timeout: 15)
        let tree = Tree(session: session, width: 120, cursor: "a/")
        try tree.move(to: "model/")
        try session.send("Enter"); try session.waitFor("blob.bin", timeout: 15)
        try tree.move(to: "blob.bin")
        var screen = try session.waitFor("00000000  00 01 02 03 04 05 06 07  │........│", timeout: 15)
        XCTAssertTrue(screen.contains("00000008  08 09 0a 0b 0c 0d 0e 0f  │........│"), screen)

        try session.resize(width: 200, height: 40)
        screen = try session.waitFor("00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  │................│", timeout: 15)
        XCTAssertTrue(screen.contains("00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  │................│"), screen)

        try session.resize(width: 250, height: 40)
        screen = try session.waitFor("00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  │................................│", timeout: 15)
        XCTAssertTrue(screen.contains("00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f  │ !\"#$%&'()*+,-./0123456789:;<=>?│"), screen)
        try session.send("q")
    }

    /// In a temporary working directory holding hello.txt and config/: `n` keeps them byte for
    /// byte, `y` replaces them with the artifacts, and a download replacing nothing asks nothing.
    func testEndToEndDownloadNeverOverwritesWithoutAYes() throws {
        let (dir, runID) = try previewStore("download")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let work = dir + "/work"
        try FileManager.default.createDirectory(atPath: work + "/config", withIntermediateDirectories: true)
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: work + "/hello.txt"))
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: work + "/config/model.json"))
        try Data("mine too\n".utf8).write(to: URL(fileURLWithPath: work + "/config/train.yaml"))
        let artifacts = dir + "/artifacts/\(runID)/artifacts"
        let local = { (path: String) in try? String(contentsOfFile: work + "/" + path, encoding: .utf8) }
        let artifact = { (path: String) in try? String(contentsOfFile: artifacts + "/" + path, encoding: .utf8) }
        XCTAssertEqual(artifact("hello.txt"), "hello, world\nsecond line\n")

        let session = try openBrowser(dir, width: 120, in: work)
        defer { session.close() }
        try session.waitFor("1 folder", timeout: 15)
        let tree = Tree(session: session, width: 120, cursor: "a/")
        /// `d` on the row under the cursor, its question, then `key` and what that answers.
        func download(asking question: String, answer key: String, then reply: String) throws {
            try session.send("d")
            try session.waitFor(question, timeout: 15)
            try session.send(key)
            try session.waitFor(reply, timeout: 15)
        }
        try tree.move(to: "hello.txt")
        try download(asking: "overwrite ./hello.txt? y/n", answer: "n", then: "download of hello.txt cancelled: ./hello.txt kept")
        XCTAssertEqual(local("hello.txt"), "precious\n")
        try download(asking: "overwrite ./hello.txt? y/n", answer: "y", then: "downloaded hello.txt: 1 file")
        XCTAssertEqual(local("hello.txt"), "hello, world\nsecond line\n")

        // A folder asks once, counting the files it would replace.
        try tree.move(to: "config/")
        try download(asking: "overwrite 2 files under ./config/? y/n", answer: "Escape", then: "download of config cancelled: 2 files kept")
        XCTAssertEqual(local("config/model.json"), "mine\n")
        XCTAssertEqual(local("config/train.yaml"), "mine too\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work + "/config").sorted(), ["model.json", "train.yaml"],
                       "nothing was written")
        try download(asking: "overwrite 2 files under ./config/? y/n", answer: "y", then: "downloaded config: 2 files")
        XCTAssertEqual(local("config/model.json"), artifact("config/model.json"))
        XCTAssertEqual(local("config/train.yaml"), artifact("config/train.yaml"))

        try tree.move(to: "report.md")
        try session.send("d")
        try session.waitFor("downloaded report.md: 1 file", timeout: 15)
        XCTAssertEqual(local("report.md"), "# Report\n\nAccuracy is *good*.\n")
        try session.send("q")
    }

    // MARK: - helpers

    /// The store of preview_store.py in a fresh folder: (folder, run id).
    private func previewStore(_ label: String) throws -> (String, String) {
        let binary = Support.mltui
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw SupportError("build mltui first (swift build)") }
        let dir = try Support.temporaryDirectory(label)
        let result = try Support.run(Support.venv + "python", [Support.packageRoot + "/Tests/ArtifactsTests/preview_store.py", dir])
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let runID = json["run_id"] as? String else {
            try? FileManager.default.removeItem(atPath: dir)
            throw NSError(domain: "preview_store", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        return (dir, runID)
    }

    /// mltui on the store, run from `cwd` (downloads land there), with the browser open.
    private func openBrowser(_ dir: String, width: Int, height: Int = 30, in cwd: String? = nil) throws -> TmuxSession {
        let command = "cd '\(cwd ?? dir)' && TERM=xterm-256color \(Support.mltui) --refresh 0 --experiment previews 'sqlite:///\(dir)/mlflow.db'"
        let session = try TmuxSession(command: command, width: width, height: height)
        do {
            try session.waitUntil("a run row", timeout: 30) { $0.contains("Run") && !$0.contains("loading") }
            try session.send("a")
            try session.waitFor("▸ a/", timeout: 15)
        } catch {
            session.close()
            throw error
        }
        return session
    }

    /// Moves the tree's cursor by name with j/k: rows are found on screen, in the tree's column.
    private final class Tree {
        let session: TmuxSession
        let columns: Int
        var cursor: String

        init(session: TmuxSession, width: Int, cursor: String) {
            self.session = session
            self.columns = max(20, width * 2 / 5)
            self.cursor = cursor
        }

        func move(to name: String) throws {
            let rows = try session.capture().split(separator: "\n", omittingEmptySubsequences: false).map { String($0.prefix(columns)) }
            func row(_ name: String) throws -> Int {
                guard let row = rows.firstIndex(where: { $0.hasSuffix(" " + name) || $0.contains(" " + name + " ") }) else {
                    throw SupportError("no row \(name) in:\n" + rows.joined(separator: "\n"))
                }
                return row
            }
            let delta = try row(name) - row(cursor)
            for _ in 0..<abs(delta) { try session.send(delta > 0 ? "j" : "k") }
            cursor = name
        }
    }
}
