import Foundation
import Terminal
import Tracking
import TUI
import XCTest

/// The browser pane: the reducer and render on the buffer, then the real binary under tmux
/// browsing to a nested file of a store written by MLflow and finding its content in the preview.
final class BrowserTests: XCTestCase {
    func testTreeExpandsLazilyAndRendersSizes() {
        var state = AppState(source: "test", size: Size(width: 100, height: 20))
        state.browser = ArtifactBrowser(runID: "r1", artifactURI: "file:///x/artifacts")
        let root = ArtifactListing(rootURI: "file:///x/artifacts", files: [
            ArtifactEntry(path: "a", isDir: true), ArtifactEntry(path: "hello.txt", isDir: false, fileSize: 2048),
            ArtifactEntry(path: "../evil", isDir: false, fileSize: 1)])
        _ = reduce(&state, .browser(.listed(path: "", .success(root))))
        XCTAssertEqual(state.browser?.rows.map(\.entry.path), ["a", "hello.txt"], "an entry escaping the folder is dropped")
        var screen = render(state).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("▸ a/"), screen)
        XCTAssertTrue(screen.contains("hello.txt") && screen.contains("2.0 K"), screen)

        let effects = reduce(&state, .key(.enter))
        XCTAssertEqual(effects, [.artifacts(.list(runID: "r1", path: "a"))], "a folder is listed when first opened")
        _ = reduce(&state, .browser(.listed(path: "a", .success(ArtifactListing(rootURI: nil, files: [
            ArtifactEntry(path: "a/deep.txt", isDir: false, fileSize: 5)])))))
        screen = render(state).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("▾ a/") && screen.contains("    deep.txt"), screen)

        _ = reduce(&state, .key(.char("j")))
        let preview = reduce(&state, .key(.enter))
        guard case .artifacts(.preview(let request, "r1", "a/deep.txt", 0, _, _, _, _))? = preview.first else {
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
    }
}
