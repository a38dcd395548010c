import Terminal

extension ExperimentsPane {
    /// The list with each experiment's run count and last activity.
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        let theme = state.theme
        let list = state.experiments
        let visible = list.visible
        let focused = state.pane == .experiments
        let hidden = list.rows.count - visible.count
        let hiddenNote = hidden > 0 && rect.width >= 36 ? " · \(hidden) deleted hidden" : ""
        paneTitle(&buffer, state, "Experiments (\(visible.count))\(hiddenNote)", rect, focused: focused)
        if list.loading && list.rows.isEmpty {
            buffer.write("loading…", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.dim])
            return
        }
        let showLast = rect.width >= 34
        let countWidth = 6
        let lastWidth = showLast ? 9 : 0
        let nameWidth = rect.width - countWidth - lastWidth - 1
        for i in 0..<max(0, rect.height - 1) {
            let index = list.cursor.top + i
            guard visible.indices.contains(index) else { break }
            let row = visible[index]
            let y = rect.y + 1 + i
            let isCursor = index == list.cursor.index
            let isOpen = row.experiment.experimentID == state.table.experimentID
            var style = row.experiment.lifecycleStage == .deleted ? theme[.dim] : theme[.base]
            if isCursor { style = focused ? theme[.selected] : theme[.selected_inactive] }
            buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
            let name = (isOpen ? "▸" : " ") + row.experiment.name + (row.experiment.lifecycleStage == .deleted ? " (deleted)" : "")
            buffer.write(DisplayWidth.padded(name, to: nameWidth), x: rect.x, y: y, style: style)
            let count = row.runCount.map(String.init) ?? "…"
            buffer.write(DisplayWidth.padded(count, to: countWidth, alignRight: true), x: rect.x + nameWidth, y: y, style: style)
            if showLast {
                let last = (row.lastActivity ?? row.experiment.lastUpdateTime).map { formatRelative($0, now: state.now) } ?? "-"
                buffer.write(DisplayWidth.padded(last.replacingOccurrences(of: " ago", with: ""), to: lastWidth, alignRight: true),
                             x: rect.x + nameWidth + countWidth, y: y, style: isCursor ? style : theme[.dim])
            }
        }
    }
}
