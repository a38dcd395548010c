import Terminal
import XCTest
@testable import TUI

/// Golden screens: the exact text of small widgets, every row and every column. Each row ends
/// with "|" so trailing blanks are part of the expectation.
final class GoldenWidgetTests: XCTestCase {
    /// The cells of `rect` in `buffer` as text, one line per row, each ending in "|".
    func text(_ buffer: Buffer, _ rect: Rect) -> String {
        (rect.y..<(rect.y + rect.height)).map { y in
            var line = ""
            for x in rect.x..<(rect.x + rect.width) where !buffer[x, y].isContinuation { line += buffer[x, y].text }
            return line + "|"
        }.joined(separator: "\n")
    }

    func screenRows(_ buffer: Buffer, _ rows: Range<Int>) -> String {
        text(buffer, Rect(x: 0, y: rows.lowerBound, width: buffer.size.width, height: rows.count))
    }

    func testLineChartOfTwoSeries() {
        let rect = Rect(x: 0, y: 0, width: 40, height: 10)
        var buffer = Buffer(size: Size(width: rect.width, height: rect.height))
        let series = [ChartSeries(label: "loss", values: [4, 3, 2, 1, 0]), ChartSeries(label: "acc", values: [0, 1, 2, 3, 4])]
            .map { $0.prepared(PlotTransform()) }
        let geometry = renderLineChart(&buffer, rect, series, LineChartOptions(), ChartStyles(series: [.plain]))
        XCTAssertNotNil(geometry)
        XCTAssertEqual(text(buffer, rect), """
        ━━ loss  last 0 @4  min 0  max 4        |
        ━━ acc  last 4 @4  min 0  max 4         |
           4┤⠉⠒⠢⠤⣀                        ⣀⡠⠔⠒⠉ |
            │     ⠉⠑⠒⠤⢄⣀            ⢀⣀⠤⠔⠊⠉      |
            │           ⠉⠑⠢⠤⣀⡀ ⣀⡠⠤⠒⠉⠁           |
           2┤           ⢀⣀⠤⠔⠒⠊⠉⠒⠒⠤⢄⣀            |
            │     ⣀⡠⠤⠒⠊⠉⠁           ⠉⠉⠒⠢⢄⣀      |
           0┤⣀⠤⠔⠒⠉                        ⠉⠑⠢⠤⣀ |
            └┴────────────────┴───────────────┴ |
        step 0                2               4 |
        """)
    }

    func testLineChartWithBlockGlyphsAndACursor() {
        let rect = Rect(x: 0, y: 0, width: 24, height: 6)
        var buffer = Buffer(size: Size(width: rect.width, height: rect.height))
        let series = [ChartSeries(label: "tent", values: [0, 1, 0]).prepared(PlotTransform())]
        renderLineChart(&buffer, rect, series, LineChartOptions(cursor: 1, glyphs: .blocks), ChartStyles(series: [.plain]))
        XCTAssertEqual(text(buffer, rect), """
        ━━ tent  last 0 @2  min |
           1┤     ▄▄▄▀▀▀▄▄      |
           0┤▄▄▀▀▀    │   ▀▀▀▄▄ |
            └┴────────▲───────┴ |
        step 0                2 |
        ▲ step 1 │ tent 1 @1    |
        """)
    }

    func testSparklineInACell() {
        var buffer = Buffer(size: Size(width: 12, height: 2))
        buffer.write(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8], width: 12), x: 0, y: 0, style: .plain)
        // 24 points in 10 columns: each glyph is its bucket's extreme; a NaN bucket is a gap.
        let values = (0..<24).map { i in i < 4 ? Double.nan : Double((i * 7) % 10) }
        buffer.write(Sparkline.render(values, width: 10), x: 1, y: 1, style: .plain)
        XCTAssertEqual(text(buffer, Rect(x: 0, y: 0, width: 12, height: 2)), """
        ▁▂▃▄▅▆▇█    |
           ▇▆▁▄▇▃▁▆ |
        """)
    }

    func testFooterOfTheRunsTable() {
        let buffer = render(Fixtures.loadedState(width: 80, height: 24))
        XCTAssertEqual(screenRows(buffer, 23..<24), """
         Enter details  / filter  t tags  s sort  ←→ columns             q quit  ? help |
        """)
    }

    func testTagPickerOverlay() {
        var state = Fixtures.loadedState(width: 80, height: 24)
        state.press(.char("t"))
        XCTAssertNotNil(state.picker)
        state.type("st")
        let screen = render(state)
        XCTAssertEqual(screenRows(screen, 9..<15), """
                ┌─ Tag keys in all 6 runs ─────────────────────────────────────┐        |
                │ › st                                                         │        |
                │ stage                                                      3 │        |
                │                                                              │        |
                │                                                              │        |
                └──────────────────────────────────────────────────────────────┘        |
        """)
        XCTAssertEqual(screenRows(screen, 23..<24), """
         Enter choose  Esc close                                                        |
        """)
    }
}
