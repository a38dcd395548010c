import Terminal
import Tracking

extension ComparePane {
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        let theme = state.theme
        guard let view = state.compare else { return }
        paneTitle(&buffer, state, "Compare \(view.runIDs.count) runs · d: only differences \(view.onlyDifferences ? "on" : "off")"
                  + " · marked: " + RunsPane.runNames(state, view.runIDs), rect, focused: true)
        if let error = view.error {
            writeWrapped(&buffer, "error: \(error)", Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 1),
                         style: theme[.error])
            return
        }
        if view.loading {
            buffer.write("loading \(view.runIDs.count) runs…", x: rect.x + 1, y: rect.y + 1, style: theme[.dim])
            return
        }
        let keyWidth = min(30, max(16, rect.width / 5))
        let columnWidth = max(14, min(24, (rect.width - keyWidth - 1) / max(1, view.runs.count) - 1))
        let fitting = max(1, (rect.width - keyWidth - 1) / (columnWidth + 1))
        let first = min(view.firstRun, max(0, view.runs.count - 1))
        let runRange = first..<min(view.runs.count, first + fitting)
        var x = rect.x + keyWidth + 1
        for r in runRange {
            buffer.write(DisplayWidth.padded(statusGlyph(view.runs[r].info.status) + " " + view.runs[r].info.runName, to: columnWidth),
                         x: x, y: rect.y + 1, style: theme[.column_header])
            x += columnWidth + 1
        }
        buffer.write(DisplayWidth.padded(first > 0 ? "« key" : "key", to: keyWidth), x: rect.x, y: rect.y + 1, style: theme[.column_header])
        if runRange.upperBound < view.runs.count { buffer.write("»", x: rect.x + rect.width - 1, y: rect.y + 1, style: theme[.dim]) }
        let rows = compareRows(view)
        for i in 0..<max(0, rect.height - 2) {
            let index = view.cursor.top + i
            guard rows.indices.contains(index) else { break }
            let row = rows[index]
            let y = rect.y + 2 + i
            var style = row.differs ? theme[.diff] : theme[.base]
            if index == view.cursor.index { style = theme[.selected] }
            buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
            if row.isSection {
                var s = theme[.section]
                if index == view.cursor.index { s.bg = style.bg }
                buffer.write(row.key, x: rect.x, y: y, maxWidth: rect.width, style: s)
                continue
            }
            buffer.write(DisplayWidth.padded((row.differs ? "≠ " : "  ") + row.key, to: keyWidth), x: rect.x, y: y, style: style)
            var cx = rect.x + keyWidth + 1
            for r in runRange {
                buffer.write(DisplayWidth.padded(row.values[r], to: columnWidth), x: cx, y: y, style: style)
                cx += columnWidth + 1
            }
        }
    }
}
