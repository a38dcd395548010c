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

extension Key {
    /// A key as a person writes it in the config file: one character (`x`, `?`), the names the
    /// help shows (`Ctrl-X`, `Enter`, `Esc`, `Tab`, `Shift-Tab`, `Space`, `Backspace`, `Delete`,
    /// `PgUp`, `PgDn`, `Home`, `End`, `F1`-`F12`, `↑`) or their ASCII forms (`Up`, `Down`,
    /// `Left`, `Right`, `PageUp`, `PageDown`, `Escape`, `Return`, `C-x`); names ignore case.
    public init?(spelling: String) {
        let text = spelling
        if text.count == 1, let c = text.first {
            switch c {
            case "↑": self = .up
            case "↓": self = .down
            case "←": self = .left
            case "→": self = .right
            default:
                guard c.isASCII ? (c.asciiValue! >= 0x21 && c.asciiValue! < 0x7F) : !c.isWhitespace else { return nil }
                self = .char(c)
            }
            return
        }
        let lower = text.lowercased()
        for prefix in ["ctrl-", "ctrl+", "c-", "^"] where lower.hasPrefix(prefix) && lower.count == prefix.count + 1 {
            let c = lower.last!
            guard c.isASCII, c.isLetter else { return nil }
            // The terminal sends these as Backspace, Tab and Enter, and they arrive as such.
            switch c {
            case "h": self = .backspace
            case "i": self = .tab
            case "j", "m": self = .enter
            default: self = .ctrl(c)
            }
            return
        }
        let named: [String: Key] = [
            "space": .char(" "), "enter": .enter, "return": .enter, "tab": .tab, "shift-tab": .backTab, "backtab": .backTab,
            "backspace": .backspace, "delete": .delete, "del": .delete, "esc": .escape, "escape": .escape,
            "up": .up, "down": .down, "left": .left, "right": .right,
            "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown, "home": .home, "end": .end,
        ]
        if let key = named[lower] { self = key; return }
        if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) { self = .function(n); return }
        return nil
    }
}

/// Everything the terminal reports.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    case resize(Size)
    case mouseClick(x: Int, y: Int)
    case wheel(x: Int, y: Int, delta: Int)
}
