import Foundation
import TestSupport
import XCTest

/// The alert inbox under tmux while the real MLflow client logs (Tests/RESTTests/watch_scenario.py)
/// into the SQLite store the UI shows: the header counts the alerts as they come (the run that
/// failed before the UI started, a metric gone NaN, a failed, a killed and a stalled run; the
/// healthy runs raise none), `!` lists each once with its run, Enter opens that run.
final class AlertsEndToEndTests: XCTestCase {
    private var folder = ""
    private var session: TmuxSession?

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mltui-alerts-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/config/mltui", withIntermediateDirectories: true)
    }

    override func tearDown() {
        session?.close()
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    private func scenario(_ uri: String, _ phase: String) throws {
        let script = RepoLayout.root.appendingPathComponent("Tests/RESTTests/watch_scenario.py").path
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script, uri, phase], timeout: 180)
        XCTAssertEqual(result.status, 0, "watch_scenario.py \(phase): \(result.stderrText.suffix(3000))")
    }

    func testTheInboxFillsWhileTheClientLogsAndOpensTheRun() throws {
        let uri = "sqlite:///\(folder)/mlflow.db"
        try scenario(uri, "before")
        // A stall after 5 s of silence (the scenario logs every 0.2 s), so the test need not wait a minute.
        try "[alerts]\nstall_minimum = 5\n".write(toFile: folder + "/config/mltui/config.toml", atomically: true, encoding: .utf8)
        let binary = try RepoLayout.mltuiBinary().path
        let tui = try TmuxSession(command: "TERM=xterm-256color XDG_CONFIG_HOME='\(folder)/config' XDG_STATE_HOME='\(folder)/state' "
                                    + "'\(binary)' --refresh 1 --experiment watched '\(uri)'; echo \"EXITED $?\"; sleep 30",
                                  width: 160, height: 30)
        session = tui
        try tui.waitFor("⚠ 1 alert (!)", timeout: 20)

        try scenario(uri, "during")
        try tui.waitFor("⚠ 6 alerts (!)", timeout: 40)
        try tui.send("!")
        let inbox = try tui.waitFor("Alerts (6)")
        XCTAssertFalse(inbox.contains("⚠"), "opening the inbox reads the alerts:\n\(inbox)")
        let rows = inbox.split(separator: "\n").map(String.init)
        for expected in ["failed  watched/old-crash  the run ended FAILED", "nan     watched/diverges  loss is NaN at step 4",
                         "inf     watched/diverges  grad_norm is +inf at step 4",
                         "failed  watched/crashes  the run ended FAILED", "killed  watched/killed  the run was KILLED",
                         "stalled watched/stalls  no metric logged for "] {
            XCTAssertEqual(rows.filter { $0.contains(expected) }.count, 1, "\(expected):\n\(inbox)")
        }
        XCTAssertFalse(inbox.contains("watched/healthy") || inbox.contains("watched/old-good"), inbox)

        // The oldest alert is last: old-crash, which failed before the UI started.
        try tui.send("G")
        try tui.send("Enter")
        let details = try tui.waitUntil("the run's details") { $0.contains("run id") && $0.contains("old-crash") }
        XCTAssertTrue(details.contains("FAILED"), details)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
