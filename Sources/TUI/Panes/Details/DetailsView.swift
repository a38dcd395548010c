import Terminal
import Tracking

extension DetailsPane {
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        let theme = state.theme
        guard let details = state.details else { return }
        let name = details.run?.info.runName ?? details.runID
        let trail = backTrail(state)
        paneTitle(&buffer, state, "Run details · \(name)\(trail)", rect, focused: true)
        if let error = details.error {
            writeWrapped(&buffer, "error: \(error)", Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 1),
                         style: theme[.error])
            return
        }
        if details.run == nil {
            buffer.write("loading run \(details.runID)…", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.dim])
            return
        }
        renderDetailLines(&buffer, state, DetailsPane.lines(state, width: rect.width), cursor: details.cursor, rect)
    }
}

/// " · 2 back" in a page's title: how many pages Esc walks back through.
func backTrail(_ state: AppState) -> String {
    state.detailsStack.isEmpty ? "" : " · \(state.detailsStack.count) back"
}

/// Sections, fields and links under a pane's title, the cursor's line highlighted: the run
/// details and the model pages draw their lines with it.
/// `jumpHints`: the number keys of sections at the right of their headings (the run details bind them).
func renderDetailLines(_ buffer: inout Buffer, _ state: AppState, _ lines: [DetailLine], cursor: ListCursor, _ rect: Rect,
                       jumpHints: Bool = true) {
    let theme = state.theme
    let labelWidth = min(32, max(12, rect.width / 4))
    for i in 0..<max(0, rect.height - 1) {
        let index = cursor.top + i
        guard lines.indices.contains(index) else { break }
        let line = lines[index]
        let y = rect.y + 1 + i
        let isCursor = index == cursor.index
        let rowStyle = isCursor ? theme[.selected] : theme[.base]
        buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: rowStyle)
        if line.isSection {
            var style = theme[.section]
            if isCursor { style.bg = rowStyle.bg }
            buffer.write(line.label, x: rect.x, y: y, maxWidth: rect.width, style: style)
            if jumpHints, let key = line.heading?.jumpKey, rect.width > DisplayWidth.of(line.label) + 4 {
                var hint = theme[.dim]
                if isCursor { hint.bg = rowStyle.bg }
                buffer.write(String(key), x: rect.x + rect.width - 2, y: y, style: hint)
            }
            continue
        }
        if let spans = line.spans {
            var x = rect.x + 2
            for span in spans where x < rect.x + rect.width - 1 {
                var style = isCursor ? rowStyle : theme[span.role]
                style.attributes.formUnion(span.attributes)
                x += buffer.write(span.text, x: x, y: y, maxWidth: rect.x + rect.width - 1 - x, style: style)
            }
            continue
        }
        var labelStyle = line.role == .dim ? theme[.dim] : theme[.label]
        var valueStyle = theme[line.role]
        if isCursor { labelStyle = rowStyle; valueStyle = rowStyle }
        buffer.write(DisplayWidth.padded(line.label, to: labelWidth), x: rect.x + 2, y: y, style: labelStyle)
        let valueWidth = rect.width - labelWidth - 3
        buffer.write(line.isPath ? middleElided(line.value, to: valueWidth) : line.value, x: rect.x + 3 + labelWidth, y: y,
                     maxWidth: valueWidth, style: valueStyle)
    }
}
