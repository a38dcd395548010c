import Foundation

/// A value of a meta.yaml file as MLflow's file store writes it.
enum YAMLValue: Equatable {
    case string(String)
    case int(Int64)
    case null
    /// `tags: []`, the empty list run meta.yaml files keep for old readers.
    case emptyList
    case mapping([String: YAMLValue])

    static func optional(_ text: String?) -> YAMLValue { text.map(YAMLValue.string) ?? .null }
    static func optional(_ number: Int64?) -> YAMLValue { number.map(YAMLValue.int) ?? .null }
}

/// Writes a mapping byte for byte as MLflow's `yaml_utils.write_yaml` does: PyYAML's
/// `yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True,
/// Dumper=CSafeDumper)`, i.e. libyaml's emitter (`emitter.c`: `yaml_emitter_analyze_scalar`,
/// `yaml_emitter_select_scalar_style`, the plain/single/double-quoted writers that fold long
/// lines at 80 columns) with PyYAML's resolver deciding which strings must be quoted.
struct YAMLEmitter {
    private var out = String.UnicodeScalarView()
    private var column = 0
    private var whitespace = true
    private var indention = true
    private static let bestWidth = 80

    static func document(_ mapping: [String: YAMLValue]) -> String {
        var emitter = YAMLEmitter()
        emitter.mapping(mapping, indent: 0)
        return String(emitter.out)
    }

    private mutating func mapping(_ mapping: [String: YAMLValue], indent: Int) {
        // PyYAML sorts keys as Python compares str: by code point.
        for key in mapping.keys.sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }) {
            writeIndent(indent)
            scalar(key, indent: indent + 2, simpleKey: true)
            put(":")
            whitespace = false
            switch mapping[key]! {
            case .string(let text): scalar(text, indent: indent + 2, simpleKey: false)
            case .int(let number): plain(String(number), indent: indent + 2)
            case .null: plain("null", indent: indent + 2)
            case .emptyList: plain("[]", indent: indent + 2)
            case .mapping(let inner) where inner.isEmpty: plain("{}", indent: indent + 2)
            case .mapping(let inner): self.mapping(inner, indent: indent + 2)
            }
        }
        if indent == 0 { putBreak() }
    }

    // MARK: writing

    private mutating func put(_ text: String) {
        for s in text.unicodeScalars { out.append(s); column += 1 }
    }

    private mutating func put(_ s: Unicode.Scalar) { out.append(s); column += 1 }

    private mutating func putBreak() {
        out.append("\n")
        column = 0
    }

    /// `yaml_emitter_write_indent`.
    private mutating func writeIndent(_ indent: Int) {
        if !indention || column > indent || (column == indent && !whitespace) { putBreak() }
        while column < indent { put(" ") }
        whitespace = true
        indention = true
    }

    private mutating func scalar(_ text: String, indent: Int, simpleKey: Bool) {
        let analysis = ScalarAnalysis(text)
        var style = Style.plain
        if simpleKey && analysis.multiline { style = .double }
        if style == .plain {
            if !analysis.blockPlainAllowed || (text.isEmpty && simpleKey) || !YAMLResolver.isPlainString(text) {
                style = .single
            }
        }
        if style == .single && !analysis.singleQuotedAllowed { style = .double }
        switch style {
        case .plain: plain(text, indent: indent, allowBreaks: !simpleKey)
        case .single: singleQuoted(text, indent: indent, allowBreaks: !simpleKey)
        case .double: doubleQuoted(text, indent: indent, allowBreaks: !simpleKey)
        }
    }

    private enum Style { case plain, single, double }

    /// `yaml_emitter_write_plain`.
    private mutating func plain(_ text: String, indent: Int, allowBreaks: Bool = true) {
        if !whitespace && !text.isEmpty { put(" ") }
        let scalars = Array(text.unicodeScalars)
        var spaces = false
        for (i, s) in scalars.enumerated() {
            if s == " " {
                let nextIsSpace = i + 1 < scalars.count && scalars[i + 1] == " "
                if allowBreaks && !spaces && column > Self.bestWidth && !nextIsSpace {
                    writeIndent(indent)
                } else {
                    put(s)
                }
                spaces = true
            } else {
                put(s)
                indention = false
                spaces = false
            }
        }
        whitespace = false
        indention = false
    }

    /// `yaml_emitter_write_single_quoted`.
    private mutating func singleQuoted(_ text: String, indent: Int, allowBreaks: Bool) {
        if !whitespace { put(" ") }
        put("'")
        let scalars = Array(text.unicodeScalars)
        var spaces = false, breaks = false
        for (i, s) in scalars.enumerated() {
            if s == " " {
                let nextIsSpace = i + 1 < scalars.count && scalars[i + 1] == " "
                if allowBreaks && !spaces && column > Self.bestWidth && i != 0 && i != scalars.count - 1 && !nextIsSpace {
                    writeIndent(indent)
                } else {
                    put(s)
                }
                spaces = true
            } else if ScalarAnalysis.isBreak(s) {
                if !breaks && s == "\n" { putBreak() }
                if s == "\n" { putBreak() } else { out.append(s); column = 0 }
                indention = true
                breaks = true
            } else {
                if breaks { writeIndent(indent) }
                if s == "'" { put("'") }
                put(s)
                indention = false
                spaces = false
                breaks = false
            }
        }
        if breaks { writeIndent(indent) }
        put("'")
        whitespace = false
        indention = false
    }

    /// `yaml_emitter_write_double_quoted`.
    private mutating func doubleQuoted(_ text: String, indent: Int, allowBreaks: Bool) {
        if !whitespace { put(" ") }
        put("\"")
        let scalars = Array(text.unicodeScalars)
        var spaces = false
        for (i, s) in scalars.enumerated() {
            if !ScalarAnalysis.isPrintable(s) || s.value == 0xFEFF || ScalarAnalysis.isBreak(s) || s == "\"" || s == "\\" {
                put(Self.escape(s))
                spaces = false
            } else if s == " " {
                if allowBreaks && !spaces && column > Self.bestWidth && i != 0 && i != scalars.count - 1 {
                    writeIndent(indent)
                    if i + 1 < scalars.count && scalars[i + 1] == " " { put("\\") }
                } else {
                    put(s)
                }
                spaces = true
            } else {
                put(s)
                spaces = false
            }
        }
        put("\"")
        whitespace = false
        indention = false
    }

    private static func escape(_ s: Unicode.Scalar) -> String {
        switch s.value {
        case 0x00: return "\\0"
        case 0x07: return "\\a"
        case 0x08: return "\\b"
        case 0x09: return "\\t"
        case 0x0A: return "\\n"
        case 0x0B: return "\\v"
        case 0x0C: return "\\f"
        case 0x0D: return "\\r"
        case 0x1B: return "\\e"
        case 0x22: return "\\\""
        case 0x5C: return "\\\\"
        case 0x85: return "\\N"
        case 0xA0: return "\\_"
        case 0x2028: return "\\L"
        case 0x2029: return "\\P"
        default:
            let hex = String(s.value, radix: 16, uppercase: true)
            let (prefix, width) = s.value <= 0xFF ? ("x", 2) : s.value <= 0xFFFF ? ("u", 4) : ("U", 8)
            return "\\" + prefix + String(repeating: "0", count: max(0, width - hex.count)) + hex
        }
    }
}

/// `yaml_emitter_analyze_scalar`: which styles can hold a string unchanged.
private struct ScalarAnalysis {
    var multiline = false
    var blockPlainAllowed = true
    var singleQuotedAllowed = true

    static func isBreak(_ s: Unicode.Scalar) -> Bool {
        s == "\r" || s == "\n" || s.value == 0x85 || s.value == 0x2028 || s.value == 0x2029
    }

    static func isBlankOrEnd(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return true }
        return s == " " || s == "\t" || isBreak(s) || s.value == 0
    }

    /// libyaml's `IS_PRINTABLE`.
    static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v == 0x0A || (0x20...0x7E).contains(v) || (0xA0...0xD7FF).contains(v)
            || ((0xE000...0xFFFD).contains(v) && v != 0xFEFF)
    }

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return }
        var blockIndicators = text.hasPrefix("---") || text.hasPrefix("...")
        var leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false
        var breakSpace = false, spaceBreak = false, special = false, lineBreaks = false
        var previousSpace = false, previousBreak = false
        var precededByWhitespace = true
        for (i, s) in scalars.enumerated() {
            let followedByWhitespace = Self.isBlankOrEnd(i + 1 < scalars.count ? scalars[i + 1] : nil)
            if i == 0 {
                if "#,[]{}&*!|>'\"%@`".unicodeScalars.contains(s) { blockIndicators = true }
                if (s == "?" || s == ":") && followedByWhitespace { blockIndicators = true }
                if s == "-" && followedByWhitespace { blockIndicators = true }
            } else {
                if s == ":" && followedByWhitespace { blockIndicators = true }
                if s == "#" && precededByWhitespace { blockIndicators = true }
            }
            if !Self.isPrintable(s) { special = true }
            if Self.isBreak(s) { lineBreaks = true }
            if s == " " {
                if i == 0 { leadingSpace = true }
                if i == scalars.count - 1 { trailingSpace = true }
                if previousBreak { breakSpace = true }
                previousSpace = true
                previousBreak = false
            } else if Self.isBreak(s) {
                if i == 0 { leadingBreak = true }
                if i == scalars.count - 1 { trailingBreak = true }
                if previousSpace { spaceBreak = true }
                previousSpace = false
                previousBreak = true
            } else {
                previousSpace = false
                previousBreak = false
            }
            precededByWhitespace = Self.isBlankOrEnd(s)
        }
        multiline = lineBreaks
        if leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators {
            blockPlainAllowed = false
        }
        if breakSpace || spaceBreak || special {
            blockPlainAllowed = false
            singleQuotedAllowed = false
        }
    }
}

/// PyYAML's implicit resolvers (`yaml/resolver.py`, YAML 1.1): a plain scalar that would read
/// back as a bool, int, float, null, timestamp, merge or value key must be quoted.
enum YAMLResolver {
    private static let patterns: [(first: String, regex: NSRegularExpression)] = [
        ("yYnNtTfFoO", "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"),
        ("-+0123456789.", "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"),
        ("-+0123456789", "^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"),
        ("<", "^(?:<<)$"),
        ("~nN", "^(?:~|null|Null|NULL|)$"),
        ("0123456789", "^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"),
        ("=", "^(?:=)$"),
        ("!&*", "^(?:!|&|\\*)$"),
    ].map { ($0.0, try! NSRegularExpression(pattern: $0.1)) }

    static func isPlainString(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }  // "" reads as null
        let range = NSRange(text.startIndex..., in: text)
        for (firsts, regex) in patterns where firsts.unicodeScalars.contains(first) {
            if regex.firstMatch(in: text, range: range) != nil { return false }
        }
        return true
    }
}
