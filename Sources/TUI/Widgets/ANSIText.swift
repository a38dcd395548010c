import Terminal

/// A buffer as text with SGR colour escapes, for printing a chart to a terminal without
/// ncurses (`mltui plot`). Trailing blanks are dropped; each line ends with a reset.
public enum ANSIText {
    public static func render(_ buffer: Buffer) -> String {
        var out = ""
        for row in 0..<buffer.size.height {
            var lastNonBlank = -1
            for col in 0..<buffer.size.width where buffer[col, row].text != " " && !buffer[col, row].isContinuation {
                lastNonBlank = col
            }
            var current = Style.plain
            for col in 0...max(0, lastNonBlank) where lastNonBlank >= 0 {
                let cell = buffer[col, row]
                if cell.isContinuation { continue }
                if cell.style != current {
                    out += sgr(cell.style)
                    current = cell.style
                }
                out += cell.text
            }
            if current != .plain { out += "\u{1B}[0m" }
            out += "\n"
        }
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    static func sgr(_ style: Style) -> String {
        var codes = ["0"]
        if style.attributes.contains(.bold) { codes.append("1") }
        if style.attributes.contains(.dim) { codes.append("2") }
        if style.attributes.contains(.italic) { codes.append("3") }
        if style.attributes.contains(.underline) { codes.append("4") }
        if style.attributes.contains(.reverse) { codes.append("7") }
        if let fg = color(style.fg, base: 30) { codes.append(fg) }
        if let bg = color(style.bg, base: 40) { codes.append(bg) }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    private static func color(_ color: Color, base: Int) -> String? {
        switch color {
        case .default: return nil
        case .ansi(let n): return n < 8 ? String(base + Int(n)) : String(base + 60 + Int(n) - 8)
        case .indexed(let n): return "\(base + 8);5;\(n)"
        case .rgb(let r, let g, let b): return "\(base + 8);2;\(r);\(g);\(b)"
        }
    }
}
