import Foundation
import Terminal

/// What a chart shows besides its data: scale, x range (zoom/pan), cursor, glyphs.
public struct LineChartOptions: Equatable, Sendable {
    public var transform: PlotTransform
    /// The visible x range; nil shows every point.
    public var xRange: ClosedRange<Double>?
    /// The x the cursor reads out at; nil hides the cursor.
    public var cursor: Double?
    public var glyphs: ChartGlyphs
    /// Seconds east of UTC for wall-time labels.
    public var utcOffset: Int
    /// The current time (seconds): date labels name their year only when it is not this one's.
    public var now: Double

    public init(transform: PlotTransform = PlotTransform(), xRange: ClosedRange<Double>? = nil, cursor: Double? = nil,
                glyphs: ChartGlyphs = .braille, utcOffset: Int = 0, now: Double = Date().timeIntervalSince1970) {
        self.transform = transform
        self.xRange = xRange
        self.cursor = cursor
        self.glyphs = glyphs
        self.utcOffset = utcOffset
        self.now = now
    }
}

/// The styles a chart draws with; `series` cycles when there are more series than styles.
public struct ChartStyles: Sendable {
    public var series: [Style]
    public var axis: Style
    public var label: Style
    public var dim: Style
    public var warning: Style

    public init(series: [Style], axis: Style = .plain, label: Style = .plain, dim: Style = .plain, warning: Style = .plain) {
        self.series = series.isEmpty ? [.plain] : series
        self.axis = axis
        self.label = label
        self.dim = dim
        self.warning = warning
    }

    /// Series colours from the theme: the foregrounds of its accent roles, each used once, so
    /// runs get colours the theme author chose (a mono theme yields attribute variations).
    public static func from(_ theme: Theme) -> ChartStyles {
        let roles: [ThemeRole] = [.status_running, .warning, .ok, .status_killed, .link, .marked, .error,
                                  .label, .section, .filter, .status_scheduled]
        var seen: [Style] = []
        for style in roles.map(theme.plotStyle) where !seen.contains(style) { seen.append(style) }
        return ChartStyles(series: seen, axis: theme[.dim], label: theme[.label], dim: theme[.dim], warning: theme[.warning])
    }
}

/// The union of the series' x extents, widened when it is a single x so it has a middle.
public func chartXExtent(_ series: [PlotSeries]) -> ClosedRange<Double>? {
    var lo = Double.infinity, hi = -Double.infinity
    for s in series { if let e = s.xExtent { lo = min(lo, e.lowerBound); hi = max(hi, e.upperBound) } }
    guard lo <= hi else { return nil }
    return lo == hi ? (lo - 1)...(hi + 1) : lo...hi
}

/// Geometry of a drawn chart, returned so callers (the cursor keys) can map columns to x.
public struct ChartGeometry: Equatable, Sendable {
    public var plot: Rect
    public var xRange: ClosedRange<Double>
    public var dotsPerCell: Int

    /// The x at the middle of plot column `column` (0-based inside the plot).
    public func x(atColumn column: Int) -> Double {
        let span = xRange.upperBound - xRange.lowerBound
        return xRange.lowerBound + (Double(column) + 0.5) / Double(max(1, plot.width)) * span
    }

    public func column(of x: Double) -> Int {
        let span = xRange.upperBound - xRange.lowerBound
        guard span > 0 else { return plot.width / 2 }
        // The same mapping as ColumnBins: the upper bound belongs to the last column.
        let dot = Int((x - xRange.lowerBound) / span * Double(plot.width * dotsPerCell))
        return (x <= xRange.upperBound ? min(dot, plot.width * dotsPerCell - 1) : dot) / dotsPerCell
    }
}

/// Draws a line chart of `series` into `rect`: legend (min/max/last, gap counts) on top, then
/// the plot with a y axis on the left and an x axis below, and the cursor readout last.
/// Returns the geometry, nil when there is nothing to draw or no room.
@discardableResult
public func renderLineChart(_ buffer: inout Buffer, _ rect: Rect, _ series: [PlotSeries],
                            _ options: LineChartOptions, _ styles: ChartStyles) -> ChartGeometry? {
    guard let xRange = chartXRange(&buffer, rect, chartXExtent(series), options, styles) else { return nil }
    let styleOf = { (i: Int) in styles.series[i % styles.series.count] }

    let y = drawLegend(&buffer, rect, count: series.count, noun: "series", styles) { legend, i, y in
        drawLegendLine(&legend, x: rect.x, y: y, width: rect.width, series[i], options.transform, styleOf(i), styles)
    }
    // The y range is the min/max of the visible points; one column gives it in one pass.
    var lo = Double.infinity, hi = -Double.infinity
    for s in series {
        if let r = s.bins(range: xRange, columns: 1).yRange { lo = min(lo, r.0); hi = max(hi, r.1) }
    }
    guard let frame = ChartFrame(rect, top: y, yRange: (lo, hi), xRange: xRange, options) else { return nil }
    var canvas = frame.canvas()
    for (index, s) in series.enumerated() { canvas.plot(s, frame, series: index) }
    frame.drawYAxis(&buffer, styles)
    let cursorColumn = frame.drawCursorRule(&buffer, options, styles) { canvas.isEmpty(cellX: $0, cellY: $1) }
    canvas.draw(into: &buffer, x: frame.plot.x, y: frame.plot.y, styles: series.indices.map(styleOf))
    let axisY = frame.drawXAxis(&buffer, options, cursorColumn: cursorColumn, styles)
    if let cursor = options.cursor {
        drawReadout(&buffer, x: rect.x, y: axisY + 2, width: rect.width, series, at: cursor, options, styleOf, styles)
    }
    return frame.geometry
}

/// The legend: one line per entry, as many as fit in a third of the height, the last saying how
/// many more there are when not all fit. Returns the row below it.
func drawLegend(_ buffer: inout Buffer, _ rect: Rect, count: Int, noun: String, _ styles: ChartStyles,
                line: (inout Buffer, Int, Int) -> Void) -> Int {
    let rows = min(count, max(1, (rect.height - 4) / 3))
    for i in 0..<rows {
        if i == rows - 1 && count > rows {
            buffer.write("+\(count - rows + 1) more \(noun)", x: rect.x, y: rect.y + i, maxWidth: rect.width, style: styles.dim)
        } else {
            line(&buffer, i, rect.y + i)
        }
    }
    return rect.y + rows
}

/// The x range a chart shows (the zoom, else everything), widened when it is a single x; nil
/// (with a note in `rect`) when there is no room or nothing to plot.
func chartXRange(_ buffer: inout Buffer, _ rect: Rect, _ full: ClosedRange<Double>?,
                 _ options: LineChartOptions, _ styles: ChartStyles) -> ClosedRange<Double>? {
    guard rect.width >= 20, rect.height >= 5 else {
        buffer.write("chart needs at least 20×5 cells", x: rect.x, y: rect.y, maxWidth: rect.width, style: styles.dim)
        return nil
    }
    guard let full else {
        buffer.write("no points to plot", x: rect.x, y: rect.y, maxWidth: rect.width, style: styles.dim)
        return nil
    }
    let xRange = options.xRange ?? full
    return xRange.upperBound > xRange.lowerBound ? xRange : (xRange.lowerBound - 1)...(xRange.lowerBound + 1)
}

extension DotCanvas {
    /// A series as a line through its visible points: per drawing column a vertical run from
    /// its least to its greatest value, joined to the previous column unless a gap came between.
    mutating func plot(_ s: PlotSeries, _ frame: ChartFrame, series index: Int) {
        let bins = s.bins(range: frame.geometry.xRange, columns: dotsX)
        var previous: Int?
        for c in 0..<bins.columns where bins.filled[c] {
            if let p = previous, !bins.breakBefore[c] {
                line(p, frame.row(bins.last[p]), c, frame.row(bins.first[c]), series: index)
            }
            vertical(c, frame.row(bins.lo[c]), frame.row(bins.hi[c]), series: index)
            previous = c
        }
    }
}

/// The parts every line chart shares once its legend is placed: the plot area beside a y axis
/// of nice ticks (log decades on a log axis), above an x axis and the cursor readout.
struct ChartFrame {
    var rect: Rect
    var plot: Rect
    var ticks: AxisTicks
    var labels: [String]
    var labelWidth: Int
    var glyphs: ChartGlyphs
    var geometry: ChartGeometry

    /// nil when there is no room for a plot below `top`.
    init?(_ rect: Rect, top: Int, yRange: (Double, Double), xRange: ClosedRange<Double>, _ options: LineChartOptions) {
        let readoutRows = options.cursor == nil ? 0 : 1
        let plotHeight = rect.y + rect.height - top - 2 - readoutRows
        guard plotHeight >= 2 else { return nil }
        var (lo, hi) = yRange
        if lo > hi { (lo, hi) = (0, 1) }
        let ticks = options.transform.logY
            ? AxisTicks.logDecades(lo, hi, target: max(1, plotHeight / 3))
            : AxisTicks.nice(lo, hi, target: max(1, plotHeight / 3))
        let labels = ticks.values.map { options.transform.logY ? decadeLabel($0) : tickLabel($0, step: ticks.step) }
        let labelWidth = min(12, max(4, labels.map { DisplayWidth.of($0) }.max() ?? 1))
        let plot = Rect(x: rect.x + labelWidth + 1, y: top, width: rect.width - labelWidth - 2, height: plotHeight)
        guard plot.width >= 4 else { return nil }
        (self.ticks, self.labels, self.labelWidth, self.plot) = (ticks, labels, labelWidth, plot)
        self.rect = rect
        glyphs = options.glyphs
        geometry = ChartGeometry(plot: plot, xRange: xRange, dotsPerCell: options.glyphs.dotsPerCell.x)
    }

    func canvas() -> DotCanvas { DotCanvas(width: plot.width, height: plot.height, glyphs: glyphs) }

    /// The dot row of a (transformed) value.
    func row(_ v: Double) -> Int {
        let dotsY = plot.height * glyphs.dotsPerCell.y
        return Int(((ticks.upper - v) / (ticks.upper - ticks.lower) * Double(dotsY - 1)).rounded())
    }

    func drawYAxis(_ buffer: inout Buffer, _ styles: ChartStyles) {
        var tickRows = Set<Int>()
        for (t, label) in zip(ticks.values, labels) {
            let r = row(t) / glyphs.dotsPerCell.y
            guard r >= 0, r < plot.height, tickRows.insert(r).inserted else { continue }
            buffer.write(DisplayWidth.padded(label, to: labelWidth, alignRight: true), x: rect.x, y: plot.y + r, style: styles.label)
        }
        for r in 0..<plot.height {
            buffer.write(tickRows.contains(r) ? "┤" : "│", x: plot.x - 1, y: plot.y + r, style: styles.axis)
        }
    }

    /// The cursor: a dim vertical rule through the cells of its column that `isEmpty` says are
    /// free. Returns its column, nil when the cursor is hidden or outside the range.
    func drawCursorRule(_ buffer: inout Buffer, _ options: LineChartOptions, _ styles: ChartStyles,
                        isEmpty: (Int, Int) -> Bool) -> Int? {
        guard let cursor = options.cursor, geometry.xRange.contains(cursor) else { return nil }
        let c = geometry.column(of: cursor)
        guard c >= 0 && c < plot.width else { return nil }
        for r in 0..<plot.height where isEmpty(c, r) {
            buffer.write("│", x: plot.x + c, y: plot.y + r, style: styles.dim)
        }
        return c
    }

    /// X axis: rule with tick marks, labels centred under them, the mode name at the left.
    /// Returns the axis row.
    func drawXAxis(_ buffer: inout Buffer, _ options: LineChartOptions, cursorColumn: Int?, _ styles: ChartStyles) -> Int {
        let axisY = plot.y + plot.height
        buffer.write("└" + String(repeating: "─", count: plot.width), x: plot.x - 1, y: axisY, style: styles.axis)
        let xTicks = xAxisTicks(geometry.xRange, options, target: max(1, plot.width / 14))
        var nextFree = plot.x
        for (t, label) in xTicks {
            let c = geometry.column(of: t)
            guard c >= 0, c < plot.width else { continue }
            buffer.write("┴", x: plot.x + c, y: axisY, style: styles.axis)
            let w = DisplayWidth.of(label)
            let lx = min(max(plot.x + c - w / 2, nextFree), rect.x + rect.width - w)
            guard lx >= nextFree else { continue }
            buffer.write(label, x: lx, y: axisY + 1, style: styles.label)
            nextFree = lx + w + 2
        }
        if let c = cursorColumn { buffer.write("▲", x: plot.x + c, y: axisY, style: styles.warning) }
        let modeName = options.transform.xMode == .relative ? "rel." : options.transform.xMode.rawValue
        buffer.write(DisplayWidth.truncated(modeName, to: labelWidth), x: rect.x, y: axisY + 1, style: styles.dim)
        return axisY
    }
}

private func xAxisTicks(_ range: ClosedRange<Double>, _ options: LineChartOptions, target: Int) -> [(Double, String)] {
    let (lo, hi) = (range.lowerBound, range.upperBound)
    switch options.transform.xMode {
    case .step:
        let t = AxisTicks.within(lo, hi, target: target, integer: hi - lo >= Double(target))
        return t.values.map { ($0, tickLabel($0, step: t.step)) }
    case .time:
        let t = timeTicks(lo, hi, target: target, utcOffset: options.utcOffset)
        return t.values.map { ($0, wallClockLabel($0, step: t.step, utcOffset: options.utcOffset, now: options.now)) }
    case .relative:
        let t = timeTicks(lo, hi, target: target)
        return t.values.map { ($0, durationLabel($0)) }
    }
}

/// "━━ name  last 0.25 (step 99)  min 0.1  max 0.9  · 2 NaN · 1 inf"
private func drawLegendLine(_ buffer: inout Buffer, x: Int, y: Int, width: Int, _ s: PlotSeries,
                            _ transform: PlotTransform, _ style: Style, _ styles: ChartStyles) {
    let glyph = buffer.write("━━ ", x: x, y: y, maxWidth: width, style: style)
    var last = ""
    if let value = s.stats.last { last = "  last " + formatNumber(value) + (s.stats.lastStep.map { " @\($0)" } ?? "") }
    if s.count == 0 { last = "  no points" }
    var gaps: [String] = []
    if s.stats.nanCount > 0 { gaps.append("\(s.stats.nanCount) NaN") }
    if s.stats.infCount > 0 { gaps.append("\(s.stats.infCount) inf") }
    if transform.logY && s.stats.nonPositive > 0 { gaps.append("\(s.stats.nonPositive) ≤0 not on log") }
    let range = s.stats.min.flatMap { mn in s.stats.max.map { (mn, $0) } }
    LegendText(name: s.label, minName: 12, last: last, gaps: gaps, range: range)
        .draw(&buffer, x: x + glyph, y: y, end: x + width, style, styles)
}

/// The text of a legend line after its glyph, most important first as the end is cut on narrow
/// screens: the name (cut to what the numbers leave, never below `minName`), the last value, the
/// points that could not be drawn, the range.
struct LegendText {
    var name: String
    var minName: Int
    var last: String
    var gaps: [String]
    var range: (Double, Double)?

    func draw(_ buffer: inout Buffer, x: Int, y: Int, end: Int, _ style: Style, _ styles: ChartStyles) {
        var x = x
        let gapText = gaps.isEmpty ? "" : "  · " + gaps.joined(separator: " · ")
        let rangeText = range.map { "  min " + formatNumber($0.0) + "  max " + formatNumber($0.1) } ?? ""
        let room = end - x - DisplayWidth.of(last) - DisplayWidth.of(gapText) - DisplayWidth.of(rangeText)
        x += buffer.write(DisplayWidth.truncated(name, to: max(minName, room)), x: x, y: y, maxWidth: end - x, style: style)
        x += buffer.write(last, x: x, y: y, maxWidth: end - x, style: styles.label)
        x += buffer.write(gapText, x: x, y: y, maxWidth: end - x, style: styles.warning)
        buffer.write(rangeText, x: x, y: y, maxWidth: end - x, style: styles.label)
    }
}

/// "step 120 │ run-a 0.25 @120 │ run-b 0.31 ~0.30 @119": each series' point nearest the cursor.
private func drawReadout(_ buffer: inout Buffer, x: Int, y: Int, width: Int, _ series: [PlotSeries], at cursor: Double,
                         _ options: LineChartOptions, _ styleOf: (Int) -> Style, _ styles: ChartStyles) {
    let entries = series.enumerated().compactMap { (i, s) -> (String, Style)? in
        guard let p = s.nearest(to: cursor) else { return nil }
        var text = DisplayWidth.truncated(s.label, to: 16) + " " + formatNumber(s.raw[p])
        if options.transform.smoothing > 0 { text += " ~" + formatNumber(s.smoothed[p]) }
        return (text + " @\(s.steps[p]) ", styleOf(i))
    }
    drawReadoutLine(&buffer, x: x, y: y, width: width, at: cursor, options, entries, styles)
}

/// The cursor readout: "▲ <x> ", then each entry after a dim "│ ", cut at the width.
func drawReadoutLine(_ buffer: inout Buffer, x: Int, y: Int, width: Int, at cursor: Double, _ options: LineChartOptions,
                     _ entries: [(text: String, style: Style)], _ styles: ChartStyles) {
    var x = x
    let end = x + width
    x += buffer.write("▲ " + xValueText(cursor, options) + " ", x: x, y: y, maxWidth: end - x, style: styles.warning)
    for entry in entries where x < end {
        x += buffer.write("│ ", x: x, y: y, maxWidth: end - x, style: styles.dim)
        x += buffer.write(entry.text, x: x, y: y, maxWidth: end - x, style: entry.style)
    }
}

func xValueText(_ x: Double, _ options: LineChartOptions) -> String {
    switch options.transform.xMode {
    case .step: return "step " + String(Int64(x.rounded()))
    case .time: return formatAbsolute(Int64(x * 1000), utcOffset: options.utcOffset)
    case .relative: return "+" + formatDuration(milliseconds: Int64((x * 1000).rounded()))
    }
}
