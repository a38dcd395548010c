import Foundation
import TestSupport
import Tracking
import XCTest

/// The real binary under tmux against a store written by the real MLflow client
/// (make_pickers_store.py): marks (count, hints, U clears all, then `v` charts the selected run),
/// the column picker (exact key first, Ctrl-U clears the query), and Tab in the filter line
/// (values after a comparator, and completion while the filter matches nothing).
final class PickersEndToEndTests: XCTestCase {
    static let storeDirectory = Locked<String?>(nil)

    func store() throws -> String {
        if let dir = Self.storeDirectory.current { return dir }
        let dir = NSTemporaryDirectory() + "mltui-pickers-e2e-\(getpid())"
        let script = RepoLayout.root.appendingPathComponent("Tests/TUITests/E2E/make_pickers_store.py")
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script.path, dir], timeout: 300)
        XCTAssertEqual(result.status, 0, "make_pickers_store.py failed:\n\(result.stderrText.suffix(2000))")
        Self.storeDirectory.withLock { $0 = dir }
        return dir
    }

    func launch() throws -> TmuxSession {
        let binary = try RepoLayout.mltuiBinary().path
        let uri = "sqlite:///" + (try store()) + "/mlflow.db"
        let command = "TERM=xterm-256color LANG=C.UTF-8 \(binary) --refresh 0 --experiment pickers '\(uri)'; echo \"EXITED $?\"; sleep 30"
        return try TmuxSession(command: command, width: 100, height: 30)
    }

    /// The screen's lines.
    func lines(_ screen: String) -> [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    func testMarksPickerAndFilterCompletion() throws {
        let tui = try launch()
        defer { tui.close() }
        try tui.waitFor("Runs · pickers · 4")

        // Marks: the count in the title and the status line, the footer says what c and v act on.
        try tui.send("Space")
        try tui.send("Space")
        var screen = try tui.waitUntil("two marks shown") { $0.contains("· 2 marked") && $0.contains("2 marked (U unmarks)") }
        XCTAssertTrue(screen.contains("c compare 2 marked") && screen.contains("v chart 2 marked") && screen.contains("U unmark all"), screen)
        // U clears them all; v then charts the selected run (the third row), and says so.
        try tui.send("U")
        screen = try tui.waitUntil("marks cleared") { $0.contains("unmarked 2 runs") && !$0.contains("2 marked") }
        try tui.send("v")
        screen = try tui.waitFor("Chart · best_f1 · 1 run")
        let title = lines(screen).first { $0.contains("Chart · ") } ?? ""
        XCTAssertTrue(title.contains("selected: run-transfer"), "the third row from the top (newest first)\n\(screen)")
        try tui.send("Escape")
        try tui.waitFor("Runs · pickers · 4")

        // Column picker: the exact key ranks first; Ctrl-U clears the query.
        try tui.send("o")
        try tui.waitFor("Columns in all 4 runs")
        try tui.type("f1")
        screen = try tui.waitFor("› f1")
        let rows = lines(screen)
        if let query = rows.firstIndex(where: { $0.contains("› f1") }) {
            XCTAssertTrue(rows[query + 1].contains("[ ] m:f1 "), "first row is m:f1\n\(screen)")
        } else { XCTFail(screen) }
        try tui.send("C-u")
        screen = try tui.waitUntil("the query cleared") { s in s.contains("[ ] p:lr") && !s.contains("› f1") }
        // Toggling a column clears the query too, the whole list shown again.
        try tui.type("best")
        try tui.waitFor("› best")
        try tui.send("Enter")
        screen = try tui.waitUntil("m:best_f1 toggled on, the list whole again") { $0.contains("[x] m:best_f1") && $0.contains("[ ] p:lr") }
        try tui.send("Escape")
        try tui.waitUntil("the picker closed") { !$0.contains("Columns in") }

        // Filter completion: values after a comparator, quoted.
        try tui.send("/")
        try tui.type("tags.pipeline = ")
        try tui.send("Tab")
        screen = try tui.waitFor("'train'")
        XCTAssertTrue(screen.contains("'eval'  'train'  'transfer'"), screen)
        XCTAssertFalse(screen.contains("attributes.run_id"), "no keys where a value goes\n\(screen)")
        // A filter that matches nothing still completes keys and values.
        try tui.send("C-u")
        try tui.type("tags.pipeline = 'nothing'")
        try tui.send("Enter")
        try tui.waitFor("no runs match the filter")
        try tui.send("/")
        try tui.send("C-u")
        try tui.type("tags.pi")
        try tui.send("Tab")
        try tui.waitFor("/ tags.pipeline")
        try tui.type("= 'tr")
        try tui.send("Tab")
        screen = try tui.waitFor("'train'  'transfer'")
        XCTAssertTrue(screen.contains("/ tags.pipeline = 'tra"), screen)
        try tui.send("Escape")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
