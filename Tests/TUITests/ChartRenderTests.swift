import XCTest
import Terminal
@testable import TUI

/// Render tests of the line chart and its parts, on the cell buffer.
final class ChartRenderTests: XCTestCase {
    let styles = ChartStyles(series: [Style(fg: .ansi(1)), Style(fg: .ansi(2))])

    func chart(_ series: [ChartSeries], width: Int = 60, height: Int = 16, transform: PlotTransform = PlotTransform(),
               xRange: ClosedRange<Double>? = nil, cursor: Double? = nil, glyphs: ChartGlyphs = .braille) -> (Buffer, ChartGeometry?) {
        var buffer = Buffer(size: Size(width: width, height: height))
        let prepared = series.map { $0.prepared(transform) }
        let options = LineChartOptions(transform: transform, xRange: xRange, cursor: cursor, glyphs: glyphs)
        let geometry = renderLineChart(&buffer, Rect(x: 0, y: 0, width: width, height: height), prepared, options, styles)
        return (buffer, geometry)
    }

    /// The plot area's cells as text rows.
    func plotRows(_ buffer: Buffer, _ g: ChartGeometry) -> [[String]] {
        (0..<g.plot.height).map { r in (0..<g.plot.width).map { buffer[g.plot.x + $0, g.plot.y + r].text } }
    }

    func isBraille(_ s: String) -> Bool { s.unicodeScalars.first.map { (0x2801...0x28FF).contains($0.value) } ?? false }

    func dotCells(_ buffer: Buffer, _ g: ChartGeometry) -> [(x: Int, y: Int)] {
        var out: [(Int, Int)] = []
        for (r, row) in plotRows(buffer, g).enumerated() { for (c, t) in row.enumerated() where isBraille(t) || "▀▄█".contains(t) { out.append((c, r)) } }
        return out
    }

    func testBrailleDotsMapToUnicodeBits() {
        var canvas = DotCanvas(width: 2, height: 1, glyphs: .braille)
        canvas.set(0, 0, series: 0)          // dot 1
        canvas.set(1, 3, series: 0)          // dot 8
        for y in 0..<4 { canvas.set(2, y, series: 1); canvas.set(3, y, series: 1) }
        XCTAssertEqual(canvas.character(cellX: 0, cellY: 0), "⢁")
        XCTAssertEqual(canvas.character(cellX: 1, cellY: 0), "⣿")
        var blocks = DotCanvas(width: 3, height: 1, glyphs: .blocks)
        blocks.set(0, 0, series: 0); blocks.set(1, 1, series: 0); blocks.set(2, 0, series: 0); blocks.set(2, 1, series: 0)
        XCTAssertEqual((0..<3).map { blocks.character(cellX: $0, cellY: 0) }, ["▀", "▄", "█"])
        var buffer = Buffer(size: Size(width: 4, height: 1))
        canvas.draw(into: &buffer, x: 1, y: 0, styles: styles.series)
        XCTAssertEqual(buffer.lines[0], " ⢁⣿ ")
        XCTAssertEqual(buffer[2, 0].style, styles.series[1], "a cell takes the colour of the series that drew last")
    }

    func testRisingLineGoesFromBottomLeftToTopRight() {
        let (buffer, g) = chart([ChartSeries(label: "loss", values: [0, 1])], width: 40, height: 12)
        let g1 = try! XCTUnwrap(g)
        let rows = plotRows(buffer, g1)
        XCTAssertTrue(isBraille(rows[rows.count - 1][0]), "first point bottom-left\n\(buffer.text)")
        XCTAssertTrue(isBraille(rows[0][g1.plot.width - 1]), "last point top-right\n\(buffer.text)")
        // A diagonal: every plot row and every column holds dots.
        let cells = dotCells(buffer, g1)
        XCTAssertEqual(Set(cells.map(\.y)).count, g1.plot.height)
        XCTAssertEqual(Set(cells.map(\.x)).count, g1.plot.width)
        // Bottom-left dot is Braille dot 7 (lowest left); top-right is dot 5 or 4 (top right column).
        XCTAssertEqual(rows[rows.count - 1][0].unicodeScalars.first!.value & 0x40, 0x40)
        XCTAssertEqual(rows[0][g1.plot.width - 1].unicodeScalars.first!.value & 0x08, 0x08)
    }

    func testKnownSmallChart() {
        // Three steps 0, 1, 2 with values 0, 1, 0 in a 24x7 chart: a tent.
        let (buffer, _) = chart([ChartSeries(label: "tent", values: [0, 1, 0])], width: 24, height: 7)
        XCTAssertEqual(buffer.text, """
        ━━ tent  last 0 @2  min
           1┤       ⡠⠔⠑⢄
            │    ⢀⡠⠊    ⠉⠢⡀
            │  ⢀⠔⠁        ⠈⠢⣀
           0┤⡠⠊⠁             ⠑⢄
            └┴────────────────┴
        step 0                2
        """)
    }

    func testOnePointIsOneDotInTheMiddle() {
        let (buffer, g) = chart([ChartSeries(label: "single", values: [0.5])], width: 40, height: 10)
        let g1 = try! XCTUnwrap(g)
        let cells = dotCells(buffer, g1)
        XCTAssertEqual(cells.count, 1, buffer.text)
        XCTAssertEqual(Double(cells[0].x), Double(g1.plot.width) / 2, accuracy: 1)
        XCTAssertTrue(buffer.text.contains("last 0.5 @0"))
    }

    func testConstantSeriesIsAFlatLineInTheMiddle() {
        let (buffer, g) = chart([ChartSeries(label: "flat", values: Array(repeating: 3, count: 50))], width: 40, height: 12)
        let g1 = try! XCTUnwrap(g)
        let cells = dotCells(buffer, g1)
        XCTAssertEqual(Set(cells.map(\.y)).count, 1, "one row\n\(buffer.text)")
        XCTAssertEqual(cells.count, g1.plot.width)
        XCTAssertEqual(Double(cells[0].y), Double(g1.plot.height - 1) / 2, accuracy: 1)
        XCTAssertTrue(buffer.text.contains("min 3  max 3"))
    }

    func testNegativeValuesGetNegativeTicks() {
        let (buffer, g) = chart([ChartSeries(label: "neg", values: [-5, -1, -3, 2])], width: 50, height: 14)
        XCTAssertNotNil(g)
        let text = buffer.text
        XCTAssertTrue(text.contains("min -5  max 2"), text)
        XCTAssertTrue(buffer.lines.contains { $0.hasPrefix("  -4┤") || $0.hasPrefix("  -5┤") || $0.hasPrefix("  -6┤") }, text)
        XCTAssertTrue(buffer.lines.contains { $0.contains(" 0┤") }, text)
    }

    func testNaNAndInfinityBreakTheLineAndAreCounted() {
        let values: [Double] = Array(repeating: 1, count: 10) + [.nan, .infinity] + Array(repeating: 1, count: 10)
        let (buffer, g) = chart([ChartSeries(label: "gappy", values: values)], width: 46, height: 10)
        let g1 = try! XCTUnwrap(g)
        XCTAssertTrue(buffer.text.contains("· 1 NaN · 1 inf"), buffer.text)
        let row = plotRows(buffer, g1).first { $0.contains(where: isBraille) }!
        // Dots left and right, with empty cells between them where steps 10 and 11 would be.
        let filled = row.map(isBraille)
        let empty = filled.indices.filter { !filled[$0] }
        XCTAssertFalse(empty.isEmpty, row.joined())
        // The empty cells are exactly those strictly between the columns of steps 9 and 12.
        XCTAssertEqual(empty, Array((g1.column(of: 9) + 1)..<g1.column(of: 12)), row.joined())
        // Without the gap the same row is unbroken.
        let (solid, g2) = chart([ChartSeries(label: "solid", values: Array(repeating: 1, count: 22))], width: 46, height: 10)
        XCTAssertFalse(plotRows(solid, g2!).first { $0.contains(where: isBraille) }!.contains { !isBraille($0) })
    }

    func testLogScaleSpacesDecadesEvenlyAndCountsNonPositive() {
        let (buffer, g) = chart([ChartSeries(label: "decades", values: [1, 10, 100, 1000, 0, -5])], width: 50, height: 14,
                                transform: PlotTransform(logY: true))
        let g1 = try! XCTUnwrap(g)
        let text = buffer.text
        XCTAssertTrue(text.contains("· 2 ≤0 not on log"), text)
        for label in ["1┤", "10┤", "100┤", "1000┤"] { XCTAssertTrue(text.contains(label), "\(label)\n\(text)") }
        // On a log axis the points 1, 10, 100, 1000 lie on a straight line: the dot rows of the
        // first four points' columns step evenly.
        let bins = ChartSeries(label: "d", values: [1, 10, 100, 1000, 0, -5]).prepared(PlotTransform(logY: true))
        XCTAssertEqual(bins.ys.prefix(4).map { $0 }, [0, 1, 2, 3])
        XCTAssertTrue(bins.ys[4].isNaN && bins.ys[5].isNaN)
        // Points 4 and 5 are undrawable: no dot right of step 3's column.
        let lastDot = dotCells(buffer, g1).map(\.x).max()!
        XCTAssertLessThanOrEqual(lastDot, g1.column(of: 3) + 1, text)
        // Linear scale for comparison has no log note.
        XCTAssertFalse(chart([ChartSeries(label: "d", values: [1, 0])]).0.text.contains("not on log"))
    }

    func testSmoothingMatchesTensorBoardsDebiasedEMA() {
        let smoothed = emaSmoothed([1, 2, .nan, 4], weight: 0.5)
        XCTAssertEqual(smoothed[0], 1, accuracy: 1e-12)               // 0.5 / (1 - 0.5)
        XCTAssertEqual(smoothed[1], 1.25 / 0.75, accuracy: 1e-12)     // (0.25 + 1) / (1 - 0.25)
        XCTAssertTrue(smoothed[2].isNaN, "NaN passes through")
        XCTAssertEqual(smoothed[3], (1.25 * 0.5 + 2) / 0.875, accuracy: 1e-12)
        XCTAssertEqual(emaSmoothed([2, 2, 2], weight: 0.9), [2, 2, 2], "constant series untouched")
        XCTAssertEqual(emaSmoothed([1, 5], weight: 0), [1, 5])
        // In the chart, smoothing flattens a zig-zag: fewer distinct dot rows, and the cursor
        // readout shows raw and smoothed values.
        let zigzag = (0..<40).map { Double($0 % 2) }
        let (raw, g1) = chart([ChartSeries(label: "z", values: zigzag)], width: 50, height: 14)
        let transform = PlotTransform(smoothing: 0.9)
        let (smooth, g2) = chart([ChartSeries(label: "z", values: zigzag)], width: 50, height: 14, transform: transform, cursor: 20)
        XCTAssertGreaterThan(dotCells(raw, g1!).count, dotCells(smooth, g2!).count, smooth.text)
        XCTAssertTrue(smooth.lines.last!.contains("z 0 ~"), smooth.text)
    }

    func testCursorReadsOutEachSeriesValueAsTheTableShowsIt() {
        let a = ChartSeries(label: "run-a", steps: [0, 10, 20], timestamps: [0, 1000, 2000], values: [0.1, 0.123456789, 0.3])
        let b = ChartSeries(label: "run-b", steps: [0, 5, 12, 20], timestamps: [0, 500, 1200, 2000], values: [1, 2, 3, 4])
        let (buffer, g) = chart([a, b], width: 70, height: 14, cursor: 11)
        XCTAssertNotNil(g)
        let readout = buffer.lines.last!
        XCTAssertTrue(readout.contains("▲ step 11"), readout)
        XCTAssertTrue(readout.contains("run-a 0.123457 @10"), readout)  // 6 significant digits, as formatNumber
        XCTAssertTrue(readout.contains("run-b 3 @12"), readout)
        XCTAssertTrue(buffer.text.contains("━━ run-a"))
        XCTAssertTrue(buffer.text.contains("━━ run-b"))
        XCTAssertEqual(buffer[g!.plot.x + g!.column(of: 11), g!.plot.y + g!.plot.height].text, "▲")
    }

    func testZoomShowsOnlyTheRange() {
        let series = ChartSeries(label: "s", values: (0..<100).map { Double($0) })
        let (buffer, g) = chart([series], width: 60, height: 12, xRange: 40...60)
        XCTAssertEqual(g?.xRange, 40...60)
        // The y axis follows the visible points (40..60), not the whole series.
        XCTAssertTrue(buffer.lines.contains { $0.contains("40┤") }, buffer.text)
        XCTAssertFalse(buffer.lines.contains { $0.contains("100┤") || $0.contains(" 0┤") }, buffer.text)
        XCTAssertTrue(buffer.lines.contains { $0.contains("50") && $0.contains("60") }, buffer.text)
    }

    func testMillionPointsKeepASingleSpike() {
        var values = [Double](repeating: 1, count: 1_000_000)
        values[777_777] = 50
        let series = ChartSeries(label: "big", values: values).prepared(PlotTransform())
        let bins = series.bins(range: series.xExtent!, columns: 120)
        XCTAssertEqual(bins.hi.filter { $0 == 50 }.count, 1)
        XCTAssertEqual(bins.filled.filter { $0 }.count, 120)
        let (buffer, g) = chart([ChartSeries(label: "big", values: values)], width: 80, height: 20)
        let g1 = try! XCTUnwrap(g)
        let top = plotRows(buffer, g1)[0]
        XCTAssertEqual(top.filter(isBraille).count, 1, "exactly one column reaches the top\n\(buffer.text)")
        XCTAssertTrue(buffer.text.contains("max 50"))
    }

    func testTwoSeriesGetDistinctStylesAndBlocksFallback() {
        let a = ChartSeries(label: "a", values: [0, 0, 0, 0])
        let b = ChartSeries(label: "b", values: [1, 1, 1, 1])
        let (buffer, g) = chart([a, b], width: 40, height: 12, glyphs: .blocks)
        let g1 = try! XCTUnwrap(g)
        let rows = plotRows(buffer, g1)
        XCTAssertTrue(rows[0].contains("▀"), buffer.text)
        XCTAssertTrue(rows.last!.contains("▄"), buffer.text)
        XCTAssertEqual(buffer[g1.plot.x + 1, g1.plot.y].style, styles.series[1])
        XCTAssertEqual(buffer[g1.plot.x + 1, g1.plot.y + g1.plot.height - 1].style, styles.series[0])
        XCTAssertEqual(ChartGlyphs.detect(["LANG": "en_US.UTF-8", "TERM": "xterm"]), .braille)
        XCTAssertEqual(ChartGlyphs.detect(["LANG": "C", "TERM": "xterm"]), .blocks)
        XCTAssertEqual(ChartGlyphs.detect(["LANG": "C.UTF-8", "TERM": "linux"]), .blocks)
        XCTAssertEqual(ChartGlyphs.detect(["MLTUI_CHART": "braille"]), .braille)
        let themed = ChartStyles.from(.defaultTheme)
        XCTAssertGreaterThanOrEqual(Set(themed.series.map(\.fg)).count, 6)
    }

    func testTimeAndRelativeAxes() {
        let s = ChartSeries(label: "t", steps: [0, 1, 2], timestamps: [1_700_000_000_000, 1_700_000_060_000, 1_700_000_600_000], values: [1, 2, 3])
        let (rel, _) = chart([s], width: 60, height: 10, transform: PlotTransform(xMode: .relative))
        XCTAssertTrue(rel.lines.last!.hasPrefix("rel."), rel.text)
        XCTAssertTrue(rel.text.contains("0s") && rel.text.contains("5m"), rel.text)
        let (wall, _) = chart([s], width: 60, height: 10, transform: PlotTransform(xMode: .time))
        XCTAssertTrue(wall.text.contains("22:15"), wall.text)  // 1_700_000_100 s is 22:15 UTC
    }

    func testTicksAreNiceNumbers() {
        let t = AxisTicks.nice(0.013, 0.93, target: 5)
        XCTAssertEqual(t.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(t.values.map { tickLabel($0, step: t.step) }, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let big = AxisTicks.nice(0, 3_400_000, target: 4)
        XCTAssertEqual(big.values.map { tickLabel($0, step: big.step) }, ["0", "1e6", "2e6", "3e6", "4e6"])
        XCTAssertEqual(tickLabel(-0.0000001, step: 1), "-1e-7")
        XCTAssertEqual(durationLabel(90), "1m30s")
        XCTAssertEqual(durationLabel(7200), "2h")
        XCTAssertEqual(decadeLabel(-2), "0.01")
        XCTAssertEqual(decadeLabel(5), "1e5")
    }

    func testTinyRectSaysSoInsteadOfCrashing() {
        let (buffer, g) = chart([ChartSeries(label: "x", values: [1, 2])], width: 12, height: 3)
        XCTAssertNil(g)
        XCTAssertTrue(buffer.text.hasPrefix("chart needs"))
        let (empty, g2) = chart([ChartSeries(label: "x", values: [])], width: 40, height: 10)
        XCTAssertNil(g2)
        XCTAssertTrue(empty.text.contains("no points"))
    }

    func testANSITextColoursCellsAndResets() {
        var buffer = Buffer(size: Size(width: 6, height: 2))
        buffer.write("ab", x: 0, y: 0, style: Style(fg: .ansi(1), attributes: .bold))
        buffer.write("c", x: 2, y: 0, style: Style(fg: .rgb(1, 2, 3)))
        buffer.write("d", x: 0, y: 1, style: .plain)
        XCTAssertEqual(ANSIText.render(buffer), "\u{1B}[0;1;31mab\u{1B}[0;38;2;1;2;3mc\u{1B}[0m\nd\n")
    }
}
