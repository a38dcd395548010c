import Terminal

private let loadingFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/// The chart pane: a title with the metric, scale and load progress, then the line chart.
extension ChartPane {
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let chart = state.chart, rect.height > 1 else { return }
        let theme = state.theme
        let runs = "\(chart.runIDs.count) run\(chart.runIDs.count == 1 ? "" : "s")"
        var title = "Chart · \(chart.key) · \(chart.isGrouped ? chart.groupsSummary : runs) · x \(chart.transform.xMode.rawValue)"
        if chart.transform.logY { title += " · log" }
        if chart.transform.smoothing > 0 { title += " · smoothing \(chart.transform.smoothing)" }
        if chart.xRange != nil { title += " · zoomed" }
        if chart.isGrouped {
            title += (chart.marked ? " · of the marked runs" : "") + (chart.showMembers ? " · members shown" : "")
        } else {
            title += (chart.marked ? " · marked: " : " · selected: ") + chart.runIDs.map { chart.runNames[$0] ?? $0 }.joined(separator: ", ")
        }
        var x = buffer.write(title, x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.pane_title_focus])
        if chart.isLoading {
            let done = chart.runIDs.count - chart.pending.count
            let progress = " \(loadingFrames[state.spinnerFrame % loadingFrames.count]) loading \(done)/\(chart.runIDs.count) runs · \(chart.loadedPoints) points"
            x += buffer.write(progress, x: rect.x + x, y: rect.y, maxWidth: rect.width - x, style: theme[.warning])
        }
        var body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        for id in chart.runIDs {
            guard let error = chart.errors[id], body.height > 5 else { continue }
            buffer.write("✗ \(chart.runNames[id] ?? id): \(error)", x: body.x, y: body.y, maxWidth: body.width, style: theme[.error])
            body = Rect(x: body.x, y: body.y + 1, width: body.width, height: body.height - 1)
        }
        let series = chart.prepared
        if series.isEmpty {
            let text = chart.isLoading ? "loading \(chart.key) for \(chart.runIDs.count) runs…" : "no history for \(chart.key)"
            buffer.write(text, x: body.x + 1, y: body.y, maxWidth: body.width - 1, style: theme[.dim])
            return
        }
        let options = LineChartOptions(transform: chart.transform, xRange: chart.xRange, cursor: chart.cursor,
                                       glyphs: chart.glyphs, utcOffset: state.utcOffset, now: state.now)
        if chart.isGrouped {
            renderBandChart(&buffer, body, chart.bands, members: chart.memberLines, options, ChartStyles.from(theme))
        } else {
            renderLineChart(&buffer, body, series, options, ChartStyles.from(theme))
        }
    }
}
