import Foundation
import Terminal

/// One point of a scatter plot: where it sits on each axis (0...1, from `PlotAxis.fraction`)
/// and its series, which picks its colour.
public struct PlotDot: Equatable, Sendable {
    public var fx: Double
    public var fy: Double
    public var series: Int
    public init(fx: Double, fy: Double, series: Int) {
        self.fx = fx
        self.fy = fy
        self.series = series
    }
}

/// Draws a scatter plot into `rect`: y tick labels and axis at the left, the x axis and its
/// labels on the two bottom rows, one dot per point (Braille or blocks) in its series' style.
/// The highlighted point is drawn as ◆ in `highlightStyle`, with ▲ and ▶ on the axes where it
/// sits, so it stands out without colour. Returns the plot area, nil when there is no room.
@discardableResult
public func renderScatter(_ buffer: inout Buffer, _ rect: Rect, _ dots: [PlotDot], x: PlotAxis, y: PlotAxis,
                          highlight: Int?, glyphs: ChartGlyphs, styles: ChartStyles, highlightStyle: Style) -> Rect? {
    let labels = y.ticks.map(\.label)
    let labelWidth = min(10, max(1, labels.map { DisplayWidth.of($0) }.max() ?? 1))
    let plot = Rect(x: rect.x + labelWidth + 1, y: rect.y, width: rect.width - labelWidth - 2, height: rect.height - 2)
    guard plot.width >= 4, plot.height >= 2 else {
        buffer.write("plot needs more room", x: rect.x, y: rect.y, maxWidth: rect.width, style: styles.dim)
        return nil
    }
    var canvas = DotCanvas(width: plot.width, height: plot.height, glyphs: glyphs)
    let (px, py) = glyphs.dotsPerCell
    let (dotsX, dotsY) = (canvas.dotsX, canvas.dotsY)
    func dotX(_ f: Double) -> Int { Int((f * Double(dotsX - 1)).rounded()) }
    func dotY(_ f: Double) -> Int { Int(((1 - f) * Double(dotsY - 1)).rounded()) }
    // A Braille point is a 2×2 square of dots (one dot is too faint to find); a block point a half cell.
    let size = glyphs == .braille ? 2 : 1
    for dot in dots {
        let x = min(dotX(dot.fx), dotsX - size), y = min(dotY(dot.fy), dotsY - size)
        for dx in 0..<size { for dy in 0..<size { canvas.set(x + dx, y + dy, series: dot.series) } }
    }

    // Y axis: tick labels right-aligned, ┤ where they are.
    var tickRows = Set<Int>()
    for tick in y.ticks {
        let r = dotY(tick.fraction) / py
        guard r >= 0, r < plot.height, tickRows.insert(r).inserted else { continue }
        buffer.write(DisplayWidth.padded(tick.label, to: labelWidth, alignRight: true), x: rect.x, y: plot.y + r, style: styles.label)
    }
    for r in 0..<plot.height { buffer.write(tickRows.contains(r) ? "┤" : "│", x: plot.x - 1, y: plot.y + r, style: styles.axis) }
    canvas.draw(into: &buffer, x: plot.x, y: plot.y, styles: styles.series)

    // X axis: ┴ at ticks, labels centred under them unless they would overlap the previous one.
    let axisY = plot.y + plot.height
    buffer.write("└" + String(repeating: "─", count: plot.width), x: plot.x - 1, y: axisY, style: styles.axis)
    let room = x.isCategorical ? max(1, plot.width / max(1, x.ticks.count) - 1) : plot.width
    var nextFree = rect.x
    for tick in x.ticks {
        let c = dotX(tick.fraction) / px
        guard c >= 0, c < plot.width else { continue }
        buffer.write("┴", x: plot.x + c, y: axisY, style: styles.axis)
        let label = DisplayWidth.truncated(tick.label, to: room)
        let w = DisplayWidth.of(label)
        let lx = min(max(plot.x + c - w / 2, nextFree), rect.x + rect.width - w)
        guard lx >= nextFree else { continue }
        buffer.write(label, x: lx, y: axisY + 1, style: styles.label)
        nextFree = lx + w + 1
    }

    if let h = highlight, dots.indices.contains(h) {
        let c = dotX(dots[h].fx) / px, r = dotY(dots[h].fy) / py
        buffer.write("◆", x: plot.x + c, y: plot.y + r, style: highlightStyle)
        buffer.write("▲", x: plot.x + c, y: axisY, style: highlightStyle)
        buffer.write("▶", x: plot.x - 1, y: plot.y + r, style: highlightStyle)
    }
    return plot
}
