import Analysis
import Terminal
import Tracking
import XCTest
@testable import TUI

/// Runs for the scatter and parallel-coordinates panes: a categorical param (model, missing on
/// two runs), a numeric one (lr, missing on one), one that varies on some runs only (optimizer),
/// a constant one (seed), metrics with NaN and +inf.
enum PlotFixtures {
    static let runs: [Run] = [
        Fixtures.run("r1", "cnn-fast", params: ["model": "cnn", "lr": "0.1", "optimizer": "adam", "seed": "1"], metrics: ["f1": 0.80, "loss": 0.50]),
        Fixtures.run("r2", "cnn-slow", params: ["model": "cnn", "lr": "0.01", "optimizer": "sgd", "seed": "1"], metrics: ["f1": 0.85, "loss": 0.40], offset: 1000),
        Fixtures.run("r3", "mlp-fast", params: ["model": "mlp", "lr": "0.1", "seed": "1"], metrics: ["f1": 0.70, "loss": 0.60], offset: 2000),
        Fixtures.run("r4", "mlp-tiny", params: ["model": "mlp", "lr": "0.001", "optimizer": "adam", "seed": "1"], metrics: ["f1": 0.75, "loss": 0.55], offset: 3000),
        Fixtures.run("r5", "xgb-slow", params: ["model": "xgb", "lr": "0.01", "optimizer": "sgd", "seed": "1"], metrics: ["f1": 0.78, "loss": 0.45], offset: 4000),
        Fixtures.run("r6", "xgb-default", params: ["model": "xgb", "seed": "1"], metrics: ["f1": 0.90, "loss": 0.30], offset: 5000),
        Fixtures.run("r7", "baseline-nan", params: ["lr": "0.001", "seed": "1"], metrics: ["f1": .nan, "loss": 0.65], offset: 6000),
        Fixtures.run("r8", "baseline-inf", params: ["lr": "0.1", "seed": "1"], metrics: ["f1": 0.60, "loss": .infinity], offset: 7000),
    ]

    static func state(width: Int = 80, height: Int = 24) -> AppState {
        Fixtures.loadedState(width: width, height: height, runs: runs)
    }
}

final class PlotPanesTests: XCTestCase {
    func testCategoricalAxisSpreadsValuesInPythonOrderAndNumericAxisSnapsToNiceTicks() {
        let names = PlotAxis.fitting([.category("mlp"), .category("Zeta"), .category("cnn"), .category("mlp")], target: 3, snapped: false)
        XCTAssertEqual(names.ticks.map(\.label), ["Zeta", "cnn", "mlp"], "code point order: upper case first")
        XCTAssertEqual(names.fraction(of: .category("cnn")), 0.5)
        XCTAssertEqual(names.fraction(of: .category("Zeta")), 1.0 / 6)
        XCTAssertNil(names.fraction(of: .number(1)))

        let numbers = PlotAxis.fitting([.number(0.12), .number(0.87), .number(.infinity)], target: 4, snapped: true)
        XCTAssertEqual(numbers.kind, .numeric(lower: 0, upper: 1), "the infinity left out, bounds on nice ticks")
        XCTAssertEqual(numbers.ticks.map(\.label), ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertNil(numbers.fraction(of: .number(.nan)))
        XCTAssertNil(numbers.fraction(of: .number(Double.greatestFiniteMagnitude)), "SQL stores' stand-in for +inf")
        let exact = PlotAxis.numeric([3, 1, 2], target: 1, snapped: false)
        XCTAssertEqual(exact.ticks.map(\.label), ["1", "3"])
        XCTAssertEqual(exact.fraction(of: .number(2)), 0.5)
    }

    func testNumberLabelsKeepTheirMagnitudeWhenCut() {
        XCTAssertEqual(fitNumberLabel("1.272e-05", width: 7), "1.27e-5", "mantissa digits go, the exponent stays")
        XCTAssertEqual(fitNumberLabel("1.272e-05", width: 4), "1e-5")
        XCTAssertEqual(fitNumberLabel("0.12345", width: 4), "0.12")
        XCTAssertEqual(fitNumberLabel("123456", width: 5), "1.2e5", "whole digits are never cut off")
        XCTAssertEqual(fitNumberLabel("0.00012", width: 4), "1e-4", "a value that would round to 0")
        XCTAssertEqual(fitNumberLabel("0.5", width: 8), "0.5", "a label that fits is kept")
        XCTAssertEqual(fitNumberLabel("adam-long", width: 4), "adam-long", "categories are cut elsewhere")
    }

    func testParamsReadAsNumbersOnlyWhenEveryValueIsOne() {
        let source = PlottedRuns(runs: PlotFixtures.runs)
        XCTAssertEqual(source.values(.param("lr"))[0], .number(0.1))
        XCTAssertNil(source.values(.param("lr"))[5])
        XCTAssertEqual(source.values(.param("model"))[0], .category("cnn"))
        let keys = Dictionary(uniqueKeysWithValues: source.keys(bestOf: []).map { ($0.key, $0) })
        XCTAssertEqual(keys[.param("lr")]?.distinct, 3)
        XCTAssertEqual(keys[.param("lr")]?.runs, 7)
        XCTAssertEqual(keys[.param("seed")]?.distinct, 1)
        XCTAssertEqual(keys[.metric("f1")]?.distinct, 7, "NaN is not a distinct value")
        XCTAssertEqual(keys[.metric("f1")]?.label, "metrics.f1 · 7 values")
    }

    func testAutomaticAxesTakeVaryingParamsThenMetricsWithinTheCap() {
        let keys = [PlotKey(key: .param("a"), runs: 3, distinct: 2), PlotKey(key: .param("b"), runs: 3, distinct: 1),
                    PlotKey(key: .param("c"), runs: 3, distinct: 3), PlotKey(key: .param("d"), runs: 3, distinct: 2),
                    PlotKey(key: .metric("m1"), runs: 3, distinct: 3), PlotKey(key: .metric("m2"), runs: 3, distinct: 0),
                    PlotKey(key: .metric("m3"), runs: 3, distinct: 2)]
        XCTAssertEqual(ParallelState.automaticAxes(keys, cap: 9), [.param("a"), .param("c"), .param("d"), .metric("m1"), .metric("m3")])
        XCTAssertEqual(ParallelState.automaticAxes(keys, cap: 4), [.param("a"), .param("c"), .metric("m1"), .metric("m3")],
                       "params cut first, metrics keep half the axes")
        XCTAssertEqual(ParallelState.axisCap(width: 80), 9)
    }

    func testScatterOpensOnAVaryingParamAndMovesInXThenYOrder() {
        var state = PlotFixtures.state()
        state.table.columns.append(.metric("f1"))
        state.press(.char("V"))
        XCTAssertEqual(state.pane, .scatter)
        guard let scatter = state.scatter else { return XCTFail("no scatter") }
        XCTAssertEqual(scatter.x, .param("lr"), "the first param that varies")
        XCTAssertEqual(scatter.y, .metric("f1"), "the table's metric column")
        XCTAssertEqual(scatter.source.scope, "8 shown runs")
        XCTAssertEqual(scatter.points.map(\.name), ["mlp-tiny", "xgb-slow", "cnn-slow", "baseline-inf", "mlp-fast", "cnn-fast"])
        XCTAssertEqual(scatter.left, ["1 run lacks params.lr", "1 run has NaN or ±inf metrics.f1"])
        XCTAssertEqual(scatter.cursor, "r4")
        state.press(.char("l"), .char("l"))
        XCTAssertEqual(state.scatter?.cursor, "r2")
        state.press(.char("h"))
        XCTAssertEqual(state.scatter?.cursor, "r5")
        // k: the next point up in y (f1 0.78, 0.80, 0.85: the highest), j back down.
        state.press(.char("k"))
        XCTAssertEqual(state.scatter?.cursor, "r1")
        state.press(.char("k"), .char("k"))
        XCTAssertEqual(state.scatter?.cursor, "r2", "nothing above")
        state.press(.char("j"))
        XCTAssertEqual(state.scatter?.cursor, "r1")
        state.press(.char("G"))  // not bound in the scatter: nothing moves
        XCTAssertEqual(state.scatter?.cursor, "r1")

        // Enter opens the run's details; Esc comes back to the scatter, Esc again to the runs.
        let effects = state.press(.enter)
        XCTAssertEqual(state.pane, .details)
        XCTAssertTrue(effects.contains { if case .loadDetails(_, "r1") = $0 { return true } else { return false } }, "\(effects)")
        state.press(.escape)
        XCTAssertEqual(state.pane, .scatter)
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs)
        state.press(.enter)
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs, "details opened from the table go back to it")
    }

    func testScatterLogXAxisPlacesDecadesEvenly() {
        var state = PlotFixtures.state()
        state.press(.char("V"), .char("L"))
        guard let scatter = state.scatter else { return XCTFail("no scatter") }
        XCTAssertTrue(scatter.xAxis.isLog)
        XCTAssertEqual(scatter.xAxis.ticks.map(\.label), ["0.001", "0.01", "0.1"])
        XCTAssertEqual(scatter.points.map(\.dot.fx), [0, 0.5, 0.5, 1, 1, 1])
        XCTAssertEqual(state.message, "log x axis")
        state.press(.char("x"))
        state.type("params.model")
        state.press(.enter)
        XCTAssertFalse(state.scatter!.xAxis.isLog, "categories have no log scale")
        XCTAssertEqual(PlotAxis.logarithmic([-1, 0, 10, 1000], target: 3).fraction(of: .number(100)), 0.5)
        XCTAssertNil(PlotAxis.logarithmic([10, 1000], target: 3).fraction(of: .number(0)))
    }

    func testScatterAxisPickersAndMarks() {
        var state = PlotFixtures.state()
        state.press(.char(" "), .char(" "), .char(" "))
        XCTAssertEqual(state.table.marks.count, 3)
        state.press(.char("V"))
        XCTAssertEqual(state.scatter?.source.scope, "3 marked runs")
        state.press(.char("y"))
        XCTAssertEqual(state.picker?.purpose, .scatterY)
        XCTAssertEqual(state.picker?.items.map(\.label), ["metrics.f1 · 3 values", "metrics.loss · 3 values"], "metrics only")
        state.type("loss")
        state.press(.enter)
        XCTAssertNil(state.picker)
        XCTAssertEqual(state.scatter?.y, .metric("loss"))
        state.press(.char("x"))
        XCTAssertEqual(state.picker?.items.first?.label, "params.lr · 2 values")
        state.type("model")
        state.press(.enter)
        XCTAssertEqual(state.scatter?.x, .param("model"))
        XCTAssertTrue(state.scatter!.xAxis.isCategorical)
        XCTAssertEqual(state.scatter?.points.map(\.name), ["cnn-slow", "cnn-fast", "mlp-fast"], "by category, then loss")
    }

    func testScatterPreparesAgainWhenTheRunsChange() {
        var state = PlotFixtures.state()
        state.press(.char("V"))
        XCTAssertEqual(state.scatter?.points.count, 6)
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: Array(PlotFixtures.runs.prefix(3))))))
        XCTAssertEqual(state.scatter?.points.count, 3)
        XCTAssertEqual(state.scatter?.left, [])
    }

    func testParallelAxesCursorAndEditing() {
        var state = PlotFixtures.state()
        state.press(.char("P"))
        XCTAssertEqual(state.pane, .parallel)
        guard let view = state.parallel else { return XCTFail("no parallel coordinates") }
        XCTAssertEqual(view.axes, [.param("lr"), .param("model"), .param("optimizer"), .metric("f1"), .metric("loss")],
                       "seed is constant: no axis")
        XCTAssertEqual(view.color, .metric("loss"), "the last metric axis")
        XCTAssertEqual(view.gaps, ["lr 1", "model 2", "optimizer 4", "f1 1 NaN/inf", "loss 1 NaN/inf"])
        XCTAssertEqual(view.cursor, "r1")
        state.press(.char("j"), .char("j"))
        XCTAssertEqual(state.parallel?.cursor, "r3")
        state.press(.char("G"))
        XCTAssertEqual(state.parallel?.cursor, "r8")
        state.press(.char("k"))
        XCTAssertEqual(state.parallel?.cursor, "r7")

        // Axes: select, move right, remove; the picker adds one back.
        state.press(.char("l"), .char(">"))
        XCTAssertEqual(state.parallel?.axes.prefix(3), [.param("lr"), .param("optimizer"), .param("model")])
        XCTAssertEqual(state.parallel?.selectedAxis, 2)
        state.press(.char("x"))
        XCTAssertEqual(state.parallel?.axes, [.param("lr"), .param("optimizer"), .metric("f1"), .metric("loss")])
        state.press(.char("o"))
        XCTAssertEqual(state.picker?.purpose, .parallelAxes)
        XCTAssertEqual(state.picker?.items.filter(\.checked).count, 4)
        state.type("model")
        state.press(.enter)
        XCTAssertNotNil(state.picker, "stays open for the next axis")
        XCTAssertEqual(state.parallel?.axes.last, .param("model"))
        state.press(.escape)
        state.press(.char("m"))
        state.type("f1")
        state.press(.enter)
        XCTAssertEqual(state.parallel?.color, .metric("f1"))
        XCTAssertEqual(state.parallel?.colorRange, 0.6...0.9)

        let effects = state.press(.enter)
        XCTAssertTrue(effects.contains { if case .loadDetails(_, "r7") = $0 { return true } else { return false } }, "\(effects)")
        state.press(.escape)
        XCTAssertEqual(state.pane, .parallel)
    }

    func testPlotsNeedRunsWithValues() {
        var state = Fixtures.loadedState(runs: [Fixtures.run("a", "only", params: ["p": "1"])])
        state.press(.char("V"))
        XCTAssertEqual(state.pane, .runs)
        XCTAssertEqual(state.message, "the runs have no metrics to plot")
        state.press(.char("P"))
        XCTAssertEqual(state.pane, .runs)
        XCTAssertEqual(state.message, "fewer than two params or metrics vary across the 1 shown run")
    }

    func testMonoThemeRampAndHighlightNeedNoColour() {
        var mono = Theme.defaultTheme
        mono.styles = mono.styles.mapValues { Style(attributes: $0.attributes) }
        XCTAssertEqual(mono.colorRamp.map(\.attributes), [.dim, [], .bold])
        XCTAssertEqual(Theme.defaultTheme.colorRamp.count, 6)
    }
}
