import Analysis
import Backends
import Foundation
import TestSupport
import Tracking
import XCTest

/// The real binary under tmux on the analysis store's "sweep" experiment (written by the real
/// MLflow client), one session for every step: group by params.model through the picker and
/// through `:group`, expand a group, sort the groups by an aggregate, and `:export` a file equal to
/// what `mltui runs --group-by` prints for the same view. Expected values come from the store
/// (read here without the grouping code), not from the screen.
final class GroupingEndToEndTests: XCTestCase {
    func lines(_ screen: String) -> [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// The line index of each label on the screen, in the order given; fails when one is missing.
    func order(_ screen: String, _ labels: [String]) -> [Int] {
        let rows = lines(screen)
        return labels.map { label in rows.firstIndex { $0.contains(label) } ?? -1 }
    }

    func testGroupExpandSortAndExport() throws {
        let stores = try FixtureStores.analysis()
        let store = try openStore(.sqlite(path: stores.sqliteDatabase.path)) { _ in }
        let runs = try runBlocking {
            let id = try await store.getExperimentByName("sweep").experimentID
            return try await store.allRuns(RunSearch(experimentIDs: [id]))
        }
        // The store's groups, counted here: models in Python's string order, the missing ones last.
        var byModel: [String: [Run]] = [:]
        var missing: [Run] = []
        for run in runs {
            if let model = run.data.params.first(where: { $0.key == "model" })?.value { byModel[model, default: []].append(run) } else { missing.append(run) }
        }
        let models = byModel.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let labels = models.map { "\($0) (\(byModel[$0]!.count))" } + ["(none) (\(missing.count))"]
        XCTAssertEqual(labels.count, 4, "the fixture: three models and runs without one")

        let work = NSTemporaryDirectory() + "mltui-grouping-e2e-\(getpid())"
        try FileManager.default.createDirectory(atPath: work + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let binary = try RepoLayout.mltuiBinary().path
        let command = "cd '\(work)' && TERM=xterm-256color LANG=C.UTF-8 XDG_STATE_HOME='\(work)/state' \(binary) --refresh 0 --experiment sweep '\(stores.sqliteURI)'; echo \"EXITED $?\"; sleep 30"
        let tui = try TmuxSession(command: command, width: 160, height: 36)
        defer { tui.close() }
        try tui.waitFor("Runs · sweep · \(runs.count)")

        // The picker: keys with their distinct values; Enter chooses, in order.
        try tui.send("=")
        try tui.waitFor("Group by: keys in all \(runs.count) runs")
        try tui.type("model")
        try tui.waitFor("[ ] params.model")
        XCTAssertTrue(try tui.capture().contains("\(models.count) values"))
        try tui.send("Enter")
        try tui.waitFor("[1] params.model")
        try tui.send("Escape")
        var screen = try tui.waitFor("grouped by params.model · 4 groups")
        var rows = order(screen, labels)
        XCTAssertEqual(rows, rows.sorted(), screen)
        XCTAssertFalse(rows.contains(-1), screen)

        // The same through the command line.
        try tui.type(":ungroup")
        try tui.send("Enter")
        try tui.waitUntil("ungrouped") { !$0.contains("grouped by") && $0.contains("Runs · sweep · \(runs.count)") }
        try tui.type(":group params.model")
        try tui.send("Enter")
        screen = try tui.waitFor("grouped by params.model · 4 groups")
        XCTAssertEqual(order(screen, labels), rows)

        // A metric column: its mean per group.
        try tui.send("o")
        try tui.type("f1")
        try tui.waitFor("[ ] m:f1")
        try tui.send("Enter")
        try tui.send("Escape")
        try tui.waitFor("m:f1 mean")

        // :export, compared with the command's output for the same view.
        try tui.type(":export grouped.csv")
        try tui.send("Enter")
        try tui.waitFor("exported 4 groups to grouped.csv")
        let file = try String(contentsOfFile: work + "/grouped.csv", encoding: .utf8)
        let columns = "run_name,start_time,duration,user_id,tags.mlflow.source.name,metrics.f1"
        let expected = FrameWriters.csv(RunFrame.groups(runs, by: [.param("model")], columns: try ColumnKey.parseList(columns)))
        XCTAssertEqual(file, expected)
        let cli = try CommandRunner.run(try RepoLayout.mltuiBinary(), ["runs", "--experiment-name", "sweep", "--group-by", "params.model",
                                                                       "--columns", columns, "--format", "csv", stores.sqliteURI])
        if cli.status == 0 {
            XCTAssertEqual(file, cli.stdoutText, "the export equals what mltui runs --group-by prints")
        } else {
            // Before the command learns --group-by (merged separately) only the frame is compared.
            XCTAssertTrue(cli.stderrText.contains("group-by"), cli.stderrText)
        }

        // Expand the first group: its runs under it.
        try tui.send("Enter")
        screen = try tui.waitFor("▾ " + labels[0])
        for run in byModel[models[0]]!.prefix(5) { XCTAssertTrue(screen.contains("    " + run.info.runName), "\(run.info.runName)\n\(screen)") }

        // Sort the groups by the mean of f1, descending: the order the store's values give.
        func mean(_ runs: [Run]) -> Double {
            let values = runs.compactMap { $0.data.metrics.first { $0.key == "f1" }?.value }.filter { !$0.isNaN }
            return values.reduce(0, +) / Double(values.count)
        }
        let byMean = models.sorted { mean(byModel[$0]!) > mean(byModel[$1]!) }
        XCTAssertNotEqual(byMean, models, "the fixture's means reorder the groups")
        try tui.type(":sort metrics.f1 desc")
        try tui.send("Enter")
        screen = try tui.waitFor("m:f1 mean ▼")
        let sortedLabels = byMean.map { "\($0) (\(byModel[$0]!.count))" } + [labels[3]]
        rows = order(screen, sortedLabels)
        XCTAssertFalse(rows.contains(-1), screen)
        XCTAssertEqual(rows, rows.sorted(), "groups by mean f1, descending, the missing model last\n\(screen)")

        // Another aggregate for the column: the header names it.
        try tui.send("A")
        try tui.waitFor("m:f1 min ▼")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    private func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Locked<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                let value = try await body()
                result.withLock { $0 = .success(value) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        return try result.current!.get()
    }
}
