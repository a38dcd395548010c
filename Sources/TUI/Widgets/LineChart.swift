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
    guard rect.width >= 20, rect.height >= 5 else {
        buffer.write("chart needs at least 20×5 cells", x: rect.x, y: rect.y, maxWidth: rect.width, style: styles.dim)
        return nil
    }
    let styleOf = { (i: Int) in styles.series[i % styles.series.count] }
    guard let fullRange = chartXExtent(series) else {
        buffer.write("no points to plot", x: rect.x, y: rect.y, maxWidth: rect.width, style: styles.dim)
        return nil
    }
    var xRange = options.xRange ?? fullRange
    if xRange.upperBound <= xRange.lowerBound { xRange = (xRange.lowerBound - 1)...(xRange.lowerBound + 1) }

    // Legend: one line per series, as many as fit in a third of the height.
    let legendRows = min(series.count, max(1, (rect.height - 4) / 3))
    var y = rect.y
    for i in 0..<legendRows {
        if i == legendRows - 1 && series.count > legendRows {
            buffer.write("+\(series.count - legendRows + 1) more series", x: rect.x, y: y, maxWidth: rect.width, style: styles.dim)
        } else {
            drawLegendLine(&buffer, x: rect.x, y: y, width: rect.width, series[i], options.transform, styleOf(i), styles)
        }
        y += 1
    }
    let readoutRows = options.cursor == nil ? 0 : 1
    let plotHeight = rect.y + rect.height - y - 2 - readoutRows
    guard plotHeight >= 2 else { return nil }

    // The y range is the min/max of the visible points; one column gives it in one pass.
    let dots = options.glyphs.dotsPerCell
    var lo = Double.infinity, hi = -Double.infinity
    for s in series {
        if let r = s.bins(range: xRange, columns: 1).yRange { lo = min(lo, r.0); hi = max(hi, r.1) }
    }
    if lo > hi { lo = options.transform.logY ? 0 : 0; hi = options.transform.logY ? 1 : 1 }
    let ticks = options.transform.logY
        ? AxisTicks.logDecades(lo, hi, target: max(1, plotHeight / 3))
        : AxisTicks.nice(lo, hi, target: max(1, plotHeight / 3))
    let labels = ticks.values.map { options.transform.logY ? decadeLabel($0) : tickLabel($0, step: ticks.step) }
    let labelWidth = min(12, max(4, labels.map { DisplayWidth.of($0) }.max() ?? 1))
    let plot = Rect(x: rect.x + labelWidth + 1, y: y, width: rect.width - labelWidth - 2, height: plotHeight)
    guard plot.width >= 4 else { return nil }

    var canvas = DotCanvas(width: plot.width, height: plot.height, glyphs: options.glyphs)
    let span = ticks.upper - ticks.lower
    func row(_ v: Double) -> Int {
        Int(((ticks.upper - v) / span * Double(canvas.dotsY - 1)).rounded())
    }
    for (index, s) in series.enumerated() {
        let bins = s.bins(range: xRange, columns: canvas.dotsX)
        var previous: Int?
        for c in 0..<bins.columns where bins.filled[c] {
            if let p = previous, !bins.breakBefore[c] {
                canvas.line(p, row(bins.last[p]), c, row(bins.first[c]), series: index)
            }
            canvas.vertical(c, row(bins.lo[c]), row(bins.hi[c]), series: index)
            previous = c
        }
    }
    let geometry = ChartGeometry(plot: plot, xRange: xRange, dotsPerCell: dots.x)

    // Y axis with tick labels.
    var tickRows = Set<Int>()
    for (t, label) in zip(ticks.values, labels) {
        let r = row(t) / dots.y
        guard r >= 0, r < plot.height, tickRows.insert(r).inserted else { continue }
        buffer.write(DisplayWidth.padded(label, to: labelWidth, alignRight: true), x: rect.x, y: plot.y + r, style: styles.label)
    }
    for r in 0..<plot.height {
        buffer.write(tickRows.contains(r) ? "┤" : "│", x: plot.x - 1, y: plot.y + r, style: styles.axis)
    }

    // Cursor: a dim vertical rule through the empty cells of its column.
    var cursorColumn: Int?
    if let cursor = options.cursor, xRange.contains(cursor) {
        let c = geometry.column(of: cursor)
        if c >= 0 && c < plot.width {
            cursorColumn = c
            for r in 0..<plot.height where canvas.isEmpty(cellX: c, cellY: r) {
                buffer.write("│", x: plot.x + c, y: plot.y + r, style: styles.dim)
            }
        }
    }
    canvas.draw(into: &buffer, x: plot.x, y: plot.y, styles: series.indices.map(styleOf))

    // X axis: rule with tick marks, labels centred under them, the mode name at the left.
    let axisY = plot.y + plot.height
    buffer.write("└" + String(repeating: "─", count: plot.width), x: plot.x - 1, y: axisY, style: styles.axis)
    let xTicks = xAxisTicks(xRange, options, target: max(1, plot.width / 14))
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

    if let cursor = options.cursor {
        drawReadout(&buffer, x: rect.x, y: axisY + 2, width: rect.width, series, at: cursor, options, styleOf, styles)
    }
    return geometry
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
    var x = x
    let end = x + width
    x += buffer.write("━━ ", x: x, y: y, maxWidth: end - x, style: style)
    // Most important first, as the end is cut on narrow screens: last value, gaps, range.
    var last = ""
    if let value = s.stats.last { last = "  last " + formatNumber(value) + (s.stats.lastStep.map { " @\($0)" } ?? "") }
    if s.count == 0 { last = "  no points" }
    var gaps: [String] = []
    if s.stats.nanCount > 0 { gaps.append("\(s.stats.nanCount) NaN") }
    if s.stats.infCount > 0 { gaps.append("\(s.stats.infCount) inf") }
    if transform.logY && s.stats.nonPositive > 0 { gaps.append("\(s.stats.nonPositive) ≤0 not on log") }
    let gapText = gaps.isEmpty ? "" : "  · " + gaps.joined(separator: " · ")
    var range = ""
    if let mn = s.stats.min, let mx = s.stats.max { range = "  min " + formatNumber(mn) + "  max " + formatNumber(mx) }
    let room = end - x - DisplayWidth.of(last) - DisplayWidth.of(gapText) - DisplayWidth.of(range)
    let name = DisplayWidth.truncated(s.label, to: max(12, room))
    x += buffer.write(name, x: x, y: y, maxWidth: end - x, style: style)
    x += buffer.write(last, x: x, y: y, maxWidth: end - x, style: styles.label)
    x += buffer.write(gapText, x: x, y: y, maxWidth: end - x, style: styles.warning)
    buffer.write(range, x: x, y: y, maxWidth: end - x, style: styles.label)
}

/// "step 120 │ run-a 0.25 @120 │ run-b 0.31 ~0.30 @119": each series' point nearest the cursor.
private func drawReadout(_ buffer: inout Buffer, x: Int, y: Int, width: Int, _ series: [PlotSeries], at cursor: Double,
                         _ options: LineChartOptions, _ styleOf: (Int) -> Style, _ styles: ChartStyles) {
    var x = x
    let end = x + width
    x += buffer.write("▲ " + xValueText(cursor, options) + " ", x: x, y: y, maxWidth: end - x, style: styles.warning)
    for (i, s) in series.enumerated() {
        guard x < end, let p = s.nearest(to: cursor) else { continue }
        x += buffer.write("│ ", x: x, y: y, maxWidth: end - x, style: styles.dim)
        var text = DisplayWidth.truncated(s.label, to: 16) + " " + formatNumber(s.raw[p])
        if options.transform.smoothing > 0 { text += " ~" + formatNumber(s.smoothed[p]) }
        text += " @\(s.steps[p]) "
        x += buffer.write(text, x: x, y: y, maxWidth: end - x, style: styleOf(i))
    }
}

private func xValueText(_ x: Double, _ options: LineChartOptions) -> String {
    switch options.transform.xMode {
    case .step: return "step " + String(Int64(x.rounded()))
    case .time: return formatAbsolute(Int64(x * 1000), utcOffset: options.utcOffset)
    case .relative: return "+" + formatDuration(milliseconds: Int64((x * 1000).rounded()))
    }
}
