import XCTest
import Terminal
import Tracking
@testable import TUI

/// The sparkline column on one scale across the runs (the default) or one per run (`~`).
final class SparklineScaleTests: XCTestCase {
    func testGlyphsOnASharedRange() {
        XCTAssertEqual(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8], width: 8, scale: 1...8), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(Sparkline.render([1, 2, 3, 4], width: 8, scale: 1...8), "▁▂▃▄", "the low half of the range")
        XCTAssertEqual(Sparkline.render([5, 6, 7, 8], width: 8, scale: 1...8), "▅▆▇█", "the high half")
        XCTAssertEqual(Sparkline.render([8, 8, 8], width: 8, scale: 1...8), "███", "a constant series at its level, not mid-height")
        XCTAssertEqual(Sparkline.render([0, .nan, 8], width: 3, scale: 0...8), "▁ █", "gaps stay gaps")
        XCTAssertEqual(Sparkline.render([3, 3], width: 8, scale: 3...3), "▄▄", "an empty range draws mid-height")
        XCTAssertEqual(Sparkline.render([.nan], width: 8, scale: 0...1), " ")
        XCTAssertEqual(Sparkline.render([1, 2, 3, 4], width: 8), "▁▃▆█", "no scale: the series' own min and max")
    }

    /// Two runs with the same shape on ranges far apart.
    func state() -> AppState {
        var state = Fixtures.loadedState(width: 140, height: 24)
        state.press(.char("S"))
        state.type("latency")
        state.press(.enter)
        XCTAssertEqual(state.table.columns.last, .sparkline("latency_p95"))
        _ = reduce(&state, .sparklineLoaded(key: "latency_p95", runID: "bbb222", .success([100, 101, 102, 103])))
        _ = reduce(&state, .sparklineLoaded(key: "latency_p95", runID: "ccc333", .success([900, 901, 902, 903])))
        return state
    }

    func curve(_ buffer: Buffer, _ run: String) -> String {
        String((buffer.lines.first { $0.contains(run) } ?? "").filter { "▁▂▃▄▅▆▇█".contains($0) })
    }

    func testSharedScaleDrawsRunsAtTheirHeightsAndTildeTogglesPerRun() {
        var state = state()
        XCTAssertEqual(state.sparklines.ranges["latency_p95"], 100...903)
        var buffer = render(state)
        XCTAssertTrue(buffer.text.contains("~latency_p95 (shared)"), buffer.text)
        XCTAssertEqual(curve(buffer, "child-0-λ"), "▁▁▁▁")
        XCTAssertEqual(curve(buffer, "child-1-λ"), "████")
        state.press(.char("~"))
        XCTAssertEqual(state.message, "sparklines: each run on its own scale")
        buffer = render(state)
        XCTAssertTrue(buffer.text.contains("~latency_p95 (per run)"), buffer.text)
        XCTAssertEqual(curve(buffer, "child-0-λ"), "▁▃▆█")
        XCTAssertEqual(curve(buffer, "child-1-λ"), "▁▃▆█")
        state.press(.char("~"))
        XCTAssertEqual(curve(render(state), "child-1-λ"), "████")
    }

    func testTheSharedRangeCoversTheTableRunsOnly() {
        var state = state()
        // A run of another experiment cached under the same key does not stretch the scale.
        _ = reduce(&state, .sparklineLoaded(key: "latency_p95", runID: "elsewhere", .success([-5000, 5000])))
        XCTAssertEqual(state.sparklines.ranges["latency_p95"], 100...903)
        // When the table loses a run, the scale follows.
        let remaining = Fixtures.runs.filter { $0.info.runID != "ccc333" }
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: remaining))))
        XCTAssertEqual(state.sparklines.ranges["latency_p95"], 100...103)
    }
}
