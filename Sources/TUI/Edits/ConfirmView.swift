import Terminal

extension Edits {
    /// The confirmation box over the screen: the question, wrapped, and how to answer it.
    static func renderConfirm(_ buffer: inout Buffer, _ state: AppState) {
        guard let confirm = state.confirm else { return }
        let hint = "y: yes · any other key: no, nothing changes"
        let width = min(state.size.width - 2, max(DisplayWidth.of(confirm.question), DisplayWidth.of(hint)) + 4)
        let lines = wrap(DisplayWidth.sanitized(confirm.question), width: width - 4)
        let title = confirm.question.hasPrefix("Delete") ? "Delete" : "Restore"
        let rect = overlayBox(&buffer, state, width: width, height: lines.count + 4, title: title)
        for (i, line) in lines.prefix(max(0, rect.height - 2)).enumerated() {
            buffer.write(line, x: rect.x, y: rect.y + i, maxWidth: rect.width, style: state.theme[.warning])
        }
        buffer.write(hint, x: rect.x, y: rect.y + rect.height - 1, maxWidth: rect.width, style: state.theme[.dim])
    }
}
