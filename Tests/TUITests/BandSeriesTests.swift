import XCTest
@testable import TUI

/// The mean line and min–max band of a group of runs (`BandSeries`): members aligned by step,
/// ragged lengths, NaN and ±inf left out and counted, the latest point at a repeated step, and
/// the time axes.
final class BandSeriesTests: XCTestCase {
    /// A history with one point per (step, value), logged a second apart from `start` (ms).
    func history(_ points: [(Int64, Double)], start: Int64 = 1_700_000_000_000) -> ChartSeries {
        ChartSeries(label: "run", steps: points.map(\.0), timestamps: points.map { start + $0.0 * 1000 }, values: points.map(\.1))
    }

    func same(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
        for (x, y) in zip(a, b) where !(x.isNaN && y.isNaN) { XCTAssertEqual(x, y, accuracy: 1e-12, "\(a) vs \(b)", file: file, line: line) }
    }

    func testRaggedMembersNarrowTheBandToTheRunsStillGoing() {
        let band = BandSeries(label: "g", members: [
            history([(0, 1), (1, 2), (2, 3), (3, 4)]),
            history([(0, 3), (1, 4)]),
            history([(0, 2), (1, .nan), (2, 5)]),
        ], transform: PlotTransform())
        XCTAssertEqual(band.members, 3)
        XCTAssertEqual(band.steps, [0, 1, 2, 3])
        same(band.mean, [2, 3, 4, 4])
        same(band.lo, [1, 2, 3, 4])
        same(band.hi, [3, 4, 5, 4])
        XCTAssertEqual(band.counts, [3, 2, 2, 1], "the NaN at step 1 and the runs that ended do not count")
        XCTAssertEqual(band.nanPoints, 1)
        XCTAssertEqual(band.infPoints, 0)
        // What is drawn is the same numbers on a linear axis, at x = step.
        XCTAssertEqual(band.line.xs, [0, 1, 2, 3])
        same(band.line.ys, band.mean)
        same(band.lower.ys, band.lo)
        same(band.upper.ys, band.hi)
        XCTAssertEqual(band.range?.0, 1)
        XCTAssertEqual(band.range?.1, 5)
    }

    func testInfinitiesAreLeftOutAndAStepWithoutFiniteValuesBreaksTheLine() {
        let band = BandSeries(label: "g", members: [
            history([(0, 1), (1, .infinity), (2, .nan), (3, 2)]),
            history([(0, 3), (1, 5), (2, -.infinity), (3, 4)]),
        ], transform: PlotTransform())
        same(band.mean, [2, 5, .nan, 3])
        same(band.lo, [1, 5, .nan, 2])
        same(band.hi, [3, 5, .nan, 4])
        XCTAssertEqual(band.counts, [2, 1, 0, 2])
        XCTAssertEqual(band.nanPoints, 1)
        XCTAssertEqual(band.infPoints, 2)
        XCTAssertEqual(band.line.stats.nanCount, 1, "the drawn mean has one undrawable point, a break")
        let bins = band.line.bins(range: 0...3, columns: 4)
        XCTAssertEqual(bins.filled, [true, true, false, true])
        XCTAssertTrue(bins.breakBefore[3])
    }

    func testARepeatedStepCountsWithItsLatestPoint() {
        // Step 1 logged twice: the later timestamp wins; at equal timestamps the greater value
        // (MLflow's latest-metric rule).
        let a = ChartSeries(label: "a", steps: [0, 1, 1], timestamps: [10, 30, 20], values: [1, 7, 100])
        let b = ChartSeries(label: "b", steps: [0, 1, 1], timestamps: [10, 20, 20], values: [3, 2, 9])
        let band = BandSeries(label: "g", members: [a, b], transform: PlotTransform())
        XCTAssertEqual(band.steps, [0, 1])
        same(band.mean, [2, 8])
        same(band.lo, [1, 7])
        same(band.hi, [3, 9])
    }

    func testTimeAxesPlaceAStepAtItsMembersMeanTime() {
        let a = history([(0, 1), (1, 2)], start: 1_000_000)
        let b = history([(0, 3), (1, 4)], start: 3_000_000)
        let wall = BandSeries(label: "g", members: [a, b], transform: PlotTransform(xMode: .time))
        XCTAssertEqual(wall.line.xs, [2000, 2001])
        same(wall.mean, [2, 3])
        let relative = BandSeries(label: "g", members: [a, b], transform: PlotTransform(xMode: .relative))
        XCTAssertEqual(relative.line.xs, [0, 1], "each run's own start is its zero")
        XCTAssertEqual(relative.steps, [0, 1])
    }

    func testLogAxisAndSmoothingApplyToTheAggregates() {
        let members = [history([(0, 10), (1, 100), (2, 1000)]), history([(0, -10), (1, 100), (2, 1000)])]
        let log = BandSeries(label: "g", members: members, transform: PlotTransform(logY: true))
        same(log.mean, [0, 100, 1000])  // the mean of the raw values, then the log
        same(log.line.ys, [.nan, 2, 3])
        same(log.lower.ys, [.nan, 2, 3])  // a band edge ≤ 0 is not on a log axis
        same(log.upper.ys, [1, 2, 3])
        let smooth = BandSeries(label: "g", members: members, transform: PlotTransform(smoothing: 0.5))
        same(smooth.line.smoothed, emaSmoothed([0, 100, 1000], weight: 0.5))
        same(smooth.line.raw, [0, 100, 1000])
    }

    func testNoMembersIsAnEmptyBand() {
        let band = BandSeries(label: "g", members: [], transform: PlotTransform())
        XCTAssertEqual(band.count, 0)
        XCTAssertNil(band.range)
        XCTAssertNil(band.nearest(to: 0))
    }
}
