import Terminal

/// The `?` overlay: the keys of the context it was opened over, then the global ones.
struct HelpOverlay: Equatable, Sendable, Slice {
    /// The context under the overlay, whose keys it lists.
    var context: KeyContext
    var cursor = ListCursor()

    static let bindings = keyRows(.help) { t in
        t.bind([.escape], .back, "close help", footer: "close")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        if command == .back { state.help = nil }
        return []
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.help, \.cursor, by: delta)
    }

    static func clamp(_ state: inout AppState) {
        guard let help = state.help else { return }
        state.help!.cursor.clamp(count: help.lines.count, visible: max(1, state.size.height - 6))
    }

    /// `?` opens the overlay over the current context, or closes it.
    static func toggle(_ state: inout AppState) {
        state.help = state.help == nil ? HelpOverlay(context: state.keyContext) : nil
    }

    /// Generated from the keymap: the context's own keys, its list movement, then global keys.
    var lines: [(keys: String, help: String, isSection: Bool)] {
        var lines: [(String, String, Bool)] = []
        for c in [context, .global] {
            lines.append((c == .global ? "Everywhere" : "In \(c.rawValue)", "", true))
            for b in Keymap.bindings where b.context == c { lines.append((Keymap.keysLabel(b), b.help, false)) }
        }
        return lines
    }
}
