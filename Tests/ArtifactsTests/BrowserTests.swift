import TestSupport
import Foundation
import Terminal
import Tracking
@testable import TUI
import XCTest

/// The browser pane: the reducer and render on the buffer, then the real binary under tmux
/// browsing to a nested file of a store written by MLflow and finding its content in the preview.
final class BrowserTests: XCTestCase {
    func testTreeExpandsLazilyAndRendersSizes() {
        var state = AppState(source: "test", size: Size(width: 100, height: 20))
        state.browser = ArtifactBrowser(owner: .run("r1"), artifactURI: "file:///x/artifacts")
        let root = ArtifactListing(rootURI: "file:///x/artifacts", files: [
            ArtifactEntry(path: "a", isDir: true), ArtifactEntry(path: "hello.txt", isDir: false, fileSize: 2048),
            ArtifactEntry(path: "../evil", isDir: false, fileSize: 1)])
        _ = reduce(&state, .browser(.listed(path: "", .success(root))))
        XCTAssertEqual(state.browser?.rows.map(\.entry.path), ["a", "hello.txt"], "an entry escaping the folder is dropped")
        var screen = render(state).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("▸ a/"), screen)
        XCTAssertTrue(screen.contains("hello.txt") && screen.contains("2.0 K"), screen)

        let effects = reduce(&state, .key(.enter))
        XCTAssertEqual(effects, [.artifacts(.list(owner: .run("r1"), path: "a"))], "a folder is listed when first opened")
        _ = reduce(&state, .browser(.listed(path: "a", .success(ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "a/deep.txt", isDir: false, fileSize: 5)])))))
        screen = render(state).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("▾ a/") && screen.contains("    deep.txt"), screen)

        _ = reduce(&state, .key(.char("j")))
        let preview = reduce(&state, .key(.enter))
        guard case .artifacts(.preview(let request, .run("r1"), "a/deep.txt", 0, _, _, _, nil, _))? = preview.first else {
            return XCTFail("no preview effect: \(preview)")
        }
        _ = reduce(&state, .browser(.previewed(request: request, path: "a/deep.txt",
                                               .success([PreviewLine("1 │ deep text", state.theme[.base])]))))
        XCTAssertTrue(render(state).lines.joined(separator: "\n").contains("1 │ deep text"))

        let yank = reduce(&state, .key(.char("y")))
        XCTAssertEqual(yank, [.copy("file:///x/artifacts/a/deep.txt")])
        _ = reduce(&state, .key(.escape))
        XCTAssertNil(state.browser)
    }

    /// `/` in the browser types a search; it is highlighted live, Enter asks for the first match
    /// from the top shown, `n`/`N` for the next/previous, and the title shows where it stands.
    func testSearchInThePreview() {
        var state = AppState(source: "test", size: Size(width: 100, height: 20))
        state.browser = ArtifactBrowser(owner: .run("r1"), artifactURI: "file:///x/artifacts")
        XCTAssertEqual(Keymap.collisions(), [])
        _ = reduce(&state, .key(.char("/")))
        XCTAssertNil(state.input, "nothing to search before a file is previewed")
        _ = reduce(&state, .browser(.listed(path: "", .success(ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "train.log", isDir: false, fileSize: 900)])))))
        XCTAssertEqual(state.browser?.previewPath, "train.log", "the first file is previewed")

        _ = reduce(&state, .key(.char("/")))
        XCTAssertEqual(state.input?.kind, .previewSearch)
        XCTAssertEqual(state.browser?.focusPreview, true)
        var effects: [Effect] = []
        for c in "loss" { effects = reduce(&state, .key(.char(c))) }
        guard case .artifacts(.preview(_, .run("r1"), "train.log", 0, _, _, _, "loss", _))? = effects.first else {
            return XCTFail("typing re-renders the preview with the search highlighted: \(effects)")
        }
        XCTAssertTrue(render(state).text.contains("search: loss"), render(state).text)

        effects = reduce(&state, .key(.enter))
        XCTAssertNil(state.input)
        guard case .artifacts(.find(let request, .run("r1"), "train.log", "loss", -1, false, _, _))? = effects.first else {
            return XCTFail("Enter finds from the top line: \(effects)")
        }
        effects = reduce(&state, .browser(.found(request: request, path: "train.log",
                                                 .success(PreviewMatch(line: 40, ordinal: 1, count: 3, complete: false)))))
        XCTAssertEqual(state.browser?.previewTop, 38, "the match shows with two lines of context above")
        guard case .artifacts(.preview(let shown, _, _, 38, _, _, _, "loss", _))? = effects.first else {
            return XCTFail("the preview reloads at the match: \(effects)")
        }
        _ = reduce(&state, .browser(.previewed(request: shown, path: "train.log", .success(
            renderTextLines([Array("step 38".utf8), Array("step 39".utf8), Array("step 40 loss=0.5".utf8)], firstLineNumber: 39,
                            totalLines: 100, search: "loss", theme: state.theme)))))
        var buffer = render(state)
        XCTAssertTrue(buffer.text.contains("/loss · match 1/3+"), buffer.text)
        // The match is drawn in the highlight style.
        guard let row = buffer.lines.firstIndex(where: { $0.contains("41 │ step 40 loss=0.5") }),
              let column = buffer.lines[row].range(of: "loss=").map({ DisplayWidth.of(String(buffer.lines[row][..<$0.lowerBound])) }) else {
            return XCTFail(buffer.text)
        }
        XCTAssertEqual(buffer[column, row].style, state.theme[.marked])
        XCTAssertNotEqual(buffer[column - 2, row].style, state.theme[.marked])

        // n: the next match after the one shown; N: the previous one.
        effects = reduce(&state, .key(.char("n")))
        guard case .artifacts(.find(let next, _, _, "loss", 40, false, _, _))? = effects.first else { return XCTFail("\(effects)") }
        _ = reduce(&state, .browser(.found(request: next, path: "train.log",
                                           .success(PreviewMatch(line: 77, ordinal: 2, count: 3, complete: true)))))
        XCTAssertEqual(state.browser?.previewTop, 75)
        XCTAssertTrue(render(state).text.contains("match 2/3"))
        effects = reduce(&state, .key(.char("N")))
        guard case .artifacts(.find(let previous, _, _, "loss", 77, true, _, _))? = effects.first else { return XCTFail("\(effects)") }
        // A stale answer (an older request) is dropped.
        _ = reduce(&state, .browser(.found(request: next, path: "train.log", .success(PreviewMatch(line: 5, ordinal: 1, count: 3, complete: true)))))
        XCTAssertEqual(state.browser?.previewTop, 75)
        _ = reduce(&state, .browser(.found(request: previous, path: "train.log",
                                           .success(PreviewMatch(line: nil, ordinal: 0, count: 0, complete: true)))))
        buffer = render(state)
        XCTAssertTrue(buffer.text.contains("/loss · no match"), buffer.text)

        // Esc in the field drops the search and its highlight.
        _ = reduce(&state, .key(.char("/")))
        XCTAssertEqual(state.input?.text, "loss", "the field starts from the last search")
        effects = reduce(&state, .key(.escape))
        XCTAssertEqual(state.browser?.search, "")
        guard case .artifacts(.preview(_, _, _, _, _, _, _, nil, _))? = effects.first else { return XCTFail("\(effects)") }
        XCTAssertFalse(render(state).text.contains("/loss"))
        effects = reduce(&state, .key(.char("n")))
        XCTAssertTrue(effects.isEmpty)
        XCTAssertEqual(state.message, "no search yet: / searches the preview")
    }

    func testEndToEndBrowsesToANestedFileUnderTmux() throws {
        let binary = Support.packageRoot + "/.build/debug/mltui"
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build mltui first (swift build)")
        let dir = try Support.temporaryDirectory("browse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Support.run(Support.venv + "python", [Support.packageRoot + "/Tests/ArtifactsTests/preview_store.py", dir])
        XCTAssertEqual(result.status, 0, result.stderr)
        let opened = dir + "/opened"
        try FileManager.default.createDirectory(atPath: opened, withIntermediateDirectories: true)
        // $PAGER as a shell reads it: "cp -t DIR" receives the temporary copy as "$1".
        let session = try TmuxSession(command: "TERM=xterm-256color PAGER='cp -t \(opened)' \(binary) --refresh 0 --experiment previews 'sqlite:///\(dir)/mlflow.db'",
                                      width: 120, height: 30)
        defer { session.close() }
        try session.waitFor("previews", timeout: 30)
        try session.waitUntil("a run row", timeout: 30) { $0.contains("Run") && !$0.contains("loading") }
        try session.send("a")
        try session.waitFor("Artifacts ·", timeout: 15)
        try session.waitFor("▸ a/", timeout: 15)
        // a/ -> b/ -> c/ -> deep.txt: the cursor starts on a/.
        try session.send("Enter"); try session.waitFor("▸ b/")
        try session.send("j"); try session.send("Enter"); try session.waitFor("▸ c/")
        try session.send("j"); try session.send("Enter"); try session.waitFor("deep.txt")
        try session.send("j"); try session.send("Enter")
        let screen = try session.waitFor("1 │ deep content", timeout: 15)
        XCTAssertTrue(screen.contains("a/b/c/deep.txt"), screen)

        // o: the file goes to $PAGER, and the UI comes back afterwards.
        try session.send("o")
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, !FileManager.default.fileExists(atPath: opened + "/deep.txt") { usleep(100_000) }
        XCTAssertEqual(try? String(contentsOfFile: opened + "/deep.txt", encoding: .utf8), "deep content\n")
        try session.waitFor("1 │ deep content", timeout: 10)

        // Search in a 500-line log: "step 25" is on lines 26 and 251-260 (11 matches).
        try session.send("Escape")
        try session.waitUntil("the runs table", timeout: 10) { !$0.contains("Artifacts ·") }
        try session.send("a")
        try session.waitFor("▸ logs/", timeout: 15)
        let tree = try session.capture().split(separator: "\n").map(String.init)
        let aRow = tree.firstIndex { $0.contains("▸ a/") } ?? 0, logsRow = tree.firstIndex { $0.contains("▸ logs/") } ?? 0
        for _ in 0..<(logsRow - aRow) { try session.send("j") }
        try session.send("Enter"); try session.waitFor("train.log")
        try session.send("j"); try session.send("Enter")
        try session.waitFor("1 │ 2025-01-01 00:00:00 INFO step 0 ", timeout: 15)
        try session.send("/")
        try session.waitFor("Enter find")
        try session.type("step 25")
        try session.send("Enter")
        // The title answers first, the lines at the match follow: wait for both.
        func waitForMatch(_ label: String, line: String) throws {
            try session.waitUntil("\(label) showing \(line)", timeout: 15) { $0.contains(label) && $0.contains(line) }
        }
        try waitForMatch("/step 25 · match 1/11", line: " 26 │ 2025-01-01 00:00:25 INFO step 25 ")
        try session.send("n")
        try waitForMatch("/step 25 · match 2/11", line: "251 │ 2025-01-01 00:00:10 INFO step 250 ")
        try session.send("N")
        try waitForMatch("/step 25 · match 1/11", line: " 26 │ 2025-01-01 00:00:25 INFO step 25 ")
        // N before the first match wraps to the last one.
        try session.send("N")
        try waitForMatch("/step 25 · match 11/11", line: "260 │ 2025-01-01 00:00:19 INFO step 259 ")
        try session.send("q")
    }
}
