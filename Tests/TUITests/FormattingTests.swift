import Terminal
import Tracking
import XCTest
@testable import TUI

/// The shared formatters: dates carry their year once it is not this year's, durations have
/// one spelling for the UI and the CLI, numbers one precision wherever a person reads them.
final class FormattingTests: XCTestCase {
    /// 2026-01-01 00:00:00 UTC, in seconds.
    let newYear2026: Int64 = 1_767_225_600

    func testShortDateShowsTheYearOnlyOutsideTheCurrentYear() {
        let now = Double(newYear2026 + 30 * 60)                  // 2026-01-01 00:30 UTC
        let lastMinuteOf2025 = (newYear2026 - 60) * 1000           // 2025-12-31 23:59 UTC
        XCTAssertEqual(formatShortDate(lastMinuteOf2025, now: now, utcOffset: 0), "2025-12-31")
        // One hour east of UTC both instants fall in 2026: month, day and time, no year.
        XCTAssertEqual(formatShortDate(lastMinuteOf2025, now: now, utcOffset: 3600), "01-01 00:59")
        let march2026 = (newYear2026 + (31 + 28 + 3) * 86400 + 5 * 3600 + 6 * 60) * 1000
        XCTAssertEqual(formatShortDate(march2026, now: Double(newYear2026 + 300 * 86400), utcOffset: 0), "03-04 05:06")
    }

    func testChartDateLabelsNameTheYearOutsideTheCurrentOne() {
        let now2026 = Double(newYear2026 + 86400 * 40)
        let lastDay2025 = Double(newYear2026 - 86400)   // 2025-12-31 00:00 UTC
        XCTAssertEqual(wallClockLabel(lastDay2025, step: 86400, utcOffset: 0, now: now2026), "2025-12-31")
        XCTAssertEqual(wallClockLabel(lastDay2025, step: 86400, utcOffset: 0, now: lastDay2025), "12-31")
        XCTAssertEqual(wallClockLabel(lastDay2025 + 6 * 3600, step: 6 * 3600, utcOffset: 0, now: now2026), "2025-12-31 06:00")
        XCTAssertEqual(wallClockLabel(lastDay2025 + 90, step: 60, utcOffset: 0, now: now2026), "00:01", "times of day need no date")
        // A week of 2025 on the time axis, drawn in 2026.
        let days = (0..<8).map { Int64(lastDay2025 * 1000) - Int64($0) * 86_400_000 }.reversed()
        let series = ChartSeries(label: "r", steps: (0..<8).map(Int64.init), timestamps: Array(days), values: (0..<8).map(Double.init))
        let transform = PlotTransform(xMode: .time)
        var buffer = Buffer(size: Size(width: 80, height: 12))
        renderLineChart(&buffer, Rect(x: 0, y: 0, width: 80, height: 12), [series.prepared(transform)],
                        LineChartOptions(transform: transform, now: now2026), ChartStyles(series: [Style(fg: .ansi(1))]))
        XCTAssertTrue(buffer.text.contains("2025-12-2"), buffer.text)
    }

    func testRunsTableStartedCellOfAnOldRunNamesItsYear() {
        let start = (newYear2026 - 365 * 86400 + 2 * 3600 + 20 * 60) * 1000   // 2025-01-01 02:20 UTC
        let now = Double(newYear2026 + 86400)                                  // 2026-01-02
        XCTAssertEqual(formatStarted(start, now: now, utcOffset: 0), "    1y 2025-01-01")
        XCTAssertEqual(formatStarted(start, now: Double(start / 1000 + 3 * 3600), utcOffset: 0), "    3h 01-01 02:20")
        var run = Run(info: RunInfo(runID: "r", experimentID: "0", runName: "old", status: .finished, startTime: start))
        XCTAssertEqual(cellText(run, .started, now: now, utcOffset: 0), "    1y 2025-01-01")
        run.info.startTime = nil
        XCTAssertEqual(cellText(run, .started, now: now, utcOffset: 0), "-")
        XCTAssertEqual(formatAbsolute(start, utcOffset: 0), "2025-01-01 02:20:00")
    }

    func testDurationsHaveOneSpelling() {
        XCTAssertEqual(formatDuration(milliseconds: 0), "0ms")
        XCTAssertEqual(formatDuration(milliseconds: 999), "999ms")
        XCTAssertEqual(formatDuration(milliseconds: 1000), "1.0s")
        XCTAssertEqual(formatDuration(milliseconds: 59_900), "59.9s")
        XCTAssertEqual(formatDuration(milliseconds: 59_999), "59.9s", "cut, never rounded up to 60.0s")
        XCTAssertEqual(formatDuration(milliseconds: 60_000), "1m00s")
        XCTAssertEqual(formatDuration(milliseconds: 3_599_000), "59m59s")
        XCTAssertEqual(formatDuration(milliseconds: 3_600_000), "1h00m")
        XCTAssertEqual(formatDuration(milliseconds: 86_399_000), "23h59m")
        XCTAssertEqual(formatDuration(milliseconds: 2 * 86_400_000 + 3 * 3_600_000), "2d03h")
        XCTAssertEqual(formatDuration(milliseconds: -5), "0ms", "a clock that went backwards is no time")
    }

    func testRunDurationIsTheRunsWallTimeAndRunningRunsAreMarked() {
        var run = Run(info: RunInfo(runID: "r", experimentID: "0", runName: "n", status: .finished,
                                    startTime: 1_000_000, endTime: 1_060_000))
        XCTAssertEqual(formatDuration(run, now: 0), "1m00s")
        XCTAssertEqual(cellText(run, .duration, now: 0, utcOffset: 0), "1m00s")
        run.info.endTime = nil
        run.info.status = .running
        XCTAssertEqual(formatDuration(run, now: 1_000 + 3_600), "1h00m…")
        run.info.startTime = nil
        XCTAssertEqual(formatDuration(run, now: 0), "-")
    }

    func testNumbersShownToPeopleHaveSixSignificantDigits() {
        XCTAssertEqual(formatNumber(0.123456789), "0.123457")
        XCTAssertEqual(formatNumber(3), "3")
        XCTAssertEqual(formatNumber(-0.5), "-0.5")
        XCTAssertEqual(formatNumber(1234567.891), "1.23457e+06")
        XCTAssertEqual(formatNumber(1e-7), "1e-07")
        XCTAssertEqual(formatNumber(.nan), "NaN")
        XCTAssertEqual(formatNumber(-.infinity), "-inf")
        XCTAssertEqual(formatNumber(.greatestFiniteMagnitude), "inf", "MLflow's SQL stores keep inf as the largest double")
    }

    /// The legend and the cursor readout spell a value as the runs table does.
    func testChartLegendAndReadoutUseTheTablesNumbers() {
        let series = ChartSeries(label: "run-a", steps: [0, 1, 2], timestamps: [0, 1000, 2000], values: [0.987654321, 0.123456789, 0.5555556])
        var buffer = Buffer(size: Size(width: 80, height: 14))
        let options = LineChartOptions(cursor: 1)
        renderLineChart(&buffer, Rect(x: 0, y: 0, width: 80, height: 14), [series.prepared(PlotTransform())], options,
                        ChartStyles(series: [Style(fg: .ansi(1))]))
        XCTAssertTrue(buffer.text.contains("last 0.555556 @2"), buffer.text)
        XCTAssertTrue(buffer.text.contains("min 0.123457  max 0.987654"), buffer.text)
        XCTAssertTrue(buffer.lines.last!.contains("run-a 0.123457 @1"), buffer.text)
    }

    func testRelativeAxisReadoutIsADuration() {
        let series = ChartSeries(label: "r", steps: [0, 1, 2], timestamps: [0, 60_000, 120_000], values: [1, 2, 3])
        let transform = PlotTransform(xMode: .relative)
        var buffer = Buffer(size: Size(width: 80, height: 14))
        renderLineChart(&buffer, Rect(x: 0, y: 0, width: 80, height: 14), [series.prepared(transform)],
                        LineChartOptions(transform: transform, cursor: 60), ChartStyles(series: [Style(fg: .ansi(1))]))
        XCTAssertTrue(buffer.lines.last!.hasPrefix("▲ +1m00s "), buffer.text)
    }
}
