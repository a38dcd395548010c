/// A reader for exactly the YAML that PyYAML's `safe_dump(default_flow_style=False)` writes for
/// MLflow's meta.yaml files (`mlflow/utils/yaml_utils.py` `write_yaml`): a block mapping (sorted
/// keys) of plain, single-quoted and double-quoted scalars (possibly folded over indented
/// continuation lines), `{}` / `[]`, and nested block mappings or sequences (the `tags:` of an
/// input meta.yaml). A full YAML library is avoided on purpose: 10k run meta files must read fast.
enum YAMLNode: Equatable, Sendable {
    enum Style: Sendable { case plain, singleQuoted, doubleQuoted }
    case scalar(String, Style)
    case mapping([String: YAMLNode])
    case sequence([YAMLNode])

    /// The scalar as text; nil for YAML null (`null`, `~`, empty plain) and for collections.
    var string: String? {
        guard case .scalar(let text, let style) = self else { return nil }
        if style == .plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL") {
            return nil
        }
        return text
    }

    /// A plain integer scalar (PyYAML's int resolver also allows `_` separators and a sign).
    var int64: Int64? {
        guard case .scalar(let text, .plain) = self else { return nil }
        if let value = Int64(text) { return value }
        return Int64(text.replacingOccurrences(of: "_", with: ""))
    }

    var mapping: [String: YAMLNode]? {
        if case .mapping(let map) = self { return map }
        return nil
    }
}

struct YAMLError: Error, CustomStringConvertible {
    var message: String
    var line: Int
    var description: String { "line \(line): \(message)" }
}

enum MetaYAML {
    /// Parses a whole meta.yaml. An empty (or whitespace-only) document is an error: it is what
    /// a half-written file looks like, and MLflow cannot read it either.
    static func parse(_ bytes: [UInt8]) throws -> [String: YAMLNode] {
        var scanner = YAMLScanner(bytes: bytes)
        return try scanner.document()
    }

    static func parse(_ text: String) throws -> [String: YAMLNode] {
        try parse(Array(text.utf8))
    }
}

private let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r"), colon = UInt8(ascii: ":"), hash = UInt8(ascii: "#")
private let squote = UInt8(ascii: "'"), dquote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
private let dash = UInt8(ascii: "-")

private struct YAMLScanner {
    let bytes: [UInt8]
    var pos = 0

    init(bytes: [UInt8]) {
        // Normalise CRLF so the rest only deals with "\n" (a file edited on Windows).
        self.bytes = bytes.contains(cr) ? bytes.filter { $0 != cr } : bytes
    }

    var line: Int { bytes[..<min(pos, bytes.count)].reduce(1) { $1 == newline ? $0 + 1 : $0 } }

    func fail(_ message: String) -> YAMLError { YAMLError(message: message, line: line) }

    mutating func document() throws -> [String: YAMLNode] {
        skipBlankLines()
        if pos < bytes.count, bytes[pos...].starts(with: Array("---".utf8)) {
            pos += 3
            skipRestOfLine()
            skipBlankLines()
        }
        guard pos < bytes.count else { throw fail("empty document") }
        if bytes[pos...].starts(with: Array("{}".utf8)) {
            pos += 2
            try expectEndOfLine()
            return [:]
        }
        guard indentAt(pos) == 0 else { throw fail("document does not start at column 0") }
        let map = try mapping(indent: 0)
        skipBlankLines()
        if pos < bytes.count, bytes[pos...].starts(with: Array("...".utf8)) { pos = bytes.count }
        guard pos >= bytes.count else { throw fail("unexpected indentation") }
        return map
    }

    // MARK: lines

    func indentAt(_ start: Int) -> Int {
        var i = start
        while i < bytes.count && bytes[i] == space { i += 1 }
        return i - start
    }

    /// Skips empty, whitespace-only and comment lines; `pos` ends at the start of a content line.
    mutating func skipBlankLines() {
        while pos < bytes.count {
            var i = pos
            while i < bytes.count && (bytes[i] == space || bytes[i] == tab) { i += 1 }
            if i >= bytes.count { pos = i; return }
            if bytes[i] == newline { pos = i + 1; continue }
            if bytes[i] == hash { pos = i; skipRestOfLine(); continue }
            return
        }
    }

    mutating func skipRestOfLine() {
        while pos < bytes.count && bytes[pos] != newline { pos += 1 }
        if pos < bytes.count { pos += 1 }
    }

    /// After a value only spaces and a comment may follow on the line.
    mutating func expectEndOfLine() throws {
        while pos < bytes.count && (bytes[pos] == space || bytes[pos] == tab) { pos += 1 }
        if pos < bytes.count && bytes[pos] == hash { skipRestOfLine(); return }
        if pos < bytes.count && bytes[pos] != newline { throw fail("unexpected text after value") }
        if pos < bytes.count { pos += 1 }
    }

    // MARK: collections

    mutating func mapping(indent: Int) throws -> [String: YAMLNode] {
        var map: [String: YAMLNode] = [:]
        while true {
            skipBlankLines()
            guard pos < bytes.count else { return map }
            let lineIndent = indentAt(pos)
            if lineIndent < indent { return map }
            guard lineIndent == indent else { throw fail("unexpected indentation") }
            pos += lineIndent
            if bytes[pos] == dash, pos + 1 >= bytes.count || bytes[pos + 1] == space || bytes[pos + 1] == newline {
                // A sequence item at this indent belongs to the parent key; not ours.
                pos -= lineIndent
                return map
            }
            if bytes[pos] == UInt8(ascii: "?"), pos + 1 < bytes.count, bytes[pos + 1] == space || bytes[pos + 1] == newline {
                // PyYAML writes keys of 128+ characters as `? key` / `: value`.
                pos += 1
                while pos < bytes.count && bytes[pos] == space { pos += 1 }
                guard case .scalar(let key, _) = try inlineValue(parentIndent: indent) else { throw fail("unsupported complex key") }
                skipBlankLines()
                guard pos + indent < bytes.count, indentAt(pos) == indent, bytes[pos + indent] == colon else {
                    throw fail("expected ':' after a complex key")
                }
                pos += indent + 1
                map[key] = try value(parentIndent: indent)
                continue
            }
            let key = try mappingKey()
            map[key] = try value(parentIndent: indent)
        }
    }

    mutating func mappingKey() throws -> String {
        let key: String
        if bytes[pos] == squote || bytes[pos] == dquote {
            key = try quoted(parentIndent: 0)
            guard pos < bytes.count, bytes[pos] == colon else { throw fail("expected ':' after key") }
            pos += 1
        } else {
            let start = pos
            while pos < bytes.count && bytes[pos] != newline {
                if bytes[pos] == colon && (pos + 1 == bytes.count || bytes[pos + 1] == space || bytes[pos + 1] == newline) { break }
                pos += 1
            }
            guard pos < bytes.count, bytes[pos] == colon else { throw fail("expected 'key: value'") }
            key = String(decoding: trimTrailingSpaces(bytes[start..<pos]), as: UTF8.self)
            pos += 1
        }
        return key
    }

    /// The value after `key:`; `pos` is just after the colon.
    mutating func value(parentIndent: Int) throws -> YAMLNode {
        while pos < bytes.count && (bytes[pos] == space || bytes[pos] == tab) { pos += 1 }
        if pos >= bytes.count || bytes[pos] == newline || bytes[pos] == hash {
            skipRestOfLine()
            // Nothing on the line: a nested block mapping or sequence, or null.
            let save = pos
            skipBlankLines()
            guard pos < bytes.count else { return .scalar("", .plain) }
            let next = indentAt(pos)
            let first = bytes[pos + next]
            let isItem = first == dash && (pos + next + 1 >= bytes.count || bytes[pos + next + 1] == space || bytes[pos + next + 1] == newline)
            if isItem && next >= parentIndent { return .sequence(try sequence(indent: next)) }
            if next > parentIndent { return .mapping(try mapping(indent: next)) }
            pos = save
            return .scalar("", .plain)
        }
        return try inlineValue(parentIndent: parentIndent)
    }

    mutating func inlineValue(parentIndent: Int) throws -> YAMLNode {
        let node: YAMLNode
        switch bytes[pos] {
        case squote:
            node = .scalar(try quoted(parentIndent: parentIndent), .singleQuoted)
        case dquote:
            node = .scalar(try quoted(parentIndent: parentIndent), .doubleQuoted)
        case UInt8(ascii: "{") where bytes[pos...].starts(with: Array("{}".utf8)):
            pos += 2
            node = .mapping([:])
        case UInt8(ascii: "[") where bytes[pos...].starts(with: Array("[]".utf8)):
            pos += 2
            node = .sequence([])
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            throw fail("block scalars are not supported")
        default:
            return .scalar(plain(parentIndent: parentIndent), .plain)  // consumes its line end
        }
        try expectEndOfLine()
        return node
    }

    mutating func sequence(indent: Int) throws -> [YAMLNode] {
        var items: [YAMLNode] = []
        while true {
            skipBlankLines()
            guard pos < bytes.count, indentAt(pos) == indent else { return items }
            let itemStart = pos + indent
            guard bytes[itemStart] == dash,
                  itemStart + 1 >= bytes.count || bytes[itemStart + 1] == space || bytes[itemStart + 1] == newline else { return items }
            pos = itemStart + 1
            while pos < bytes.count && bytes[pos] == space { pos += 1 }
            if pos >= bytes.count || bytes[pos] == newline {
                skipRestOfLine()
                items.append(.scalar("", .plain))
            } else {
                items.append(try inlineValue(parentIndent: indent))
            }
        }
    }

    // MARK: scalars

    func trimTrailingSpaces(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = slice.endIndex
        while end > slice.startIndex && (slice[end - 1] == space || slice[end - 1] == tab) { end -= 1 }
        return slice[slice.startIndex..<end]
    }

    /// A plain scalar, folded over continuation lines indented deeper than its key
    /// (a single line break becomes a space, each further empty line a newline).
    mutating func plain(parentIndent: Int) -> String {
        var out: [UInt8] = []
        while true {
            // One line's worth: up to the end of line or a " #" comment.
            let start = pos
            while pos < bytes.count && bytes[pos] != newline {
                if bytes[pos] == hash && pos > start && (bytes[pos - 1] == space || bytes[pos - 1] == tab) { break }
                pos += 1
            }
            out += trimTrailingSpaces(bytes[start..<pos])
            skipRestOfLine()
            // Continuation: following lines (after empty ones) indented more than the key.
            var breaks = 0
            var probe = pos
            while probe < bytes.count {
                var i = probe
                while i < bytes.count && (bytes[i] == space || bytes[i] == tab) { i += 1 }
                if i < bytes.count && bytes[i] == newline { breaks += 1; probe = i + 1; continue }
                break
            }
            guard probe < bytes.count else { return String(decoding: out, as: UTF8.self) }
            let next = indentAt(probe)
            let first = bytes[probe + next]
            guard next > parentIndent, first != hash else { return String(decoding: out, as: UTF8.self) }
            if breaks == 0 { out.append(space) } else { out += Array(repeating: newline, count: breaks) }
            pos = probe + next
        }
    }

    /// A single- or double-quoted scalar starting at `pos`; leaves `pos` after the closing quote.
    mutating func quoted(parentIndent: Int) throws -> String {
        let quote = bytes[pos]
        pos += 1
        var out: [UInt8] = []
        // Literal spaces at the end of `out`, dropped if a line break follows (YAML folding).
        var trailingSpaces = 0
        while true {
            guard pos < bytes.count else { throw fail("unterminated quoted scalar") }
            let byte = bytes[pos]
            if byte == quote {
                if quote == squote && pos + 1 < bytes.count && bytes[pos + 1] == squote {
                    out.append(squote)
                    trailingSpaces = 0
                    pos += 2
                    continue
                }
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte == newline {
                out.removeLast(trailingSpaces)
                trailingSpaces = 0
                let breaks = skipFoldedBreaks()
                if breaks == 0 { out.append(space) } else { out += Array(repeating: newline, count: breaks) }
                continue
            }
            if byte == 0xE2, pos + 2 < bytes.count, bytes[pos + 1] == 0x80, bytes[pos + 2] == 0xA8 || bytes[pos + 2] == 0xA9 {
                // U+2028/U+2029 are line breaks to YAML: kept as such, but the indentation after
                // them is dropped (PyYAML writes them raw in single quotes with allow_unicode).
                out.removeLast(trailingSpaces)
                trailingSpaces = 0
                out += bytes[pos...(pos + 2)]
                pos += 2
                out += Array(repeating: newline, count: skipFoldedBreaks())
                continue
            }
            if quote == dquote && byte == backslash {
                trailingSpaces = 0
                guard pos + 1 < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[pos + 1]
                pos += 2
                if escape == newline {
                    // Escaped line break: joins the lines without a space.
                    pos -= 1
                    out += Array(repeating: newline, count: skipFoldedBreaks())
                    continue
                }
                try appendEscape(escape, to: &out)
                continue
            }
            out.append(byte)
            trailingSpaces = (byte == space || byte == tab) ? trailingSpaces + 1 : 0
            pos += 1
        }
    }

    /// At a line break inside a quoted scalar: skips it, the empty lines after it and the next
    /// line's indentation. Returns the number of empty lines skipped.
    mutating func skipFoldedBreaks() -> Int {
        pos += 1  // the "\n"
        var breaks = 0
        while true {
            while pos < bytes.count && (bytes[pos] == space || bytes[pos] == tab) { pos += 1 }
            if pos < bytes.count && bytes[pos] == newline { breaks += 1; pos += 1; continue }
            return breaks
        }
    }

    mutating func appendEscape(_ escape: UInt8, to out: inout [UInt8]) throws {
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "0"): 0, UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "t"): 9,
            tab: 9, UInt8(ascii: "n"): 10, UInt8(ascii: "v"): 11, UInt8(ascii: "f"): 12,
            UInt8(ascii: "r"): 13, UInt8(ascii: "e"): 27, space: space, dquote: dquote,
            UInt8(ascii: "/"): UInt8(ascii: "/"), backslash: backslash,
        ]
        if let byte = simple[escape] { out.append(byte); return }
        let scalar: UInt32
        switch escape {
        case UInt8(ascii: "N"): scalar = 0x85
        case UInt8(ascii: "_"): scalar = 0xA0
        case UInt8(ascii: "L"): scalar = 0x2028
        case UInt8(ascii: "P"): scalar = 0x2029
        case UInt8(ascii: "x"): scalar = try hexDigits(2)
        case UInt8(ascii: "u"): scalar = try hexDigits(4)
        case UInt8(ascii: "U"): scalar = try hexDigits(8)
        default: throw fail("unknown escape \\\(Character(UnicodeScalar(escape)))")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid unicode escape") }
        out += Array(String(Character(unicode)).utf8)
    }

    mutating func hexDigits(_ count: Int) throws -> UInt32 {
        guard pos + count <= bytes.count,
              let value = UInt32(String(decoding: bytes[pos..<pos + count], as: UTF8.self), radix: 16) else {
            throw fail("invalid hex escape")
        }
        pos += count
        return value
    }
}
