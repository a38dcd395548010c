import Foundation
import TestSupport
import XCTest

/// The real binary under tmux, against both fixture stores written by the real MLflow client:
/// filter to two runs, mark them, open the chart, pick a metric, and find both legend entries
/// and plotted Braille dots on the captured screen; then the sparkline column.
final class ChartEndToEndTests: XCTestCase {
    func testFileStore() throws { try scenario(try FixtureStores.shared().trackingURI(.file)) }
    func testSQLiteStore() throws { try scenario(try FixtureStores.shared().trackingURI(.sqlite)) }

    /// The binary under test: MLTUI_TUI_BINARY, else the debug build of `mltui`.
    func binary() throws -> String {
        let path = ProcessInfo.processInfo.environment["MLTUI_TUI_BINARY"]
            ?? RepoLayout.root.appendingPathComponent(".build/debug/mltui").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("no mltui binary at \(path): run swift build first")
            throw XCTSkip("no binary")
        }
        return path
    }

    func scenario(_ uri: String) throws {
        // A state directory of its own: a view remembered by an earlier run would keep its filter.
        let state = NSTemporaryDirectory() + "mltui-chart-e2e-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: state) }
        let command = "TERM=xterm-256color LANG=C.UTF-8 XDG_STATE_HOME='\(state)' \(try binary()) --refresh 0 --experiment '日本語-実験' '\(uri)'"
        let tui = try ChartTmux(command: command, width: 140, height: 40)
        defer { tui.close() }
        try tui.waitFor("Runs · 日本語-実験")
        // batch_size 64: trial-1 and trial-3 (scripts/make_fixtures.py).
        try tui.send("/")
        try tui.type("params.batch_size = '64'")
        try tui.send("Enter")
        try tui.waitUntil("two runs") { $0.contains("trial-1") && $0.contains("trial-3") && !$0.contains("trial-0") }
        try tui.send("Space")
        try tui.send("Space")
        try tui.waitFor("2 marked")
        try tui.send("v")
        try tui.waitFor("Chart · accuracy · 2 runs")
        try tui.send("m")
        let picker = try tui.waitFor("Metric to chart (")
        for key in ["accuracy", "loss", "lr", "train/loss", "eval loss"] { XCTAssertTrue(picker.contains("│ \(key) "), "\(key) listed\n\(picker)") }
        try tui.type("lr")  // narrows the picker to the one key "lr"
        try tui.send("Enter")
        let screen = try tui.waitUntil("the lr chart loaded") {
            $0.contains("Chart · lr · 2 runs") && !$0.contains("loading") && $0.contains("━━ trial-1") && $0.contains("━━ trial-3")
        }
        let legend = screen.split(separator: "\n").filter { $0.hasPrefix("━━ ") }
        XCTAssertEqual(legend.count, 2, screen)
        XCTAssertTrue(legend.contains { $0.contains("trial-1") && $0.contains("@299") }, "trial-1 logged 300 steps\n\(screen)")
        XCTAssertTrue(legend.contains { $0.contains("trial-3") && $0.contains("@119") }, "trial-3 logged 120 steps\n\(screen)")
        let dots = screen.unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }.count
        XCTAssertGreaterThan(dots, 100, "plotted Braille dots\n\(screen)")
        // The cursor reads out both runs.
        try tui.send("Right")
        let readout = try tui.waitFor("▲ step")
        XCTAssertTrue(readout.split(separator: "\n").contains { $0.contains("▲ step") && $0.contains("trial-1") && $0.contains("trial-3") }, readout)
        // Back in the table, a sparkline column of lr.
        try tui.send("Escape")
        try tui.waitFor("2 marked")
        try tui.send("S")
        try tui.waitFor("Sparkline column")
        try tui.type("lr")
        try tui.send("Enter")
        let table = try tui.waitUntil("sparklines") { s in
            s.contains("~lr") && s.split(separator: "\n").filter { $0.contains("trial-") && $0.contains(where: { "▁▂▃▄▅▆▇█".contains($0) }) }.count == 2
        }
        XCTAssertTrue(table.contains("~lr"), table)
        try tui.send("q")
    }
}

/// A detached tmux session on a private socket (never the user's server); `close()` kills it.
final class ChartTmux {
    let socket = "mltui-chart-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    init(command: String, width: Int, height: Int) throws {
        try tmux(["new-session", "-d", "-s", "chart", "-x", "\(width)", "-y", "\(height)", command + "; sleep 30"])
    }

    /// Runs a tmux command and returns its output. posix_spawn + waitpid rather than Foundation's
    /// Process, and output through a file: the server `new-session` forks must not inherit a pipe.
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let outPath = NSTemporaryDirectory() + "\(socket)-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(outPath) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["tmux", "-L", socket, "-f", "/dev/null"] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, nil, &cArgs, environ)
        guard rc == 0 else { XCTFail("tmux not available (posix_spawnp: \(rc))"); throw XCTSkip("tmux not available (posix_spawnp: \(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    func send(_ key: String) throws { try tmux(["send-keys", "-t", "chart", key]) }
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "chart", "-l", text]) }

    @discardableResult
    func waitUntil(_ what: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                   _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try tmux(["capture-pane", "-p", "-t", "chart"])
            if predicate(screen) { return screen }
            usleep(100_000)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
        throw XCTSkip("stopping this scenario")
    }

    @discardableResult
    func waitFor(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try waitUntil("'\(text)'", file: file, line: line) { $0.contains(text) }
    }

    func close() { _ = try? tmux(["kill-server"]) }
}
