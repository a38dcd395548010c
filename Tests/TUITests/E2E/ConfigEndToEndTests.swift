import Foundation
import TestSupport
import XCTest

/// The config file under tmux, with the real binary on the demo store: two keys rebound (help
/// everywhere, sort in the runs table) work, the old keys no longer do, the footer and the `?`
/// overlay show the new keys, the configured columns are the table's; a collision is refused
/// at start with one line naming both actions.
final class ConfigEndToEndTests: XCTestCase {
    private var folder = ""
    private var sessions: [TmuxSession] = []

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mltui-config-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/config/mltui", withIntermediateDirectories: true)
    }

    override func tearDown() {
        for session in sessions { session.close() }
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    private func launch(config: String, width: Int = 150) throws -> TmuxSession {
        try config.write(toFile: folder + "/config/mltui/config.toml", atomically: true, encoding: .utf8)
        let binary = try RepoLayout.mltuiBinary().path
        let demo = RepoLayout.root.appendingPathComponent("demo/sqlite/mlflow.db").path
        let command = "TERM=xterm-256color XDG_CONFIG_HOME='\(folder)/config' XDG_STATE_HOME='\(folder)/state' "
            + "'\(binary)' --refresh 0 --experiment llm-benchmark '\(demo)'; echo \"EXITED $?\"; sleep 30"
        let session = try TmuxSession(command: command, width: width, height: 30)
        sessions.append(session)
        return session
    }

    func testTwoKeysReboundShowInFooterAndHelp() throws {
        let tui = try launch(config: """
            # help anywhere on H, sort in the runs table on w
            columns = ["run_name", "metrics.accuracy", "duration"]
            [keys.global]
            help = "H"
            [keys.runs]
            sort = "w"
            """)
        var screen = try tui.waitFor("Runs · llm-benchmark ·")
        XCTAssertTrue(screen.contains("m:accuracy"), screen)
        XCTAssertFalse(screen.contains("Source"), "the configured columns replace the default ones:\n\(screen)")
        let footer = screen.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(footer.contains("w sort"), footer)
        XCTAssertTrue(footer.contains("H help"), footer)
        XCTAssertFalse(footer.contains("s sort") || footer.contains("? help"), footer)

        // The old keys do nothing; the new ones act. Keys are handled in order: once the
        // message history (M) is up, ? and s before it were handled.
        try tui.send("?")
        try tui.send("s")
        try tui.send("M")
        screen = try tui.waitFor("Messages (")
        XCTAssertFalse(screen.contains("In runs"), "? no longer opens help:\n\(screen)")
        try tui.send("Escape")
        screen = try tui.waitUntil("the history closed") { !$0.contains("Messages (") }
        XCTAssertFalse(screen.contains("· sort "), "s no longer sorts:\n\(screen)")
        try tui.send("l")
        try tui.send("w")
        screen = try tui.waitFor("· sort metrics.accuracy")

        try tui.send("H")
        screen = try tui.waitFor("In runs")
        let rows = screen.split(separator: "\n").map(String.init)
        XCTAssertTrue(rows.contains { $0.contains("│ w ") && $0.contains(" sort by column") }, screen)
        XCTAssertFalse(rows.contains { $0.contains("│ s ") }, screen)
        try tui.send("G")
        screen = try tui.waitUntil("the overlay's last rows") { $0.contains("help: all keys") }
        XCTAssertTrue(screen.contains("Everywhere"), screen)
        XCTAssertTrue(screen.split(separator: "\n").contains { $0.contains("│ H ") && $0.contains(" help: all keys") }, screen)
        try tui.send("Escape")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    func testACollisionIsRefusedNamingBothActions() throws {
        let tui = try launch(config: "[keys.global]\nhelp = \"H\"\n[keys.runs]\nsort = \"t\"\n", width: 300)
        let screen = try tui.waitFor("EXITED 1")
        XCTAssertTrue(screen.contains("mltui: INVALID_PARAMETER_VALUE: \(folder)/config/mltui/config.toml: line 4: keys: runs: t is bound to both tagPicker and sort; rebind one of them too"),
                      screen)
        XCTAssertFalse(screen.contains("Experiments"), "the UI never started:\n\(screen)")
    }
}
