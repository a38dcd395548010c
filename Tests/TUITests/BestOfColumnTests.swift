import Analysis
import Terminal
import Tracking
import XCTest
@testable import TUI

/// Best-of columns in the runs table: adding them (picker, `:column`), loading their summaries
/// (all runs locally, the rows in view on a server), merging answers, the local sort, invalidation.
final class BestOfColumnTests: XCTestCase {
    typealias Load = (request: Int, key: String, steps: Set<Int64>, runIDs: [String])

    private func summaryLoads(_ effects: [Effect]) -> [Load] {
        effects.compactMap { effect -> Load? in
            guard case .loadSummaries(let r, let k, let s, let ids) = effect else { return nil }
            return (request: r, key: k, steps: s, runIDs: ids)
        }
    }

    /// Runs named r000… with a `loss` metric on every run but each fifth.
    private func manyRuns(_ count: Int) -> [Run] {
        (0..<count).map { i in
            Fixtures.run(String(format: "id%03d", i), String(format: "r%03d", i), metrics: i % 5 == 4 ? [:] : ["loss": Double(i)],
                         offset: Int64(i))
        }
    }

    private func answer(_ state: inout AppState, _ load: Load,
                        _ values: [String: MetricSummary]) -> [Effect] {
        reduce(&state, .summariesLoaded(request: load.request, key: load.key, steps: load.steps, runIDs: load.runIDs, .success(values)))
    }

    // MARK: adding

    func testColumnPickerOffersMinAndMaxBesideEachMetricAfterThePlainKey() {
        var state = Fixtures.loadedState()
        state.pane = .runs
        state.press(.char("o"))
        let labels = state.picker!.items.map(\.label)
        let f1 = labels.firstIndex(of: "m:f1")!
        XCTAssertEqual(Array(labels[f1...].prefix(3)), ["m:f1", "min(f1)", "max(f1)"])
        XCTAssertEqual(state.picker!.items[f1 + 1].count, state.picker!.items[f1].count)
        state.type("f1")
        XCTAssertEqual(state.picker!.visibleItems.prefix(3).map(\.label), ["m:f1", "max(f1)", "min(f1)"])
        state.picker!.query = "max"
        state.picker!.queryCursor = 3
        XCTAssertEqual(state.picker!.visibleItems.first?.label, "max(f1)")
        state.press(.enter)
        XCTAssertEqual(state.table.columns.last, .best(.max, "f1"))
        XCTAssertTrue(state.picker!.items.first { $0.label == "max(f1)" }!.checked)
        // Removing works as for any column: Enter on the checked item.
        state.type("max(f1)")
        state.press(.enter)
        XCTAssertFalse(state.table.columns.contains(.best(.max, "f1")))
    }

    func testTypingKeyAtStepInTheColumnPickerOffersTheValueAtThatStep() {
        var state = Fixtures.loadedState()
        state.pane = .runs
        state.press(.char("o"))
        state.type("f1@10")
        XCTAssertEqual(state.picker!.visibleItems.first?.label, "f1@10")
        state.press(.enter)
        XCTAssertEqual(state.table.columns.last, .best(.atStep(10), "f1"))
        let item = state.picker!.items.first { $0.column == .best(.atStep(10), "f1") }
        XCTAssertEqual(item?.checked, true, "listed, checked, after its metric's entries")
        state.type("nosuchmetric@3")
        XCTAssertTrue(state.picker!.visibleItems.isEmpty, "only a metric of the loaded runs gets an at-step entry")
    }

    func testColumnCommandTakesCLIKeysAndSaysWhatIsWrong() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .command("column min(metrics.f1)"))
        XCTAssertEqual(state.table.columns.last, .best(.min, "f1"))
        XCTAssertEqual(state.table.selectedColumn, state.table.columns.count - 1)
        _ = reduce(&state, .command("column metrics.f1@100"))
        XCTAssertEqual(state.table.columns.last, .best(.atStep(100), "f1"))
        _ = reduce(&state, .command("column params.lr"))
        XCTAssertEqual(state.table.columns.last, .param("lr"))
        let count = state.table.columns.count
        _ = reduce(&state, .command("column min(metrics.f1)"))
        XCTAssertEqual(state.table.columns.count, count, "already shown: selected, not added twice")
        XCTAssertEqual(state.table.columns[state.table.selectedColumn], .best(.min, "f1"))

        for (line, says) in [("column max(params.lr)", "takes a metric"), ("column run_id", "no column for it"),
                             ("column", "usage: :column KEY"), ("column metrics.f1 desc", "no ASC or DESC")] {
            _ = reduce(&state, .command(line))
            XCTAssertTrue(state.messageIsError, line)
            XCTAssertTrue(state.message?.contains(says) ?? false, "\(line): \(state.message ?? "nil")")
        }
        XCTAssertEqual(state.table.columns.count, count)
    }

    // MARK: loading

    func testLocalStoreAsksForEveryLoadedRunWithTheMetricAtOnce() {
        var state = Fixtures.loadedState()
        let loads = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))
        XCTAssertEqual(loads.count, 1)
        XCTAssertEqual(loads[0].key, "f1")
        XCTAssertEqual(loads[0].steps, [])
        XCTAssertEqual(Set(loads[0].runIDs), ["bbb222", "ccc333", "ddd444", "eee555"], "runs without f1 have no history to read")
        XCTAssertTrue(summaryLoads(reduce(&state, .tick(Fixtures.now + 0.1))).isEmpty, "asked once")
        // An at-step column of the same metric asks again, with its step.
        let again = summaryLoads(reduce(&state, .command("column metrics.f1@3")))
        XCTAssertEqual(again.map(\.steps), [[3]])
        XCTAssertEqual(Set(again[0].runIDs), Set(loads[0].runIDs))
    }

    func testAnswersMergeAndStaleAnswersAreDropped() {
        var state = Fixtures.loadedState()
        let load = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))[0]
        XCTAssertTrue(render(state).text.contains("max(f1) 0/4…"), render(state).text)
        _ = answer(&state, load, ["bbb222": MetricSummary(min: 0.5, max: 0.97), "ccc333": MetricSummary(min: .nan, max: .nan)])
        XCTAssertEqual(state.table.summaries.summary("f1", run: "bbb222")?.max, 0.97)
        XCTAssertFalse(state.table.summaryLoads.isLoading)
        XCTAssertTrue(render(state).text.contains("0.97"), render(state).text)

        // A later generation (the table reloaded) drops an answer to the earlier one.
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: Fixtures.runs))))
        _ = answer(&state, load, ["bbb222": MetricSummary(min: 0, max: 123)])
        XCTAssertEqual(state.table.summaries.summary("f1", run: "bbb222")?.max, 0.97)

        // Another experiment: the old experiment's answer is dropped.
        let other = summaryLoads(reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: Fixtures.runs)))))
        XCTAssertTrue(other.isEmpty, "unchanged finished runs keep their summaries")
        let request = state.table.summaryLoads.generation
        _ = RunsPane.openExperiment(&state, "2")
        _ = reduce(&state, .summariesLoaded(request: request, key: "f1", steps: [], runIDs: ["bbb222"], .success(["bbb222": MetricSummary(min: 1, max: 2)])))
        XCTAssertNil(state.table.summaries.summary("f1", run: "bbb222"))
    }

    func testUnreachableStoreIsAskedAgainWhenItAnswers() {
        var state = Fixtures.loadedState()
        let load = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))[0]
        _ = answer(&state, load, ["bbb222": MetricSummary(min: 0, max: 1)])
        let more = summaryLoads(reduce(&state, .command("column metrics.f1@3")))[0]
        _ = reduce(&state, .summariesLoaded(request: more.request, key: "f1", steps: [3], runIDs: more.runIDs,
                                            .failure(MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server"))))
        XCTAssertTrue(state.connection.isFailed)
        XCTAssertTrue(summaryLoads(reduce(&state, .tick(Fixtures.now + 1))).isEmpty)
        let retried = summaryLoads(reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments))))
        XCTAssertEqual(state.connection, .connected)
        XCTAssertEqual(Set(retried.flatMap(\.runIDs)), Set(more.runIDs))
    }

    func testFailedLoadSaysSoOnceAndIsNotAskedAgainUntilRefresh() {
        var state = Fixtures.loadedState()
        let load = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))[0]
        _ = reduce(&state, .summariesLoaded(request: load.request, key: "f1", steps: [], runIDs: load.runIDs,
                                            .failure(MLflowError(.internalError, "boom"))))
        XCTAssertTrue(state.messageIsError)
        XCTAssertTrue(state.message?.contains("boom") ?? false)
        XCTAssertTrue(summaryLoads(reduce(&state, .tick(Fixtures.now + 1))).isEmpty)
        _ = reduce(&state, .key(.ctrl("r")))
        let reloaded = summaryLoads(reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: Fixtures.runs)))))
        XCTAssertEqual(Set(reloaded.flatMap(\.runIDs)), Set(load.runIDs))
    }

    func testServerLoadsTheRowsInViewInBatchesWithProgress() {
        var state = Fixtures.loadedState(width: 120, runs: manyRuns(200))
        state.source = "http://127.0.0.1:5000"
        let loads = summaryLoads(reduce(&state, .command("column min(metrics.loss)")))
        XCTAssertEqual(loads.count, RunsPane.remoteBatchesInFlight)
        XCTAssertTrue(loads.allSatisfy { $0.runIDs.count <= RunsPane.remoteBatch })
        let inView = 2 * Layout(state).runRows
        let wanted = state.table.rows.prefix(inView).filter { state.table.runs[$0.index].data.metric("loss") != nil }.count
        XCTAssertTrue(render(state).text.contains("min(loss) 0/\(wanted)…"), render(state).text)
        XCTAssertTrue(state.isLoading)
        // Each answer sends the next batch, until the rows in view (and a page ahead) are in.
        var asked = Set(loads.flatMap(\.runIDs))
        var pending = loads
        while let next = pending.first {
            pending.removeFirst()
            let more = summaryLoads(answer(&state, next, Dictionary(uniqueKeysWithValues: next.runIDs.map { ($0, MetricSummary(min: 1, max: 2)) })))
            asked.formUnion(more.flatMap(\.runIDs))
            pending += more
        }
        XCTAssertEqual(asked.count, wanted)
        XCTAssertFalse(render(state).text.contains("min(loss) "), "no progress once done")
        // Scrolling brings the next rows.
        let scrolled = summaryLoads(state.press(.pageDown, .pageDown))
        XCTAssertFalse(scrolled.isEmpty)
        XCTAssertTrue(Set(scrolled.flatMap(\.runIDs)).isDisjoint(with: asked))
    }

    // MARK: sorting

    func testACursorOnTheFirstRowFollowsTheBestRunWhileValuesArrive() {
        var state = Fixtures.loadedState()
        let load = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))[0]
        state.pane = .runs
        state.press(.char("s"))
        _ = answer(&state, load, ["bbb222": MetricSummary(min: 0, max: 0.5), "ddd444": MetricSummary(min: 0, max: 2)])
        XCTAssertEqual(state.table.cursor.index, 0)
        XCTAssertEqual(state.selectedRun?.info.runID, "ddd444", "the greatest value is on the first row, under the cursor")
    }

    func testSortByBestOfColumnIsLocalWithMissingValuesLast() {
        var state = Fixtures.loadedState()
        let load = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))[0]
        state.pane = .runs
        let effects = state.press(.char("s"))
        XCTAssertNil(effects.compactMap(\.runSearch).first, "MLflow is not asked to sort")
        XCTAssertEqual(state.table.cursor.index, 0, "a new order is read from the top")
        state.press(.char("j"))
        XCTAssertEqual(state.table.view.localSort, LocalSort(column: .best(.max, "f1"), ascending: false))
        XCTAssertTrue(render(state).text.contains("sort max(f1) ↓ (local, loading)"), render(state).text)
        _ = answer(&state, load, ["bbb222": MetricSummary(min: 0, max: 0.5), "ccc333": MetricSummary(min: .nan, max: .nan),
                                  "ddd444": MetricSummary(min: 0, max: 2), "eee555": MetricSummary(min: -1, max: .infinity)])
        func order() -> [String] { state.table.rows.map { state.table.runs[$0.index].info.runID } }
        XCTAssertEqual(Array(order().prefix(4)), ["eee555", "ddd444", "bbb222", "ccc333"], "numbers, then NaN, then none")
        XCTAssertEqual(Set(order().suffix(2)), ["aaa111", "fff666"])
        XCTAssertTrue(render(state).text.contains("sort max(f1) ↓ (local)"))
        XCTAssertEqual(state.selectedRun?.info.runID, "bbb222", "off the top, the cursor stays on its run")
        state.press(.char("s"))
        XCTAssertEqual(state.table.cursor.index, 0)
        XCTAssertEqual(Array(order().prefix(4)), ["bbb222", "ddd444", "eee555", "ccc333"], "ascending: still NaN and missing last")
        // A tree keeps each top-level run with its children.
        state.press(.char("n"))
        XCTAssertEqual(order(), ["ddd444", "eee555", "aaa111", "bbb222", "ccc333", "fff666"], "children stay under their parent")
        state.press(.char("n"))
        // An MLflow sort replaces the local one.
        _ = reduce(&state, .command("sort metrics.f1 desc"))
        XCTAssertNil(state.table.view.localSort)
        _ = reduce(&state, .command("sort min(metrics.f1) asc"))
        XCTAssertEqual(state.table.view.localSort, LocalSort(column: .best(.min, "f1"), ascending: true))
        XCTAssertNil(state.table.sort)
    }

    func testSortOnAServerLoadsEveryRun() {
        var state = Fixtures.loadedState(width: 120, runs: manyRuns(200))
        state.source = "http://127.0.0.1:5000"
        _ = reduce(&state, .command("column max(metrics.loss)"))
        state.pane = .runs
        state.press(.char("s"))
        XCTAssertEqual(state.table.summaryLoads.metrics["loss"]?.total, 160, "every loaded run with the metric")
        XCTAssertTrue(render(state).text.contains("/160…"), render(state).text)
    }

    func testGroupedViewOnAServerLoadsEveryRun() {
        var state = Fixtures.loadedState(width: 120, runs: manyRuns(200))
        state.source = "http://127.0.0.1:5000"
        state.table.view.groupBy = [.param("model")]
        _ = reduce(&state, .command("column max(metrics.loss)"))
        XCTAssertEqual(state.table.summaryLoads.metrics["loss"]?.total, 160, "group aggregates need every run's value")
    }

    func testLocalSortIsKeptInTheStateFile() throws {
        var view = ExperimentView()
        view.columns.append(.best(.atStep(10), "loss"))
        view.localSort = LocalSort(column: .best(.atStep(10), "loss"), ascending: true)
        let data = try JSONEncoder().encode(view)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(#""column":"best:metrics.loss@10""#))
        XCTAssertEqual(try JSONDecoder().decode(ExperimentView.self, from: data), view)
    }

    // MARK: invalidation

    func testLiveRefreshReadsAgainRunningRunsAndRunsWithNewPoints() {
        var runs = Fixtures.runs
        runs[5].data.metrics = [Metric(key: "f1", value: 0.1, timestamp: Fixtures.start, step: 1)]  // still-running
        var state = Fixtures.loadedState(runs: runs)
        let load = summaryLoads(reduce(&state, .command("column max(metrics.f1)")))[0]
        _ = answer(&state, load, Dictionary(uniqueKeysWithValues: load.runIDs.map { ($0, MetricSummary(min: 0, max: 1)) }))
        runs[1].data.metrics[0] = Metric(key: "f1", value: 0.95, timestamp: Fixtures.start + 9, step: 4)  // bbb222 logged more
        let again = summaryLoads(reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: runs)))))
        XCTAssertEqual(Set(again.flatMap(\.runIDs)), ["bbb222", "fff666"])
        XCTAssertNil(state.table.summaries.summary("f1", run: "bbb222"), "no stale max")
        XCTAssertNotNil(state.table.summaries.summary("f1", run: "ddd444"))
        // Ctrl-R reads every one again.
        _ = reduce(&state, .key(.ctrl("r")))
        let all = summaryLoads(reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: runs)))))
        XCTAssertEqual(Set(all.flatMap(\.runIDs)), Set(load.runIDs))
    }
}
