import Terminal

func renderInput(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    guard let input = state.input else { return }
    let theme = state.theme
    let prompt: String
    switch input.kind {
    case .filter, .modelFilter: prompt = "/ "
    case .command: prompt = ":"
    case .jump: prompt = "jump: "
    case .fuzzy: prompt = "fuzzy: "
    case .previewSearch: prompt = "search: "
    case .edit(let field): prompt = field.prompt
    }
    buffer.fill(x: rect.x, y: rect.y, width: rect.width, height: 1, style: theme[.input])
    let px = buffer.write(prompt, x: rect.x, y: rect.y, style: theme[.filter])
    writeEditedLine(&buffer, input.text, cursor: input.cursor, x: rect.x + px, y: rect.y, width: rect.width - px, style: theme[.input])
}

/// A line being edited, scrolled so the cursor stays visible, the cursor cell reversed. The
/// input line and the picker's query draw with it.
func writeEditedLine(_ buffer: inout Buffer, _ text: String, cursor: Int, x: Int, y: Int, width: Int, style: Style) {
    let chars = Array(text)
    let cursor = max(0, min(cursor, chars.count))
    let available = width - 1
    var start = 0
    while start < cursor, DisplayWidth.of(String(chars[start..<cursor])) > available { start += 1 }
    buffer.write(String(chars[start...]), x: x, y: y, maxWidth: available + 1, style: style)
    let cursorX = x + DisplayWidth.of(String(chars[start..<cursor]))
    if cursorX < x + width {
        var cell = buffer[cursorX, y]
        cell.style.attributes.insert(.reverse)
        if cell.isContinuation { cell = Cell(" ", style: cell.style) }
        buffer[cursorX, y] = cell
    }
}

func renderInputMessage(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    if let completions = state.input?.completions, !completions.isEmpty {
        buffer.write("  " + completions.joined(separator: "  "), x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.dim])
        return
    }
    guard let error = state.filterError else { return }
    if let column = error.column, let input = state.input {
        // Point at the offending token: prompt width + width of the text before it. The message
        // follows the caret when it fits; otherwise the footer carries it (see renderFooter).
        let before = String(input.text.prefix(max(0, column - 1)))
        let x = min(rect.width - 1, 2 + DisplayWidth.of(before))
        buffer.write("^", x: x, y: rect.y, style: theme[.error])
        let text = " " + displayedError(error)
        if x + 1 + DisplayWidth.of(text) <= rect.width {
            buffer.write(text, x: x + 1, y: rect.y, style: theme[.error])
        } else if x > DisplayWidth.of(text) {
            buffer.write(displayedError(error), x: rect.x, y: rect.y, maxWidth: x - 1, style: theme[.error])
        }
    } else {
        buffer.write("✗ " + error.message, x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.error])
    }
}

/// The grammar's message without its trailing "(column N)": the caret shows the column.
func displayedError(_ error: FilterError) -> String {
    guard error.column != nil, let range = error.message.range(of: " (column ", options: .backwards) else { return error.message }
    return String(error.message[..<range.lowerBound])
}

/// The active filter, always visible: typed text, tag chips and the fuzzy search.
