import Terminal

/// The parallel-coordinates pane: a title, the plot, the colour legend, the highlighted run's
/// values over two lines, and where lines have gaps.
extension ParallelPane {
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let view = state.parallel, rect.height > 6 else { return }
        let theme = state.theme
        var title = "Parallel coordinates · \(view.source.scope) · \(view.axes.count) axes"
        if let color = view.color { title += " · colour \(color.header)" }
        buffer.write(title, x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.pane_title_focus])
        var bottom = rect.y + rect.height
        if !view.gaps.isEmpty {
            bottom -= 1
            buffer.write("no value: " + view.gaps.joined(separator: " · "), x: rect.x, y: bottom, maxWidth: rect.width, style: theme[.warning])
        }
        bottom -= 2
        if let i = view.cursorIndex { drawReadout(&buffer, view, i, x: rect.x, y: bottom, width: rect.width, theme: theme) }
        let ramp = theme.colorRamp
        if let color = view.color {
            bottom -= 1
            drawLegend(&buffer, color.axisName, view.colorRange, ramp, x: rect.x, y: bottom, width: rect.width, theme: theme)
        }
        let lines = view.drawOrder.map { run in
            ParallelLine(fractions: view.fractions[run],
                         style: view.colorLevels[run].map { min(ramp.count - 1, Int($0 * Double(ramp.count))) } ?? ramp.count)
        }
        let highlight = view.cursorIndex.flatMap { view.drawOrder.firstIndex(of: $0) }
        let styles = ParallelStyles(lines: view.color == nil ? [theme[.label]] : ramp + [theme[.dim]], axis: theme[.dim],
                                    label: theme[.label], highlight: theme[.selected], selectedAxis: theme[.column_selected])
        let plot = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: bottom - rect.y - 1)
        renderParallel(&buffer, plot, view.plotAxes, lines, highlight: highlight, selectedAxis: view.selectedAxis,
                       glyphs: state.chartGlyphs, styles: styles)
    }

    /// "colour f1: 0.61 ▁▃▄▆█ 0.93 (dim: no value)", each step of the ramp in its style.
    private static func drawLegend(_ buffer: inout Buffer, _ name: String, _ range: ClosedRange<Double>?, _ ramp: [Style],
                                   x: Int, y: Int, width: Int, theme: Theme) {
        let end = x + width
        var x = x + buffer.write("colour \(name): ", x: x, y: y, maxWidth: width, style: theme[.label])
        guard let range else {
            buffer.write("no run has a value", x: x, y: y, maxWidth: end - x, style: theme[.dim])
            return
        }
        x += buffer.write(formatNumber(range.lowerBound) + " ", x: x, y: y, maxWidth: end - x, style: theme[.label])
        let bars = Array("▁▂▃▄▅▆▇█")
        for (k, style) in ramp.enumerated() {
            x += buffer.write(String(bars[k * (bars.count - 1) / max(1, ramp.count - 1)]), x: x, y: y, maxWidth: end - x, style: style)
        }
        x += buffer.write(" " + formatNumber(range.upperBound), x: x, y: y, maxWidth: end - x, style: theme[.label])
        buffer.write("  (low → high; dim: no value)", x: x, y: y, maxWidth: end - x, style: theme[.dim])
    }

    /// "◆ sweep-07 · lr 0.01 · model cnn · f1 0.83 …", over two lines, "–" where the run has no value.
    private static func drawReadout(_ buffer: inout Buffer, _ view: ParallelState, _ run: Int, x: Int, y: Int, width: Int, theme: Theme) {
        let info = view.source.runs[run].info
        let parts = zip(view.axes, view.values[run]).map { key, value in "\(key.axisName) \(value?.text ?? "–")" }
        var col = x + buffer.write("◆", x: x, y: y, style: theme[.selected])
        col += buffer.write(" " + (info.runName.isEmpty ? String(info.runID.prefix(8)) : info.runName), x: col, y: y, maxWidth: x + width - col, style: theme[.label])
        var row = y
        for part in parts {
            let text = " · " + part
            if col + DisplayWidth.of(text) > x + width, row == y {
                row += 1
                col = x + 1
            }
            col += buffer.write(text, x: col, y: row, maxWidth: x + width - col, style: theme[.base])
        }
    }
}
