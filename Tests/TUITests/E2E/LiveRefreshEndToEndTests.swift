import Foundation
import TestSupport
import XCTest

/// The real client logs a RUNNING run while the real binary charts it under tmux with a 1 s
/// refresh. `MLTUI_TICK_STATS` has the UI write what each refresh read (file bytes, rows and
/// SQLite VM steps, requests and response bytes): with 10 new points a tick, that stays flat as
/// the history grows from 1,000 to 100,000 points, while reading every history whole
/// (`MLTUI_LIVE_RELOAD=whole`, the refresh before incremental reads) grows with it, on a file
/// store, an SQLite store and through a real `mlflow server`.
final class LiveRefreshEndToEndTests: XCTestCase {
    private var folder = URL(fileURLWithPath: "/")
    private var session: TmuxSession?

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-live-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        session?.close()
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    func testFileStore() throws {
        let costs = try measure("file://" + folder.appendingPathComponent("mlruns").path)
        XCTAssertLessThanOrEqual(costs.large.fileBytes, 2 * costs.small.fileBytes + 16_384, "\(costs)")
        XCTAssertGreaterThan(costs.whole.fileBytes, 20 * max(costs.large.fileBytes, 50_000), "\(costs)")
    }

    func testSQLiteStore() throws {
        let costs = try measure("sqlite:///" + folder.appendingPathComponent("mlflow.db").path)
        XCTAssertLessThanOrEqual(costs.large.rows, 2 * costs.small.rows + 200, "\(costs)")
        XCTAssertLessThanOrEqual(costs.large.sqlSteps, 2 * costs.small.sqlSteps + 20_000, "\(costs)")
        XCTAssertGreaterThan(costs.whole.rows, 100_000, "\(costs)")
        XCTAssertGreaterThan(costs.whole.sqlSteps, 10 * costs.large.sqlSteps, "\(costs)")
    }

    func testThroughAnMLflowServer() throws {
        let server = try MLflowServer(backendStoreURI: "sqlite:///" + folder.appendingPathComponent("served.db").path)
        defer { server.stop() }
        let costs = try measure(server.url)
        XCTAssertLessThanOrEqual(costs.large.requests, costs.small.requests + 2, "\(costs)")
        XCTAssertLessThanOrEqual(costs.large.responseBytes, 2 * costs.small.responseBytes + 16_384, "\(costs)")
        XCTAssertGreaterThan(costs.whole.responseBytes, 20 * costs.large.responseBytes, "\(costs)")
    }

    /// What one refresh read (the most of a few ticks that each found 10 new points).
    struct Cost: Decodable, CustomStringConvertible {
        var fileBytes = 0, rows = 0, sqlSteps = 0, requests = 0, responseBytes = 0

        static func most(_ costs: [Cost]) -> Cost {
            Cost(fileBytes: costs.map(\.fileBytes).max() ?? 0, rows: costs.map(\.rows).max() ?? 0,
                 sqlSteps: costs.map(\.sqlSteps).max() ?? 0, requests: costs.map(\.requests).max() ?? 0,
                 responseBytes: costs.map(\.responseBytes).max() ?? 0)
        }

        var description: String {
            "\(fileBytes) file bytes, \(rows) rows, \(sqlSteps) SQLite steps, \(requests) requests, \(responseBytes) response bytes"
        }
    }

    /// Ticks at 1,000 points (`small`) and at 100,000 (`large`), incremental, and at 100,000
    /// reading whole (`whole`).
    private func measure(_ uri: String) throws -> (small: Cost, large: Cost, whole: Cost) {
        let state = folder.appendingPathComponent("state.json").path
        try log(uri, state, ["start"])
        try log(uri, state, ["append", "1000"])

        let stats = folder.appendingPathComponent("ticks.jsonl")
        try openChart(uri, stats: stats, whole: false)
        let small = try ticks(uri, state, stats)
        try log(uri, state, ["append", "99000"], timeout: 600)
        _ = try waitForTicks(stats, after: try lines(stats).count, count: 3, timeout: 120)
        let large = try ticks(uri, state, stats)
        // The chart has every point: the x axis reaches the last step.
        try session?.waitUntil("the chart's x axis at 100k steps", timeout: 20) { $0.contains("100000") }
        session?.close()

        let wholeStats = folder.appendingPathComponent("ticks-whole.jsonl")
        try openChart(uri, stats: wholeStats, whole: true)
        let whole = try ticks(uri, state, wholeStats)
        session?.close()
        session = nil
        print("live refresh \(uri.hasPrefix("http") ? "server" : uri.components(separatedBy: ":").first ?? uri): "
              + "1k points: \(small); 100k: \(large); 100k read whole: \(whole)")
        return (small, large, whole)
    }

    private func log(_ uri: String, _ state: String, _ arguments: [String], timeout: TimeInterval = 180) throws {
        let script = RepoLayout.root.appendingPathComponent("Tests/TUITests/E2E/live_logging.py").path
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script, uri, state] + arguments,
                                           environment: ProcessInfo.processInfo.environment.merging(["MLFLOW_ALLOW_FILE_STORE": "true"]) { $1 },
                                           cwd: folder, timeout: timeout)
        guard result.status == 0 else { throw SupportError("live_logging.py \(arguments): \(result.stderrText.suffix(3000))") }
    }

    private func openChart(_ uri: String, stats: URL, whole: Bool) throws {
        let binary = try RepoLayout.mltuiBinary().path
        let mode = whole ? "MLTUI_LIVE_RELOAD=whole " : ""
        let tui = try TmuxSession(command: "TERM=xterm-256color XDG_STATE_HOME='\(folder.path)/xdg' MLTUI_TICK_STATS='\(stats.path)' \(mode)"
                                      + "'\(binary)' --refresh 1 --experiment live '\(uri)'; echo \"EXITED $?\"; sleep 30",
                                  width: 120, height: 36)
        session = tui
        try tui.waitFor("trainer", timeout: 20)
        try tui.send("v")
        try tui.waitFor("Chart · loss", timeout: 20)
        // The first refresh reads the running run's history whole; measure after it.
        _ = try waitForTicks(stats, after: 0, count: 3, timeout: 30)
    }

    /// Three ticks, each after 10 new points.
    private func ticks(_ uri: String, _ state: String, _ stats: URL) throws -> Cost {
        var costs: [Cost] = []
        for _ in 0..<3 {
            try log(uri, state, ["append", "10"])
            let before = try lines(stats).count
            costs += try waitForTicks(stats, after: before, count: 2, timeout: 30).suffix(1)
        }
        return Cost.most(costs)
    }

    private func lines(_ stats: URL) throws -> [Cost] {
        guard let text = try? String(contentsOf: stats, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Cost.self, from: Data($0.utf8)) }
    }

    /// The lines written after the first `after`, once there are `count` of them.
    private func waitForTicks(_ stats: URL, after: Int, count: Int, timeout: TimeInterval) throws -> [Cost] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let all = try lines(stats)
            if all.count >= after + count { return Array(all[after...]) }
            usleep(100_000)
        }
        throw SupportError("fewer than \(count) refreshes in \(Int(timeout)) s; screen:\n\((try? session?.capture()) ?? "")")
    }
}
