import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Tracking
import XCTest
@testable import TUI

/// Best-of columns in the real binary under tmux, on the analysis stores (sweep) written by the
/// real client: `min(loss)` from the column picker and `:column metrics.loss@10`, their values
/// checked against the client's `get_metric_history`, then a local sort; on SQLite directly and
/// through `mltui serve` over the file store.
final class BestOfEndToEndTests: XCTestCase {
    typealias Expected = [(name: String, min: Double, at10: Double)]

    /// Per run of sweep, in search_runs' order (newest first, as the table): min of loss's history
    /// (NaN skipped) and the value MLflow calls latest at step 10 (greatest timestamp, then
    /// value), from the real client.
    func expected(_ uri: String) throws -> Expected {
        let script = """
        import sys, math, warnings, os
        warnings.filterwarnings("ignore")
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        from mlflow.tracking import MlflowClient
        client = MlflowClient(sys.argv[1])
        exp = client.get_experiment_by_name("sweep")
        for run in client.search_runs([exp.experiment_id], max_results=1000):
            history = client.get_metric_history(run.info.run_id, "loss")
            numbers = [m.value for m in history if not math.isnan(m.value)]
            at10 = max((m for m in history if m.step == 10), key=lambda m: (m.timestamp, m.value))
            print(run.info.run_name, repr(min(numbers) if numbers else float("nan")), repr(at10.value), sep="\\t")
        """
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), ["-c", script, uri], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderrText.suffix(2000).description)
        var values: Expected = []
        for line in result.stdoutText.split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            guard parts.count == 3, let low = Double(parts[1]), let at = Double(parts[2]) else { continue }
            values.append((parts[0], low, at))
        }
        XCTAssertEqual(values.count, 30, result.stdoutText)
        return values
    }

    func launch(_ uri: String) throws -> TmuxSession {
        let binary = try RepoLayout.mltuiBinary().path
        let state = NSTemporaryDirectory() + "mltui-bestof-e2e-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: state) }
        let command = "XDG_STATE_HOME='\(state)' TERM=xterm-256color LANG=C.UTF-8 \(binary) --refresh 0 --experiment sweep '\(uri)'; echo \"EXITED $?\"; sleep 30"
        return try TmuxSession(command: command, width: 160, height: 45)
    }

    func lines(_ screen: String) -> [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// Adds both columns, checks every run's values on screen, then sorts by min(loss).
    func addCheckAndSort(_ tui: TmuxSession, _ expected: Expected) throws {
        try tui.waitFor("Runs · sweep · 30", timeout: 30)
        // The picker: min(loss) right after m:loss.
        try tui.send("o")
        try tui.waitFor("Columns in all 30 runs")
        try tui.type("min(loss)")
        try tui.waitFor("[ ] min(loss)")
        try tui.send("Enter")
        try tui.waitFor("[x] min(loss)")
        try tui.send("Escape")
        try tui.waitUntil("the picker closed") { !$0.contains("Columns in") }
        // The command line: any column in CLI syntax.
        try tui.type(":column metrics.loss@10")
        try tui.send("Enter")
        func shown(_ screen: String, _ name: String) -> [String] {
            guard let row = lines(screen).first(where: { $0.contains(name + " ") }) else { return [] }
            return Array(row.split(separator: " ").map(String.init).suffix(2))
        }
        func wanted(_ run: (name: String, min: Double, at10: Double)) -> [String] { [formatNumber(run.min), formatNumber(run.at10)] }
        // Bounded: on a timeout the assertions below say which values differ.
        let loaded = try? tui.waitUntil("every run's values shown") { screen in
            expected.allSatisfy { shown(screen, $0.name) == wanted($0) }
        }
        var screen = try loaded ?? tui.capture()
        XCTAssertTrue(screen.contains("min(loss)") && screen.contains("loss@10"), screen)
        for run in expected { XCTAssertEqual(shown(screen, run.name), wanted(run), "\(run.name)\n\(screen)") }

        // Sort by min(loss): local, descending first, the greatest minimum on top; ties (the
        // runs whose least loss is the 0.5 logged twice at step 10) in the table's order.
        try tui.type(":column min(metrics.loss)")
        try tui.send("Enter")
        try tui.send("s")
        let order = expected.enumerated().sorted { a, b in
            a.element.min != b.element.min ? a.element.min > b.element.min : a.offset < b.offset
        }.map(\.element.name)
        func rowOrder(_ screen: String) -> [String] {
            let all = lines(screen)
            guard let header = all.firstIndex(where: { $0.contains("min(loss) ▼") }) else { return [] }
            return all[(header + 1)...].prefix(order.count).map { row in order.first { row.contains($0 + " ") } ?? "?" }
        }
        // A capture may catch a frame half drawn: wait (bounded) for the whole order.
        let sorted = try? tui.waitUntil("sorted by min(loss)") { $0.contains("sort min(loss) ↓ (local)") && rowOrder($0) == order }
        screen = try sorted ?? tui.capture()
        XCTAssertTrue(screen.contains("sort min(loss) ↓ (local)"), screen)
        let shown = rowOrder(screen)
        XCTAssertEqual(shown, order, screen)
    }

    func testBestOfColumnsOnSQLite() throws {
        let stores = try FixtureStores.analysis()
        let expected = try expected(stores.sqliteURI)
        let tui = try launch(stores.sqliteURI)
        defer { tui.close() }
        try addCheckAndSort(tui, expected)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// `mltui serve` over the file store: values come lazily through get-history.
    func testBestOfColumnsThroughAServer() throws {
        let stores = try FixtureStores.analysis()
        let expected = try expected(stores.trackingURI(.file))
        let (server, url) = try MltuiServe.start(["--backend-store-uri", stores.trackingURI(.file), "--no-serve-artifacts"])
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        let tui = try launch(url)
        defer { tui.close() }
        try addCheckAndSort(tui, expected)
        // The progress count (`min(loss) 12/30…`) is gone once every value is in.
        let end = try tui.capture()
        XCTAssertFalse(end.contains("/30…") || end.contains("(local, loading)"), end)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
