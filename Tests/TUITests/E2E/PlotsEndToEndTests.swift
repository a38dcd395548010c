import Foundation
import TestSupport
import XCTest

/// The real binary under tmux on the analysis store (experiment "sweep", SQLite, written by the
/// real MLflow client), at 80×24: the scatter of metrics.f1 against params.lr (axes chosen in
/// the pickers, the cursor walking in x order, Enter opening the named run's details, Esc coming
/// back), then parallel coordinates with one axis per param and metric that varies across the
/// runs, as MLflow's own `search_runs` frame says.
final class PlotsEndToEndTests: XCTestCase {
    func lines(_ screen: String) -> [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// The scatter's readout: the run under the cursor and its params.lr.
    func readout(_ screen: String) -> (name: String, lr: Double)? {
        guard let line = lines(screen).first(where: { $0.hasPrefix("◆ ") }) else { return nil }
        let parts = line.dropFirst(2).components(separatedBy: " · ")
        guard parts.count >= 3, parts[1].hasPrefix("params.lr "), let lr = Double(parts[1].dropFirst("params.lr ".count)) else { return nil }
        return (parts[0], lr)
    }

    /// The params and metrics that take at least two distinct (finite, for metrics) values, per
    /// MLflow's `search_runs` over the experiment.
    func varyingKeys(_ uri: String) throws -> [String] {
        let script = """
        import json, math, sys, warnings
        warnings.filterwarnings("ignore")
        import mlflow
        mlflow.set_tracking_uri(sys.argv[1])
        frame = mlflow.search_runs(experiment_names=["sweep"])
        keys = []
        for column in frame.columns:
            values = frame[column].dropna()
            if column.startswith("metrics."):
                values = values[values.map(lambda v: math.isfinite(v) and abs(v) != sys.float_info.max)]
            if column.startswith(("params.", "metrics.")) and values.nunique() >= 2:
                keys.append(column.split(".", 1)[1])
        print(json.dumps(keys))
        """
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), ["-c", script, uri], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderrText)
        return try JSONDecoder().decode([String].self, from: result.stdout)
    }

    func testScatterCursorOpensTheNamedRunAndParallelCoordinatesShowTheVaryingKeys() throws {
        let stores = try FixtureStores.analysis()
        let expectedAxes = try varyingKeys(stores.sqliteURI)
        XCTAssertTrue(expectedAxes.contains("lr") && expectedAxes.contains("f1") && !expectedAxes.contains("only_nan"), "\(expectedAxes)")
        let stateHome = NSTemporaryDirectory() + "mltui-plots-e2e-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: stateHome) }
        let binary = try RepoLayout.mltuiBinary().path
        let command = "TERM=xterm-256color LANG=C.UTF-8 XDG_STATE_HOME='\(stateHome)' \(binary) --refresh 0 --experiment sweep '\(stores.sqliteURI)'; echo \"EXITED $?\"; sleep 30"
        let tui = try TmuxSession(command: command, width: 80, height: 24)
        defer { tui.close() }
        try tui.waitFor("Runs · sweep · 30")

        // The scatter, its axes chosen in the pickers.
        try tui.send("V")
        try tui.waitFor("Scatter · y ")
        try tui.send("y")
        try tui.waitFor("Scatter y axis")
        try tui.type("metrics.f1")
        try tui.waitFor("› metrics.f1")
        try tui.send("Enter")
        try tui.waitFor("Scatter · y metrics.f1")
        try tui.send("x")
        try tui.waitFor("Scatter x axis")
        try tui.type("params.lr")
        try tui.waitFor("› params.lr")
        try tui.send("Enter")
        var screen = try tui.waitFor("Scatter · y metrics.f1 · x params.lr · 30 shown runs")
        XCTAssertTrue(screen.contains("not plotted: 1 run has NaN or ±inf metrics.f1"), screen)

        // The cursor walks in x order: params.lr never decreases, the name changes.
        guard var current = readout(screen) else { return XCTFail("no readout\n\(screen)") }
        for _ in 0..<3 {
            try tui.send("l")
            screen = try tui.waitUntil("the cursor moved") { self.readout($0).map { $0.name != current.name } ?? false }
            let next = readout(screen)!
            XCTAssertGreaterThanOrEqual(next.lr, current.lr, screen)
            current = next
        }

        // Enter: the details of the run named under the cursor; Esc back to the scatter.
        try tui.send("Enter")
        screen = try tui.waitFor("Run details · \(current.name)")
        try tui.send("Escape")
        try tui.waitFor("Scatter · y metrics.f1")
        try tui.send("Escape")
        try tui.waitFor("Runs · sweep · 30")

        // Parallel coordinates: an axis per varying param and metric, named on the row under the title.
        try tui.send("P")
        // The whole frame, highlight readout included (a capture can land between two draws).
        screen = try tui.waitUntil("parallel coordinates drawn with its highlight") { s in
            s.contains("Parallel coordinates · 30 shown runs · \(expectedAxes.count) axes") && self.lines(s).contains { $0.hasPrefix("◆ ") }
        }
        let rows = lines(screen)
        guard let titleRow = rows.firstIndex(where: { $0.contains("Parallel coordinates") }) else { return XCTFail(screen) }
        let names = rows[titleRow + 1].split(separator: " ").map(String.init)
        XCTAssertEqual(Set(names), Set(expectedAxes), screen)
        XCTAssertFalse(screen.contains("only_nan"), screen)
        // j moves the highlight to another run; its values read out.
        guard let first = rows.first(where: { $0.hasPrefix("◆ ") }) else { return XCTFail(screen) }
        try tui.send("j")
        screen = try tui.waitUntil("the highlight moved") { s in self.lines(s).contains { $0.hasPrefix("◆ ") && $0 != first } }
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
