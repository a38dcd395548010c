import Foundation
import Terminal

/// Draws groups of runs into `rect`: a legend line per group, then per group its min–max band
/// (shade cells, `░`, in the group's colour dimmed; `▒` where bands of several groups overlap),
/// the member runs' lines when `members` has them (thin Braille or block dots, dimmed), and the
/// mean line over both, so with or without colour the band and the line differ by glyph. Axes,
/// zoom and the cursor work as in `renderLineChart`; the readout gives each group's mean and
/// band at the cursor's step.
@discardableResult
public func renderBandChart(_ buffer: inout Buffer, _ rect: Rect, _ bands: [BandSeries], members: [[PlotSeries]] = [],
                            _ options: LineChartOptions, _ styles: ChartStyles) -> ChartGeometry? {
    let memberLines = members.flatMap { $0 }
    let full = chartXExtent(bands.map(\.line) + memberLines)
    guard let xRange = chartXRange(&buffer, rect, full, options, styles) else { return nil }
    let styleOf = { (i: Int) in styles.series[i % styles.series.count] }
    let faintOf = { (i: Int) -> Style in var s = styleOf(i); s.attributes.insert(.dim); s.attributes.remove(.bold); return s }

    let y = drawLegend(&buffer, rect, count: bands.count, noun: "groups", styles) { legend, i, y in
        drawBandLegendLine(&legend, x: rect.x, y: y, width: rect.width, bands[i], styleOf(i), faintOf(i), styles)
    }
    // The y range holds the bands (and the mean, which a log axis may keep where an edge is ≤ 0)
    // and the member lines when shown.
    var lo = Double.infinity, hi = -Double.infinity
    for s in bands.flatMap({ [$0.lower, $0.upper, $0.line] }) + memberLines {
        if let r = s.bins(range: xRange, columns: 1).yRange { lo = min(lo, r.0); hi = max(hi, r.1) }
    }
    guard let frame = ChartFrame(rect, top: y, yRange: (lo, hi), xRange: xRange, options) else { return nil }
    var shade = BandShade(frame)
    for (g, band) in bands.enumerated() { shade.fill(band, frame, group: g) }
    var thin = frame.canvas(), lines = frame.canvas()
    for (g, runs) in members.enumerated() { for s in runs { thin.plot(s, frame, series: g) } }
    for (g, band) in bands.enumerated() { lines.plot(band.line, frame, series: g) }

    frame.drawYAxis(&buffer, styles)
    let cursorColumn = frame.drawCursorRule(&buffer, options, styles) {
        lines.isEmpty(cellX: $0, cellY: $1) && thin.isEmpty(cellX: $0, cellY: $1) && shade.owner($0, $1) == nil
    }
    shade.draw(into: &buffer, frame, styles: bands.indices.map(faintOf), overlap: styles.dim)
    thin.draw(into: &buffer, x: frame.plot.x, y: frame.plot.y, styles: bands.indices.map(faintOf))
    lines.draw(into: &buffer, x: frame.plot.x, y: frame.plot.y, styles: bands.indices.map(styleOf))
    let axisY = frame.drawXAxis(&buffer, options, cursorColumn: cursorColumn, styles)
    if let cursor = options.cursor {
        drawBandReadout(&buffer, x: rect.x, y: axisY + 2, width: rect.width, bands, at: cursor, options, styleOf, styles)
    }
    return frame.geometry
}

/// Which plot cells the bands cover: a group's index, or `overlap` where several groups' do.
struct BandShade {
    static let overlap = -2
    let width: Int, height: Int
    private var cells: [Int]

    init(_ frame: ChartFrame) {
        width = frame.plot.width
        height = frame.plot.height
        cells = Array(repeating: -1, count: width * height)
    }

    func owner(_ x: Int, _ y: Int) -> Int? {
        let g = cells[y * width + x]
        return g == -1 ? nil : g
    }

    /// Covers, in each drawing column, the cells between the band's lower and upper edge there;
    /// between two columns that have points the edges are joined by straight lines, as the
    /// mean line is, so a band over few steps is still one area.
    /// A group of one run has no spread: its band would only shade the cells its line crosses.
    mutating func fill(_ band: BandSeries, _ frame: ChartFrame, group: Int) {
        guard band.members > 1 else { return }
        let (dx, dy) = frame.glyphs.dotsPerCell
        let columns = width * dx
        let lower = band.lower.bins(range: frame.geometry.xRange, columns: columns)
        let upper = band.upper.bins(range: frame.geometry.xRange, columns: columns)
        let filled = (0..<columns).filter { lower.filled[$0] && upper.filled[$0] }
        func cover(_ c: Int, _ low: Double, _ high: Double) {
            let top = max(0, frame.row(high)), bottom = min(height * dy - 1, frame.row(low))
            guard top <= bottom else { return }
            for r in (top / dy)...(bottom / dy) {
                let i = r * width + c / dx
                cells[i] = cells[i] == -1 || cells[i] == group ? group : Self.overlap
            }
        }
        for (k, c) in filled.enumerated() {
            cover(c, lower.lo[c], upper.hi[c])
            guard k + 1 < filled.count else { continue }
            let n = filled[k + 1]
            guard n > c + 1, !lower.breakBefore[n], !upper.breakBefore[n] else { continue }
            for m in (c + 1)..<n {
                let t = Double(m - c) / Double(n - c)
                cover(m, lower.last[c] + t * (lower.first[n] - lower.last[c]), upper.last[c] + t * (upper.first[n] - upper.last[c]))
            }
        }
    }

    func draw(into buffer: inout Buffer, _ frame: ChartFrame, styles: [Style], overlap: Style) {
        for y in 0..<height {
            for x in 0..<width {
                guard let g = owner(x, y) else { continue }
                let style = g == Self.overlap ? overlap : styles.isEmpty ? .plain : styles[g % styles.count]
                buffer.write(g == Self.overlap ? "▒" : "░", x: frame.plot.x + x, y: frame.plot.y + y, maxWidth: 1, style: style)
            }
        }
    }
}

/// "━━░ model=cnn (9)  last 0.25 [0.2…0.3] @20  · 2 NaN  min 0.1  max 0.9": the mean at the
/// last step with the band there, the points left out, the band's extremes over all steps. The
/// group's name and size keep 24 columns before the numbers are given room.
private func drawBandLegendLine(_ buffer: inout Buffer, x: Int, y: Int, width: Int, _ band: BandSeries,
                                _ style: Style, _ faint: Style, _ styles: ChartStyles) {
    var glyph = buffer.write("━━", x: x, y: y, maxWidth: width, style: style)
    glyph += buffer.write("░ ", x: x + glyph, y: y, maxWidth: width - glyph, style: faint)
    var last = "  no points"
    if let i = band.steps.indices.last {
        last = "  last " + formatNumber(band.mean[i])
        if band.lo[i] < band.hi[i] { last += " [" + formatNumber(band.lo[i]) + "…" + formatNumber(band.hi[i]) + "]" }
        last += " @\(band.steps[i])"
    }
    var gaps: [String] = []
    if band.nanPoints > 0 { gaps.append("\(band.nanPoints) NaN") }
    if band.infPoints > 0 { gaps.append("\(band.infPoints) inf") }
    LegendText(name: band.label, minName: 24, last: last, gaps: gaps, range: band.range)
        .draw(&buffer, x: x + glyph, y: y, end: x + width, style, styles)
}

/// "▲ step 10 │ cnn 0.25 [0.1…0.4] │ mlp 0.31 [0.3…0.33] n=2": each group's mean and band at the
/// step nearest the cursor, with how many members count there when not all do; four significant
/// digits, so several groups fit on the line.
private func drawBandReadout(_ buffer: inout Buffer, x: Int, y: Int, width: Int, _ bands: [BandSeries], at cursor: Double,
                             _ options: LineChartOptions, _ styleOf: (Int) -> Style, _ styles: ChartStyles) {
    func short(_ v: Double) -> String { v.isFinite ? String(format: "%.4g", v) : formatNumber(v) }
    let entries = bands.enumerated().compactMap { (g, band) -> (String, Style)? in
        guard let i = band.nearest(to: cursor) else { return nil }
        var text = DisplayWidth.truncated(band.name, to: 14) + " " + short(band.mean[i])
        if options.transform.smoothing > 0 { text += " ~" + short(band.line.smoothed[i]) }
        if band.lo[i] < band.hi[i] { text += " [" + short(band.lo[i]) + "…" + short(band.hi[i]) + "]" }
        if options.transform.xMode != .step { text += " @\(band.steps[i])" }
        if band.counts[i] < band.members { text += " n=\(band.counts[i])" }
        return (text + " ", styleOf(g))
    }
    drawReadoutLine(&buffer, x: x, y: y, width: width, at: cursor, options, entries, styles)
}
