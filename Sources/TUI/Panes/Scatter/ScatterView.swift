import Terminal

/// The scatter pane: a title with the axes and the runs plotted, the group legend when the runs
/// table is grouped, the plot, the run under the cursor, and what was left out.
extension ScatterPane {
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let scatter = state.scatter, rect.height > 4 else { return }
        let theme = state.theme
        var title = "Scatter · y \(scatter.y.header) · x \(scatter.x.header)\(scatter.xAxis.isLog ? " (log)" : "") · \(scatter.source.scope)"
        if !scatter.groupBy.isEmpty { title += " · grouped by " + scatter.groupBy.map(\.header).joined(separator: ", ") }
        buffer.write(title, x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.pane_title_focus])
        let styles = ChartStyles.from(theme)
        var top = rect.y + 1
        if !scatter.groups.isEmpty {
            drawLegend(&buffer, scatter.groups, x: rect.x, y: top, width: rect.width, styles: styles, glyphs: state.chartGlyphs)
            top += 1
        }
        var bottom = rect.y + rect.height
        if !scatter.left.isEmpty {
            bottom -= 1
            buffer.write("not plotted: " + scatter.left.joined(separator: " · "), x: rect.x, y: bottom, maxWidth: rect.width, style: theme[.warning])
        }
        guard let cursor = scatter.cursorIndex else {
            buffer.write("no run has both \(scatter.x.header) and \(scatter.y.header) (\(state.keys.label(.xAxisPicker, in: .scatter)) and \(state.keys.label(.yAxisPicker, in: .scatter)) choose the axes)",
                         x: rect.x, y: top, maxWidth: rect.width, style: theme[.dim])
            return
        }
        bottom -= 1
        drawReadout(&buffer, scatter, scatter.points[cursor], x: rect.x, y: bottom, width: rect.width, theme: theme)
        let plot = Rect(x: rect.x, y: top, width: rect.width, height: bottom - top)
        renderScatter(&buffer, plot, scatter.points.map(\.dot), x: scatter.xAxis, y: scatter.yAxis, highlight: cursor,
                      glyphs: state.chartGlyphs, styles: styles, highlightStyle: theme[.selected])
    }

    /// "⣿ cnn 9  ⣿ mlp 9  ⣿ (none) 3": each group in its colour, cut with "+N more" when too many.
    private static func drawLegend(_ buffer: inout Buffer, _ groups: [LegendEntry], x: Int, y: Int, width: Int,
                                   styles: ChartStyles, glyphs: ChartGlyphs) {
        let end = x + width
        var x = x
        for (i, group) in groups.enumerated() {
            let entry = "\(group.label) \(group.count)  "
            let more = i + 1 < groups.count ? "+\(groups.count - i - 1) more" : ""
            if x + 2 + DisplayWidth.of(entry) + DisplayWidth.of(more) > end && !more.isEmpty {
                buffer.write("+\(groups.count - i) more", x: x, y: y, maxWidth: end - x, style: styles.dim)
                return
            }
            x += buffer.write(glyphs == .braille ? "⣿ " : "█ ", x: x, y: y, maxWidth: end - x, style: styles.series[i % styles.series.count])
            x += buffer.write(entry, x: x, y: y, maxWidth: end - x, style: styles.label)
        }
    }

    /// "◆ sweep-07 · params.lr 0.01 · metrics.f1 0.8123 · cnn · Enter: details"
    private static func drawReadout(_ buffer: inout Buffer, _ scatter: ScatterState, _ point: ScatterPoint,
                                    x: Int, y: Int, width: Int, theme: Theme) {
        let end = x + width
        var x = x
        x += buffer.write("◆", x: x, y: y, style: theme[.selected])
        x += buffer.write(" " + point.name, x: x, y: y, maxWidth: end - x, style: theme[.label])
        var text = " · \(scatter.x.header) \(point.x.text) · \(scatter.y.header) \(point.y.text)"
        if !scatter.groups.isEmpty { text += " · " + scatter.groups[point.group].label }
        buffer.write(text, x: x, y: y, maxWidth: end - x, style: theme[.base])
    }
}
