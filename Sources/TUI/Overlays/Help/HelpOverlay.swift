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
        state.help!.cursor.clamp(count: help.lines(width: boxWidth(state.size), keys: state.keys).count, visible: max(1, state.size.height - 6))
    }

    /// `?` opens the overlay over the current context, or closes it.
    static func toggle(_ state: inout AppState) {
        state.help = state.help == nil ? HelpOverlay(context: state.keyContext) : nil
    }

    /// The box's width: as wide as the longest help wants on a wide terminal, the screen on a narrow one.
    static func boxWidth(_ size: Size) -> Int { min(110, size.width - 2) }

    /// The width of the keys column in a box `boxWidth` wide (`overlayBox` keeps 4 columns of border).
    static func keyWidth(_ boxWidth: Int) -> Int { min(26, (boxWidth - 4) / 3) }

    /// Generated from the keymap: the context's own keys, its list movement, then global keys;
    /// each help wrapped to the box (continuation lines have no keys), never cut.
    func lines(width: Int, keys: KeyTable) -> [(keys: String, help: String, isSection: Bool)] {
        let helpWidth = max(10, width - 4 - Self.keyWidth(width) - 1)
        var lines: [(String, String, Bool)] = []
        for c in [context, .global] {
            lines.append((c == .global ? "Everywhere" : "In \(c.rawValue)", "", true))
            for b in keys.bindings where b.context == c {
                for (i, part) in wrap(b.help, width: helpWidth).enumerated() {
                    lines.append((i == 0 ? (b.keys.isEmpty ? "(unbound)" : Keymap.keysLabel(b)) : "", part, false))
                }
            }
        }
        return lines
    }
}
