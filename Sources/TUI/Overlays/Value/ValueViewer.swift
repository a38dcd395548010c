import Terminal

/// One paragraph of the value viewer: a value, or one entry of the message history. `prefix`
/// (a time) starts its first line; its other lines are indented to match.
struct ValueParagraph: Equatable, Sendable {
    var text: String
    var role: ThemeRole = .overlay
    var prefix = ""
}

struct ValueLine: Equatable, Sendable {
    var text: String
    var role: ThemeRole
}

/// The value viewer's state: a value (or the message history) in full, wrapped to the screen.
struct ValueViewer: Equatable, Sendable {
    var title: String
    var paragraphs: [ValueParagraph]
    /// What `y` copies: the value as stored, unwrapped.
    var copyText: String
    /// The value's length in characters, shown in the title; nil for the message history.
    var length: Int?
    /// The first line shown.
    var top = 0
    /// The paragraphs wrapped to `wrapWidth`, kept so a frame does not wrap a long value again.
    var lines: [ValueLine] = []
    var wrapWidth = 0

    init(title: String, text: String) {
        self.init(title: title, paragraphs: [ValueParagraph(text: text)], copyText: text)
        length = text.count
    }

    init(title: String, paragraphs: [ValueParagraph], copyText: String) {
        self.title = title
        self.paragraphs = paragraphs
        self.copyText = copyText
    }

    /// Wraps the paragraphs to `width` columns (newlines start new lines, tabs become spaces).
    mutating func rewrap(to width: Int) {
        guard width != wrapWidth else { return }
        wrapWidth = width
        lines = paragraphs.flatMap { paragraph -> [ValueLine] in
            let indent = String(repeating: " ", count: DisplayWidth.of(paragraph.prefix))
            let textWidth = max(1, width - indent.count)
            let rows = paragraph.text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line in
                wrap(DisplayWidth.sanitized(String(line)), width: textWidth)
            }
            return rows.enumerated().map { i, row in ValueLine(text: (i == 0 ? paragraph.prefix : indent) + row, role: paragraph.role) }
        }
    }
}

/// One message shown in the footer, kept for the history (`M`, `:messages`).
struct LoggedMessage: Equatable, Sendable {
    var time: Double
    var text: String
    var isError: Bool
    /// The same message again in a row (a refresh failing every tick) counts up instead.
    var repeats = 1
}

/// The value viewer overlay: any value in full (a details row, a compare row, the runs table's
/// selected cell) or the message history, scrolled with the list keys; `y` copies the value.
enum ValueOverlay: Slice {
    static let historyLimit = 200

    static let bindings = keyRows(.value) { t in
        t.bind([.escape, .backspace, .enter], .back, "close the viewer", footer: "close")
        t.bind([.char("y")], .copyValue, "copy the whole value", footer: "copy")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard let viewer = state.value else { return [] }
        switch command {
        case .back:
            state.value = nil
            return []
        case .copyValue:
            state.yanked.append(viewer.copyText)
            showMessage(&state, "copied \(viewer.title) (\(viewer.copyText.count) characters)")
            return [.copy(viewer.copyText)]
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard state.value != nil else { return [] }
        state.value!.top = delta > 0 ? (state.value!.top > Int.max - delta ? Int.max : state.value!.top + delta)
            : max(0, state.value!.top + delta)
        clamp(&state)
        return []
    }

    static func pageRows(_ state: AppState) -> Int { textArea(state.size).rows }

    static func clamp(_ state: inout AppState) {
        guard state.value != nil else { return }
        let area = textArea(state.size)
        state.value!.rewrap(to: area.width)
        state.value!.top = max(0, min(state.value!.top, state.value!.lines.count - area.rows))
    }

    /// The text area inside the viewer's box: the screen less a border and a margin.
    static func textArea(_ size: Size) -> (width: Int, rows: Int) {
        (max(1, size.width - 6), max(1, size.height - 4))
    }

    static func open(_ state: inout AppState, title: String, text: String) -> [Effect] {
        state.value = ValueViewer(title: title, text: text)
        clamp(&state)
        return []
    }

    /// The message history, oldest first, scrolled to the newest.
    static func showMessages(_ state: inout AppState) {
        let log = state.messageLog
        let paragraphs = log.isEmpty ? [ValueParagraph(text: "no messages yet", role: .dim)] : log.map { entry in
            ValueParagraph(text: entry.text + (entry.repeats > 1 ? " (×\(entry.repeats))" : ""), role: entry.isError ? .error : .overlay,
                           prefix: clockTime(entry.time, utcOffset: state.utcOffset) + (entry.isError ? " ✗ " : "   "))
        }
        let copy = log.map { "\(clockTime($0.time, utcOffset: state.utcOffset)) \($0.isError ? "error: " : "")\($0.text)" }
        state.value = ValueViewer(title: "Messages (\(log.count))", paragraphs: paragraphs, copyText: copy.joined(separator: "\n"))
        state.value!.top = Int.max / 2
        clamp(&state)
    }

    /// "14:03:22": the time of day a message was shown.
    static func clockTime(_ seconds: Double, utcOffset: Int) -> String {
        String(formatAbsolute(Int64(seconds * 1000), utcOffset: utcOffset).suffix(8))
    }

    /// Records a message in the history: the newest last, at most `historyLimit`.
    static func log(_ state: inout AppState, _ text: String, isError: Bool) {
        if var last = state.messageLog.last, last.text == text, last.isError == isError {
            last.repeats += 1
            last.time = state.now
            state.messageLog[state.messageLog.count - 1] = last
            return
        }
        state.messageLog.append(LoggedMessage(time: state.now, text: text, isError: isError))
        if state.messageLog.count > historyLimit { state.messageLog.removeFirst(state.messageLog.count - historyLimit) }
    }
}
