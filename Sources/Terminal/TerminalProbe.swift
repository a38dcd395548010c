import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// What the terminal named by TERM can do, read from terminfo without drawing anything: the
/// check before the UI takes the screen, and `mltui doctor`'s terminal lines.
public struct TerminalProbe: Equatable, Sendable {
    public enum Entry: Equatable, Sendable {
        /// A usable entry: colours (terminfo's `colors`, -1 when it has none), cursor
        /// addressing (`cup`) and mouse reports (`kmous`).
        case found(colors: Int, cursorAddressing: Bool, mouse: Bool)
        /// Unknown to terminfo, or a generic or hardcopy type such as `dumb`.
        case unusable
        case noDatabase
    }

    public var term: String?
    public var entry: Entry

    public static func probe(environment: [String: String]) -> TerminalProbe {
        guard let term = environment["TERM"], !term.isEmpty else { return TerminalProbe(term: nil, entry: .unusable) }
        var colors: Int32 = -1, cup: Int32 = 0, mouse: Int32 = 0
        switch mltui_terminfo(term, &colors, &cup, &mouse) {
        case 1: return TerminalProbe(term: term, entry: .found(colors: Int(colors), cursorAddressing: cup != 0, mouse: mouse != 0))
        case -1: return TerminalProbe(term: term, entry: .noDatabase)
        default: return TerminalProbe(term: term, entry: .unusable)
        }
    }

    /// Why the UI cannot draw on this terminal, or nil when it can.
    public var unusableReason: String? {
        let name = term.map { "TERM=\($0)" } ?? "TERM is not set:"
        switch entry {
        case .found(_, true, _): return nil
        case .found: return "\(name) cannot move the cursor, so the UI cannot draw; run it in a terminal such as xterm-256color, or in tmux"
        case .unusable where term == nil: return "\(name) the UI needs a terminal type; set TERM (xterm-256color in most terminals)"
        case .unusable: return "\(name) is not a terminal the UI can draw on (unknown to terminfo, or generic); set TERM=xterm-256color, or run it in tmux"
        case .noDatabase: return "no terminfo database (install ncurses-base or ncurses-term); \(name)"
        }
    }
}

/// Whether the locale asks for UTF-8 text, as `setlocale(LC_CTYPE, "")` would decide from
/// LC_ALL, LC_CTYPE and LANG (the first one set wins): `from` is "LANG=C", `variable` the
/// one to change ("LANG" when none is set).
public func localeIsUTF8(_ environment: [String: String]) -> (utf8: Bool, from: String?, variable: String) {
    for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
        if let value = environment[name], !value.isEmpty {
            let lower = value.lowercased()
            return (lower.contains("utf-8") || lower.contains("utf8"), "\(name)=\(value)", name)
        }
    }
    return (false, nil, "LANG")
}
