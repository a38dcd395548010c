import Foundation
import TestSupport
import XCTest

/// The real binary under tmux: the view of each experiment survives switching and relaunching,
/// the experiment opened at start-up is the same every launch (the last one used, else the one
/// with the newest run), and Ctrl-R shows new runs, their count, and says it refreshed.
/// Every launch has its own XDG_STATE_HOME, a temporary directory.
final class ViewMemoryEndToEndTests: XCTestCase {
    private var sessions: [TmuxSession] = []

    override func tearDown() {
        for session in sessions { session.close() }
        sessions = []
        super.tearDown()
    }

    private func temporaryDirectory(_ label: String) throws -> String {
        let dir = NSTemporaryDirectory() + "mltui-views-e2e-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// A new store (file or SQLite) written by make_views_store.py with the real mlflow client.
    private func makeStore(sqlite: Bool) throws -> String {
        let dir = try temporaryDirectory("store")
        let uri = sqlite ? "sqlite:///\(dir)/mlflow.db" : "file://\(dir)/mlruns"
        try python([uri, "file://\(dir)/artifacts"])
        return uri
    }

    private func python(_ arguments: [String]) throws {
        let script = RepoLayout.root.appendingPathComponent("Tests/TUITests/E2E/make_views_store.py").path
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script] + arguments)
        XCTAssertEqual(result.status, 0, "make_views_store.py \(arguments): \(result.stderrText)")
    }

    private func launch(_ uri: String, stateHome: String, width: Int = 200, height: Int = 24) throws -> TmuxSession {
        let binary = try RepoLayout.mltuiBinary().path
        let command = "TERM=xterm-256color XDG_STATE_HOME='\(stateHome)' \(binary) --refresh 0 '\(uri)'; echo \"EXITED $?\"; sleep 30"
        let session = try TmuxSession(command: command, width: width, height: height)
        sessions.append(session)
        return session
    }

    private func quit(_ tui: TmuxSession) throws {
        try tui.send("q")
        try tui.waitFor("EXITED 0")
        tui.close()
    }

    private func open(_ tui: TmuxSession, _ name: String) throws {
        try tui.send("Tab")
        try tui.send("/")
        try tui.type(name)
        try tui.send("Enter")
        try tui.waitFor("Runs · \(name) ·")
    }

    /// The names of alpha's runs in the order the table shows them.
    private func runOrder(_ screen: String) -> [String] {
        screen.split(separator: "\n").compactMap { line in ["a-run-0", "a-run-1", "a-run-2"].first { line.contains($0) } }
    }

    func testSortAndColumnsSurviveSwitchingExperimentsAndRelaunching() throws {
        let uri = try makeStore(sqlite: false)
        let state = try temporaryDirectory("state")
        var tui = try launch(uri, stateHome: state)
        try tui.waitFor("● connected")
        try open(tui, "alpha")
        try tui.send(":")
        try tui.type("sort metrics.acc desc")
        try tui.send("Enter")
        try tui.send("o")
        try tui.waitFor("Columns")
        try tui.type("lr")
        try tui.send("Enter")
        try tui.send("Escape")
        var screen = try tui.waitUntil("alpha sorted by acc with the lr column") { $0.contains("m:acc ▼") && $0.contains("p:lr") && !$0.contains("Columns in") }
        XCTAssertEqual(runOrder(screen), ["a-run-1", "a-run-2", "a-run-0"], screen)

        try open(tui, "beta")
        screen = try tui.waitFor("b-run")
        XCTAssertFalse(screen.contains("m:acc"), "beta has a view of its own\n\(screen)")
        try open(tui, "alpha")
        screen = try tui.waitUntil("alpha's view back") { $0.contains("m:acc ▼") && $0.contains("p:lr") && $0.contains("a-run-0") }
        XCTAssertEqual(runOrder(screen), ["a-run-1", "a-run-2", "a-run-0"], screen)
        try quit(tui)

        tui = try launch(uri, stateHome: state)
        screen = try tui.waitUntil("alpha reopened with its view") {
            $0.contains("Runs · alpha · 3") && $0.contains("m:acc ▼") && $0.contains("p:lr") && $0.contains("a-run-0")
        }
        XCTAssertEqual(runOrder(screen), ["a-run-1", "a-run-2", "a-run-0"], screen)
        try quit(tui)
    }

    func testStartupOpensTheSameExperimentEveryLaunch() throws {
        let uri = try makeStore(sqlite: true)
        let first = try temporaryDirectory("first"), second = try temporaryDirectory("second")
        // Nothing remembered: alpha, whose newest run started last (though listed after gamma,
        // which has none, and beta), in two fresh state directories.
        for state in [first, second] {
            let tui = try launch(uri, stateHome: state)
            try tui.waitFor("● connected")
            let screen = try tui.waitFor("Runs · alpha · 3")
            XCTAssertTrue(screen.contains("▸alpha"), screen)
            try quit(tui)
        }
        // Another one used: it is the one opened next time.
        var tui = try launch(uri, stateHome: first)
        try tui.waitFor("Runs · alpha · 3")
        try open(tui, "gamma")
        try quit(tui)
        tui = try launch(uri, stateHome: first)
        let screen = try tui.waitFor("Runs · gamma · 0")
        XCTAssertTrue(screen.contains("▸gamma"), screen)
        try quit(tui)
    }

    func testCtrlRShowsANewRunItsCountAndSaysSo() throws {
        for sqlite in [true, false] {
            let uri = try makeStore(sqlite: sqlite)
            let tui = try launch(uri, stateHome: try temporaryDirectory("state"))
            try tui.waitFor("● connected")
            try open(tui, "alpha")
            try tui.waitFor("Runs · alpha · 3")
            try tui.waitUntil("alpha counted") { $0.range(of: #"▸alpha +3 "#, options: .regularExpression) != nil }
            try python(["--log-run", uri, "alpha", "fresh-run"])
            try tui.send("C-r")
            let screen = try tui.waitUntil("the new run, its count and the message") {
                $0.contains("Runs · alpha · 4") && $0.contains("fresh-run")
                    && $0.range(of: #"▸alpha +4 "#, options: .regularExpression) != nil
                    && $0.range(of: #"refreshed \d\d:\d\d:\d\d"#, options: .regularExpression) != nil
            }
            XCTAssertTrue(screen.contains("a-run-0"), screen)
            try quit(tui)
        }
    }
}
