import Foundation
import Terminal

/// One vertical axis of a parallel-coordinates plot.
public struct ParallelAxis: Equatable, Sendable {
    public var name: String
    public var axis: PlotAxis
    public init(name: String, axis: PlotAxis) {
        self.name = name
        self.axis = axis
    }
}

/// One polyline: its position on each axis (0...1; nil where it has no value there, which
/// breaks the line) and its style's index.
public struct ParallelLine: Equatable, Sendable {
    public var fractions: [Double?]
    public var style: Int
    public init(fractions: [Double?], style: Int) {
        self.fractions = fractions
        self.style = style
    }
}

/// What a parallel-coordinates plot draws with.
public struct ParallelStyles: Sendable {
    /// Line styles, indexed by `ParallelLine.style`.
    public var lines: [Style]
    public var axis: Style
    public var label: Style
    public var highlight: Style
    public var selectedAxis: Style
    public init(lines: [Style], axis: Style, label: Style, highlight: Style, selectedAxis: Style) {
        self.lines = lines.isEmpty ? [.plain] : lines
        self.axis = axis
        self.label = label
        self.highlight = highlight
        self.selectedAxis = selectedAxis
    }
}

/// The cell column of each of `count` axes spread over `width` cells, the first at the left
/// edge and the last at the right one.
public func parallelAxisColumns(count: Int, width: Int) -> [Int] {
    guard count > 1 else { return count == 1 ? [width / 2] : [] }
    return (0..<count).map { Int((Double($0) * Double(width - 1) / Double(count - 1)).rounded()) }
}

/// Draws parallel coordinates into `rect`: axis names on the first row, each numeric axis'
/// greatest value on the second and least on the last, the polylines between (Braille or
/// blocks), categories labelled beside their axis. Lines are drawn in the given order (later on
/// top); the highlighted one last, in its own style over whatever it crosses.
public func renderParallel(_ buffer: inout Buffer, _ rect: Rect, _ axes: [ParallelAxis], _ lines: [ParallelLine],
                           highlight: Int?, selectedAxis: Int?, glyphs: ChartGlyphs, styles: ParallelStyles) {
    let plotHeight = rect.height - 3
    guard axes.count >= 2, rect.width >= 4 * axes.count, plotHeight >= 2 else {
        let text = axes.count < 2 ? "parallel coordinates need two axes (o chooses them)" : "plot needs more room"
        buffer.write(text, x: rect.x, y: rect.y, maxWidth: rect.width, style: styles.label)
        return
    }
    let columns = parallelAxisColumns(count: axes.count, width: rect.width)
    let room = max(1, (rect.width - 1) / (axes.count - 1) - 1)
    let (px, py) = glyphs.dotsPerCell
    let plotY = rect.y + 2
    var canvas = DotCanvas(width: rect.width, height: plotHeight, glyphs: glyphs)
    let dotsY = canvas.dotsY
    func dotY(_ f: Double) -> Int { Int(((1 - f) * Double(dotsY - 1)).rounded()) }
    func trace(_ line: ParallelLine, on canvas: inout DotCanvas, series: Int) {
        for (i, f) in line.fractions.enumerated() {
            guard let f else { continue }
            if i + 1 < axes.count, let g = line.fractions[i + 1] {
                canvas.line(columns[i] * px, dotY(f), columns[i + 1] * px, dotY(g), series: series)
            } else if i == 0 || line.fractions[i - 1] == nil {
                canvas.set(columns[i] * px, dotY(f), series: series)  // a value with no neighbour: a dot
            }
        }
    }
    for line in lines { trace(line, on: &canvas, series: line.style) }
    for (i, c) in columns.enumerated() {
        for r in 0..<plotHeight where canvas.isEmpty(cellX: c, cellY: r) {
            buffer.write("│", x: rect.x + c, y: plotY + r, style: i == selectedAxis ? styles.selectedAxis : styles.axis)
        }
    }
    canvas.draw(into: &buffer, x: rect.x, y: plotY, styles: styles.lines)
    if let h = highlight, lines.indices.contains(h) {
        var top = DotCanvas(width: rect.width, height: plotHeight, glyphs: glyphs)
        trace(lines[h], on: &top, series: 0)
        top.draw(into: &buffer, x: rect.x, y: plotY, styles: [styles.highlight])
    }

    /// A label at axis `i`: left-aligned at the first axis, right-aligned at the last, else
    /// centred; pushed right of the label before it on its row, and cut at the edge.
    var nextFree: [Int: Int] = [:]
    func place(_ text: String, _ i: Int, y: Int, style: Style) {
        let label = DisplayWidth.truncated(text, to: room)
        let w = DisplayWidth.of(label)
        let x = max(nextFree[y] ?? 0, i == 0 ? columns[i] : i == axes.count - 1 ? columns[i] - w + 1 : columns[i] - w / 2)
        nextFree[y] = x + buffer.write(label, x: rect.x + x, y: y, maxWidth: rect.width - x, style: style) + 1
    }
    for (i, axis) in axes.enumerated() {
        place(axis.name, i, y: rect.y, style: i == selectedAxis ? styles.selectedAxis : styles.label)
        switch axis.axis.kind {
        case .numeric:
            if let hi = axis.axis.ticks.last { place(fitNumberLabel(hi.label, width: room), i, y: rect.y + 1, style: styles.label) }
            if let lo = axis.axis.ticks.first, axis.axis.ticks.count > 1 {
                place(fitNumberLabel(lo.label, width: room), i, y: plotY + plotHeight, style: styles.label)
            }
        case .categorical:
            // Beside the axis (left of the last one), one per row at most.
            var used = Set<Int>()
            for tick in axis.axis.ticks {
                let r = dotY(tick.fraction) / py
                guard used.insert(r).inserted else { continue }
                let label = DisplayWidth.truncated(tick.label, to: max(1, room - 1))
                let x = i == axes.count - 1 ? columns[i] - DisplayWidth.of(label) : columns[i] + 1
                buffer.write(label, x: rect.x + x, y: plotY + r, style: styles.label)
            }
        }
    }
}
