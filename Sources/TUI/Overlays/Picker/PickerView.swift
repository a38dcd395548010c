import Terminal

extension PickerOverlay {
    static func render(_ buffer: inout Buffer, _ state: AppState) {
        guard let picker = state.picker else { return }
        let theme = state.theme
        let items = picker.visibleItems
        let rect = overlayBox(&buffer, state, width: 64, height: max(6, min(items.count, 30) + 4), title: picker.title)
        let px = buffer.write("› ", x: rect.x, y: rect.y, style: theme[.input])
        let hidden = picker.hiddenSystemMetrics
        let hint = hidden == 0 ? "" : " \(hidden) system metric\(hidden == 1 ? "" : "s"): type sys"
        writeEditedLine(&buffer, picker.query, cursor: picker.queryCursor, x: rect.x + px, y: rect.y,
                        width: rect.width - px - DisplayWidth.of(hint), style: theme[.input])
        buffer.write(hint, x: rect.x + rect.width - DisplayWidth.of(hint), y: rect.y, style: theme[.dim])
        if items.isEmpty {
            buffer.write(picker.items.isEmpty ? "nothing in the loaded runs" : "no match", x: rect.x, y: rect.y + 1, style: theme[.dim])
            return
        }
        let rows = rect.height - 1
        let top = min(picker.cursor.top, max(0, items.count - rows))
        let topIndex = picker.cursor.index >= top + rows ? picker.cursor.index - rows + 1 : top
        for i in 0..<max(0, rows) {
            let index = topIndex + i
            guard items.indices.contains(index) else { break }
            let item = items[index]
            let style = index == picker.cursor.index ? theme[.selected] : theme[.overlay]
            var check = picker.purpose == .column || picker.purpose == .parallelAxes ? (item.checked ? "[x] " : "[ ] ") : ""
            var count = String(item.count)
            if picker.purpose == .groupKey {
                check = RunsPane.groupKeyMark(state, item)
                count = "\(item.count) value\(item.count == 1 ? "" : "s")"
            }
            buffer.fill(x: rect.x, y: rect.y + 1 + i, width: rect.width, height: 1, style: style)
            buffer.write(DisplayWidth.padded(check + item.label, to: rect.width - count.count - 1), x: rect.x, y: rect.y + 1 + i, style: style)
            buffer.write(count, x: rect.x + rect.width - count.count, y: rect.y + 1 + i, style: style)
        }
    }
}
