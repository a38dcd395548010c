/// Terminal display width of text, like POSIX wcwidth but per grapheme cluster, so that a
/// column of CJK names, emoji and accented letters stays aligned.
public enum DisplayWidth {
    /// Columns a grapheme cluster occupies: 0 for lone combining marks and format characters,
    /// 2 for East Asian wide/fullwidth characters and emoji presentation sequences, 1 otherwise.
    /// Control characters report 0; callers replace them before drawing (see `sanitized`).
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if character.isASCII {
            return (first.value < 0x20 || first.value == 0x7F) ? 0 : 1
        }
        // An emoji presentation selector, a ZWJ sequence or a flag pair is drawn as one wide glyph.
        if scalars.count > 1 {
            if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
            if scalars.contains(where: { $0.value == 0x200D }) && first.properties.isEmoji { return 2 }
            if (0x1F1E6...0x1F1FF).contains(first.value) { return 2 }
        }
        return of(scalar: first)
    }

    /// wcwidth for one scalar.
    public static func of(scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) { return 0 }  // Hangul medial vowels and final consonants
        if scalar.properties.isEmojiPresentation { return 2 }
        return isEastAsianWide(v) ? 2 : 1
    }

    /// East Asian Width W and F ranges (Unicode 15, condensed).
    static func isEastAsianWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
             0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
             0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
             0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF,
             0x1B000...0x1B2FF, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F2FF,
             0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF,
             0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Columns a whole string occupies once sanitized.
    public static func of(_ text: String) -> Int {
        var total = 0
        for c in text { total += of(c) }
        return total
    }

    /// Text safe to draw on one line: newlines and tabs become spaces, other control
    /// characters become U+FFFD, so values from a store can never move the cursor.
    public static func sanitized(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            if c == "\n" || c == "\r\n" || c == "\t" || c == "\r" { out.append(" ") }
            else if let s = c.unicodeScalars.first, c.unicodeScalars.count == 1,
                    s.value < 0x20 || (0x7F..<0xA0).contains(s.value) { out.append("\u{FFFD}") }
            else { out.append(c) }
        }
        return out
    }

    /// The longest prefix of `text` fitting in `width` columns, with "…" when cut.
    public static func truncated(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        var used = 0
        var out = ""
        for c in text {
            let w = of(c)
            if used + w > width {
                // Make room for the ellipsis.
                while used + 1 > width, let last = out.popLast() { used -= of(last) }
                return out + "…"
            }
            used += w
            out.append(c)
        }
        return out
    }

    /// `text` cut or padded with spaces to exactly `width` columns.
    public static func padded(_ text: String, to width: Int, alignRight: Bool = false) -> String {
        let cut = of(text) > width ? truncated(text, to: width) : text
        let pad = String(repeating: " ", count: max(0, width - of(cut)))
        return alignRight ? pad + cut : cut + pad
    }
}
