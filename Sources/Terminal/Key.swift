/// A decoded key press; what the keymap binds.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, tab, backTab, backspace, delete, escape
    case function(Int)

    /// The spelling used in the keymap's help and the README table.
    public var description: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "Ctrl-\(c.uppercased())"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Delete"
        case .escape: return "Esc"
        case .function(let n): return "F\(n)"
        }
    }
}

/// Everything the terminal reports.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    case resize(Size)
    case mouseClick(x: Int, y: Int)
    case wheel(x: Int, y: Int, delta: Int)
}
