import XCTest
import Terminal
import Tracking
@testable import TUI

/// The chart pane and the sparkline column through the reducer and render, fed actions as
/// the runtime would (no store).
final class ChartPaneTests: XCTestCase {
    func history(_ key: String, _ values: [Double], from step: Int64 = 0) -> [Metric] {
        values.enumerated().map { Metric(key: key, value: $1, timestamp: Fixtures.start + (step + Int64($0)) * 1000, step: step + Int64($0)) }
    }

    func loads(_ effects: [Effect]) -> [(request: Int, runID: String, key: String, refresh: Bool)] {
        effects.compactMap { if case .loadHistory(let r, let id, let k, let refresh, _) = $0 { return (r, id, k, refresh) } else { return nil } }
    }

    /// Two marked runs (bbb222, ccc333) with the chart open on f1.
    func chartState(width: Int = 100, height: Int = 30) -> (AppState, [Effect]) {
        var state = Fixtures.loadedState(width: width, height: height)
        state.press(.down, .char(" "), .char(" "))
        XCTAssertEqual(state.table.marks, ["bbb222", "ccc333"])
        let effects = state.press(.char("v"))
        return (state, effects)
    }

    /// A live tail joins only the history it was read after: a second tail read after the same
    /// points (two refreshes in flight) or a tail arriving after a reload adds nothing twice.
    func testLiveTailJoinsOnlyTheHistoryItFollows() {
        var (state, effects) = chartState()
        let request = loads(effects)[0].request
        _ = reduce(&state, .historyPage(request: request, runID: "bbb222",
                                        .success(HistoryPage(metrics: history("f1", [0.1, 0.5, 0.7]), first: true, done: true))))
        let held = state.chart!.histories["bbb222"]!.held(key: "f1")
        XCTAssertEqual(held?.count, 3)
        let tail = HistoryPage(metrics: history("f1", [0.8, 0.9], from: 3), first: false, done: true, after: held)
        _ = reduce(&state, .historyPage(request: request, runID: "bbb222", .success(tail)))
        XCTAssertEqual(state.chart?.histories["bbb222"]?.values, [0.1, 0.5, 0.7, 0.8, 0.9])
        _ = reduce(&state, .historyPage(request: request, runID: "bbb222", .success(tail)))
        XCTAssertEqual(state.chart?.histories["bbb222"]?.count, 5, "the same tail again is dropped")
        // A running run's refresh asks for what follows the points the chart holds.
        state.table.runs = state.table.runs.map { run in
            var run = run
            if run.info.runID == "bbb222" { run.info.status = .running }
            return run
        }
        state.chart!.running.insert("bbb222")
        let live = ChartPane.liveEffects(&state)
        XCTAssertTrue(live.contains { if case .loadHistory(_, "bbb222", "f1", true, let after) = $0 { return after?.count == 5 } else { return false } }, "\(live)")
    }

    func testChartOfTwoMarkedRunsLoadsPagesShowsProgressThenLegendAndDots() {
        var (state, effects) = chartState()
        XCTAssertEqual(state.pane, .chart)
        let requested = loads(effects)
        XCTAssertEqual(requested.map(\.runID), ["bbb222", "ccc333"])
        XCTAssertEqual(Set(requested.map(\.key)), ["f1"])
        XCTAssertEqual(state.chart?.keys, ["f1", "latency_p95"])
        let request = requested[0].request
        var text = render(state).text
        XCTAssertTrue(text.contains("loading 0/2 runs"), text)

        // First page of one run: a partial curve and progress.
        _ = reduce(&state, .historyPage(request: request, runID: "bbb222",
                                        .success(HistoryPage(metrics: history("f1", [0.1, 0.5, 0.7]), first: true, done: false))))
        text = render(state).text
        XCTAssertTrue(text.contains("loading 0/2 runs · 3 points"), text)
        _ = reduce(&state, .historyPage(request: request, runID: "bbb222",
                                        .success(HistoryPage(metrics: history("f1", [0.8, 0.9], from: 3), first: false, done: true))))
        _ = reduce(&state, .historyPage(request: request, runID: "ccc333",
                                        .success(HistoryPage(metrics: history("f1", [0.2, .nan, 0.4, 0.6]), first: true, done: true))))
        XCTAssertEqual(state.chart?.histories["bbb222"]?.count, 5, "pages append")
        XCTAssertFalse(state.isLoading)
        let buffer = render(state)
        text = buffer.text
        XCTAssertFalse(text.contains("loading"), text)
        XCTAssertTrue(text.contains("Chart · f1 · 2 runs · x step"), text)
        XCTAssertTrue(text.contains("━━ child-0-λ  last 0.9 @4"), text)
        XCTAssertTrue(text.contains("━━ child-1-λ  last 0.6 @3  · 1 NaN"), text)
        XCTAssertTrue(text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots plotted")
        XCTAssertTrue(buffer.lines.last!.contains("m metric"), buffer.lines.last!)
        // A stale page (older request) is dropped.
        _ = reduce(&state, .historyPage(request: request - 1, runID: "bbb222",
                                        .success(HistoryPage(metrics: history("f1", [5]), first: true, done: true))))
        XCTAssertEqual(state.chart?.histories["bbb222"]?.count, 5)
    }

    func testKeysToggleModeLogSmoothingZoomPanAndCursor() {
        var (state, effects) = chartState()
        let request = loads(effects)[0].request
        for id in ["bbb222", "ccc333"] {
            _ = reduce(&state, .historyPage(request: request, runID: id,
                                            .success(HistoryPage(metrics: history("f1", (0..<101).map { Double($0) / 100 + 0.01 }), first: true, done: true))))
        }
        state.press(.char("x"))
        XCTAssertEqual(state.chart?.transform.xMode, .time)
        state.press(.char("x"), .char("x"))
        XCTAssertEqual(state.chart?.transform.xMode, .step)
        state.press(.char("L"))
        XCTAssertTrue(state.chart!.transform.logY)
        XCTAssertTrue(render(state).text.contains("· log"))
        state.press(.char("]"), .char("]"))
        XCTAssertEqual(state.chart?.transform.smoothing, 0.6)
        XCTAssertTrue(render(state).text.contains("smoothing 0.6"))
        state.press(.char("["))
        XCTAssertEqual(state.chart?.transform.smoothing, 0.3)
        state.press(.char("+"))
        XCTAssertEqual(state.chart?.xRange, 25...75)
        state.press(.char(">"))
        XCTAssertEqual(state.chart?.xRange, 37.5...87.5)
        state.press(.char(">"), .char(">"), .char(">"))
        XCTAssertEqual(state.chart?.xRange, 50...100, "panning stops at the end of the data")
        state.press(.char("-"))
        XCTAssertNil(state.chart?.xRange, "zooming out past the data shows everything")
        state.press(.right)
        XCTAssertEqual(state.chart?.cursor, 50, "the cursor appears in the middle")
        state.press(.right)
        XCTAssertGreaterThan(state.chart!.cursor!, 50)
        let readout = render(state).lines.filter { $0.contains("▲ step") }
        XCTAssertEqual(readout.count, 1, render(state).text)
        XCTAssertTrue(readout[0].contains("child-0-λ 0.") && readout[0].contains("child-1-λ 0."), readout[0])
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs)
        XCTAssertNil(state.chart)
        XCTAssertTrue(Keymap.collisions().isEmpty, Keymap.collisions().joined(separator: "\n"))
    }

    func testMetricPickerListsEveryKeyAcrossTheRunsAndReloads() {
        var (state, _) = chartState()
        state.press(.char("m"))
        XCTAssertEqual(state.picker?.purpose, .chartMetric)
        XCTAssertEqual(state.picker?.items.map(\.label), ["f1", "latency_p95"])
        XCTAssertTrue(render(state).text.contains("latency_p95"))
        state.type("lat")
        let effects = state.press(.enter)
        XCTAssertNil(state.picker)
        XCTAssertEqual(state.chart?.key, "latency_p95")
        XCTAssertEqual(loads(effects).map(\.key), ["latency_p95", "latency_p95"])
        XCTAssertEqual(loads(effects).first?.request, state.chartRequest)
    }

    func testRunningRunIsReloadedOnTheRefreshTick() {
        var state = Fixtures.loadedState()
        var runs = Fixtures.runs
        runs[5].data.metrics = [Metric(key: "loss", value: 1, timestamp: Fixtures.start, step: 0)]
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: runs))))
        state.press(.char("G"))
        XCTAssertEqual(state.selectedRun?.info.runID, "fff666")
        let effects = state.press(.char("v"))
        let request = loads(effects)[0].request
        _ = reduce(&state, .historyPage(request: request, runID: "fff666", .success(HistoryPage(metrics: history("loss", [1, 0.9]), first: true, done: true))))
        let tick = reduce(&state, .tick(Fixtures.now + 60))
        let reload = loads(tick)
        XCTAssertEqual(reload.map(\.runID), ["fff666"])
        XCTAssertEqual(reload.first?.refresh, true)
        _ = reduce(&state, .historyPage(request: request, runID: "fff666", .success(HistoryPage(metrics: history("loss", [1, 0.9, 0.8]), first: true, done: true))))
        XCTAssertEqual(state.chart?.histories["fff666"]?.count, 3, "the curve extends")
    }

    func testSparklineColumnLoadsVisibleRowsOnlyAndDrawsCachedCurves() {
        var many: [Run] = []
        for i in 0..<60 { many.append(Fixtures.run(String(format: "r%03d", i), "run-\(i)", metrics: ["loss": Double(i)])) }
        var state = Fixtures.loadedState(width: 120, height: 20, runs: many)
        state.press(.char("S"))
        XCTAssertEqual(state.picker?.purpose, .sparklineMetric)
        XCTAssertEqual(state.picker?.items.map(\.label), ["loss"])
        let effects = state.press(.enter)
        XCTAssertTrue(state.table.columns.contains(.sparkline("loss")))
        let requested = effects.compactMap { if case .loadSparklines(_, let ids, _) = $0 { return ids } else { return nil } }.flatMap { $0 }
        let visible = Layout(state).runRows
        XCTAssertEqual(requested, (0..<visible).map { String(format: "r%03d", $0) }, "only the visible rows")
        // Nothing is requested twice while pending, and the cache answers afterwards.
        XCTAssertTrue(state.press(.down).allSatisfy { if case .loadSparklines = $0 { return false } else { return true } })
        _ = reduce(&state, .sparklineLoaded(key: "loss", runID: "r000", .success(Sparkline.reduced([1, 2, 3, 4, 5, 6, 7, 8]))))
        let row = render(state).lines.first { $0.contains("run-0 ") }!
        XCTAssertTrue(row.contains("0 ▁▂▃▄▅▆▇█"), row)
        XCTAssertTrue(render(state).text.contains("~loss"))
        // Scrolling down requests the newly visible rows.
        let later = state.press(.char("G")).compactMap { if case .loadSparklines(_, let ids, _) = $0 { return ids } else { return nil } }.flatMap { $0 }
        XCTAssertTrue(later.contains("r059"), "\(later)")
        XCTAssertFalse(later.contains("r000"))
    }

    func testSparklineReductionKeepsSpikesAndGaps() {
        var values = [Double](repeating: 0, count: 100_000)
        values[31_337] = 9
        for i in 50_000..<52_000 { values[i] = .nan }
        let reduced = Sparkline.reduced(values)
        XCTAssertLessThanOrEqual(reduced.count, SparklineCache.buckets * 2)
        XCTAssertEqual(reduced.max(), 9)
        XCTAssertTrue(reduced.contains { $0.isNaN })
    }
}
