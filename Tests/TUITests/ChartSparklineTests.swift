import XCTest
@testable import TUI

final class ChartSparklineTests: XCTestCase {
    func testKnownSeriesGiveKnownGlyphs() {
        XCTAssertEqual(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8], width: 8), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(Sparkline.render([8, 7, 6, 5, 4, 3, 2, 1], width: 20), "█▇▆▅▄▃▂▁", "one glyph per point when they fit")
    }

    func testOneAndTwoPointsAndConstant() {
        XCTAssertEqual(Sparkline.render([3.5], width: 10), "▄")
        XCTAssertEqual(Sparkline.render([0, 1], width: 10), "▁█")
        XCTAssertEqual(Sparkline.render([5, 5, 5], width: 10), "▄▄▄")
        XCTAssertEqual(Sparkline.render([], width: 10), "")
        XCTAssertEqual(Sparkline.render([1, 2], width: 0), "")
    }

    func testNegativeValues() {
        // -1 is the top, -3 the bottom, -2 halfway (level 3.5 rounds up to ▅).
        XCTAssertEqual(Sparkline.render([-1, -3, -2], width: 3), "█▁▅")
    }

    func testNaNAndInfinityAreGaps() {
        XCTAssertEqual(Sparkline.render([1, .nan, 3], width: 3), "▁ █")
        XCTAssertEqual(Sparkline.render([1, .infinity, -.infinity, 2], width: 4), "▁  █")
        XCTAssertEqual(Sparkline.render([.nan, .nan], width: 4), "  ")
    }

    func testDownsamplingKeepsASingleSpikeAmongAMillionPoints() {
        var values = [Double](repeating: 0, count: 1_000_000)
        values[654_321] = 100
        let line = Sparkline.render(values, width: 40)
        XCTAssertEqual(line.count, 40)
        XCTAssertEqual(line.filter { $0 == "█" }.count, 1, line)
        XCTAssertEqual(line.filter { $0 == "▁" }.count, 39, line)
        // A downward spike survives too.
        values[654_321] = -100
        let down = Sparkline.render(values, width: 40)
        XCTAssertEqual(down.filter { $0 == "▁" }.count, 1, down)
        XCTAssertEqual(down.filter { $0 == "█" }.count, 39, down)
    }
}
