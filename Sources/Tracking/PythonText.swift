/// How Python writes a value into an MLflow error message: `repr()` of a string or a float,
/// `json.dumps()` of a string (`mlflow/utils/validation.py` `invalid_value`,
/// `bad_path_message`), and `posixpath.normpath`. Messages must match MLflow's byte for byte,
/// since the server answers them and clients compare them.
public enum PythonText {
    /// Python's `len(s)`: code points, not grapheme clusters.
    public static func length(_ s: String) -> Int { s.unicodeScalars.count }

    /// Python's `s[:n]`.
    public static func prefix(_ s: String, _ n: Int) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(n)))
    }

    /// `repr(s)`: single quotes unless the text has a single quote and no double quote;
    /// non-printable characters escaped as `\n`, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`.
    public static func repr(_ s: String) -> String {
        let quote: Unicode.Scalar = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView([quote])
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\": out.append("\\"); out.append(c)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                if isPrintable(c) { out.append(c); continue }
                let (prefix, width) = c.value < 0x100 ? ("\\x", 2) : c.value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
                out.append(contentsOf: (prefix + hex(c.value, width)).unicodeScalars)
            }
        }
        out.append(quote)
        return String(out)
    }

    /// `str.isprintable()` for one character.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// `json.dumps(s)` with its defaults (`ensure_ascii=True`): everything outside printable ASCII
    /// as `\uhhhh` (surrogate pairs above the BMP).
    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value >= 0x20 && c.value < 0x7F { out.unicodeScalars.append(c); continue }
                if c.value < 0x10000 { out += "\\u" + hex(c.value, 4); continue }
                let v = c.value - 0x10000
                out += "\\u" + hex(0xD800 + (v >> 10), 4) + "\\u" + hex(0xDC00 + (v & 0x3FF), 4)
            }
        }
        return out + "\""
    }

    /// `repr(x)` of a float: the shortest round-tripping digits, in positional notation when the
    /// decimal exponent is in -4..<16, else `1e+16` / `1.5e-05`.
    public static func repr(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description has the same shortest digits; only the layout differs.
        let (negative, digits, exponent) = decompose(x.magnitude.description)
        let sign = negative || x < 0 ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent >= digits.count - 1 {
                return sign + digits + String(repeating: "0", count: exponent - digits.count + 1) + ".0"
            }
            if exponent >= 0 {
                let cut = digits.index(digits.startIndex, offsetBy: exponent + 1)
                return sign + digits[..<cut] + "." + digits[cut...]
            }
            return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let e = abs(exponent)
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }

    /// Significant digits (no leading/trailing zeros) and the decimal exponent of the first one.
    private static func decompose(_ text: String) -> (Bool, String, Int) {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(body[body.index(after: e)...]) ?? 0
            body = body[..<e]
        }
        let point = body.firstIndex(of: ".") ?? body.endIndex
        let intPart = body[..<point]
        let fracPart = point < body.endIndex ? body[body.index(after: point)...] : ""
        var all = String(intPart) + fracPart
        var firstExponent = exponent + intPart.count - 1
        while all.hasPrefix("0") { all.removeFirst(); firstExponent -= 1 }
        while all.hasSuffix("0") { all.removeLast() }
        return (negative, all.isEmpty ? "0" : all, firstExponent)
    }

    /// `posixpath.normpath(path)`.
    public static func normpath(_ path: String) -> String {
        if path.isEmpty { return "." }
        var initialSlashes = path.hasPrefix("/") ? 1 : 0
        if path.hasPrefix("//") && !path.hasPrefix("///") { initialSlashes = 2 }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty || part == "." { continue }
            if part != ".." || (initialSlashes == 0 && parts.isEmpty) || parts.last == ".." {
                parts.append(part)
            } else if !parts.isEmpty {
                parts.removeLast()
            }
        }
        let joined = String(repeating: "/", count: initialSlashes) + parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// A character Python's `re` matches with `\w` on a str: `str.isalnum()` or `_`.
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return c.properties.numericType != nil
        }
    }

    /// `re.match("^...$", s)` where the body matches each character with `allowed`: `$` also
    /// matches before one trailing newline, so Python accepts `"name\n"`.
    static func matchesAll(_ s: String, _ allowed: (Unicode.Scalar) -> Bool) -> Bool {
        var scalars = Substring(s).unicodeScalars[...]
        if scalars.last == "\n" { scalars = scalars.dropLast() }
        return scalars.allSatisfy(allowed)
    }

    private static func hex(_ v: UInt32, _ width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
