/// A value of the config file.
enum TOMLValue: Equatable, Sendable {
    case string(String), integer(Int), float(Double), bool(Bool)
    case array([TOMLValue])

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .bool: return "true or false"
        case .array: return "an array"
        }
    }
}

/// One `key = value` of the file, its key the whole dotted path (`[keys.runs]` then `sort = "o"`
/// is `keys.runs.sort`), with its line for error messages.
struct TOMLEntry: Equatable, Sendable {
    var path: [String]
    var value: TOMLValue
    var line: Int
}

/// The part of TOML (toml.io, v1.0) a config file needs: `[table]` headers, bare, quoted and
/// dotted keys, basic and literal strings, integers, floats, booleans, arrays (across lines
/// too) and comments. Inline tables, array tables, dates and multi-line strings are refused
/// by name rather than misread. Errors say the line.
enum TOMLSubset {
    static func parse(_ text: String) throws -> [TOMLEntry] {
        var scanner = TOMLScanner(Array(text.unicodeScalars))
        var entries: [TOMLEntry] = []
        var table: [String] = []
        var defined: [[String]: Int] = [:]
        while true {
            scanner.skipBlankLines()
            guard let c = scanner.peek else { return entries }
            let line = scanner.line
            if c == "[" {
                scanner.advance()
                if scanner.peek == "[" { throw scanner.error("array tables ([[...]]) are not used in config.toml") }
                table = try scanner.keyPath()
                guard scanner.peek == "]" else { throw scanner.error("expected ] to close the table header") }
                scanner.advance()
                if let first = defined[table] { throw scanner.error("table [\(table.joined(separator: "."))] is already defined on line \(first)") }
                defined[table] = line
            } else {
                let path = table + (try scanner.keyPath())
                guard scanner.peek == "=" else { throw scanner.error("expected = after the key \(path.joined(separator: "."))") }
                scanner.advance()
                scanner.skipSpaces()
                let value = try scanner.value()
                if let first = defined[path] {
                    throw TOMLError(line: line, "\(path.joined(separator: ".")) is already set on line \(first)")
                }
                defined[path] = line
                entries.append(TOMLEntry(path: path, value: value, line: line))
            }
            try scanner.endOfLine()
        }
    }
}

struct TOMLError: Error, Equatable, CustomStringConvertible {
    var line: Int
    var message: String
    init(line: Int, _ message: String) { self.line = line; self.message = message }
    var description: String { "line \(line): \(message)" }
}

private struct TOMLScanner {
    let scalars: [Unicode.Scalar]
    var index = 0
    var line = 1

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    mutating func advance() {
        if peek == "\n" { line += 1 }
        index += 1
    }

    func error(_ message: String) -> TOMLError { TOMLError(line: line, message) }

    mutating func skipSpaces() {
        while peek == " " || peek == "\t" { advance() }
    }

    mutating func skipComment() {
        if peek == "#" { while let c = peek, c != "\n" { advance() } }
    }

    /// Spaces, comments and line ends (between statements, and inside arrays).
    mutating func skipBlankLines() {
        while true {
            skipSpaces()
            skipComment()
            if peek == "\n" || peek == "\r" { advance() } else { return }
        }
    }

    mutating func endOfLine() throws {
        skipSpaces()
        skipComment()
        if peek == "\r" { advance() }
        guard peek == nil || peek == "\n" else { throw error("unexpected text after the value: write one key = value per line") }
    }

    mutating func keyPath() throws -> [String] {
        var parts: [String] = []
        repeat {
            skipSpaces()
            parts.append(try key())
            skipSpaces()
            guard peek == "." else { return parts }
            advance()
        } while true
    }

    private mutating func key() throws -> String {
        if peek == "\"" || peek == "'" { return try string() }
        var text = ""
        while let c = peek, ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == "-" {
            text.unicodeScalars.append(c)
            advance()
        }
        guard !text.isEmpty else { throw error(peek.map { "unexpected '\($0)' where a key was expected" } ?? "a key was expected") }
        return text
    }

    mutating func value() throws -> TOMLValue {
        guard let c = peek, c != "\n", c != "\r", c != "#" else { throw error("a value was expected after =") }
        switch c {
        case "\"", "'": return .string(try string())
        case "[": return try array()
        case "{": throw error("inline tables ({ ... }) are not used in config.toml")
        default: return try bareValue()
        }
    }

    private mutating func array() throws -> TOMLValue {
        advance()
        var items: [TOMLValue] = []
        while true {
            skipBlankLines()
            if peek == "]" { advance(); return .array(items) }
            items.append(try value())
            skipBlankLines()
            if peek == "," { advance(); continue }
            guard peek == "]" else { throw error(peek == nil ? "the array is not closed with ]" : "expected , or ] in the array") }
        }
    }

    private mutating func string() throws -> String {
        let quote = peek!
        advance()
        if peek == quote, index + 1 < scalars.count, scalars[index + 1] == quote {
            throw error("multi-line strings are not used in config.toml")
        }
        var text = ""
        while let c = peek {
            if c == "\n" { break }
            advance()
            if c == quote { return text }
            if c == "\\" && quote == "\"" {
                text.unicodeScalars.append(try escape())
            } else {
                text.unicodeScalars.append(c)
            }
        }
        throw error("the string is not closed with \(quote)")
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard let c = peek else { throw error("the string ends inside an escape") }
        advance()
        switch c {
        case "\"": return "\""
        case "\\": return "\\"
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "e": return "\u{1B}"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            var hex = ""
            for _ in 0..<count {
                guard let h = peek, h.properties.isASCIIHexDigit else { throw error("\\\(c) takes \(count) hex digits") }
                hex.unicodeScalars.append(h)
                advance()
            }
            guard let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) else { throw error("\\\(c)\(hex) is not a character") }
            return scalar
        default: throw error("unknown escape \\\(c) in a string")
        }
    }

    /// true, false, or a number: `10`, `-3`, `1_000`, `0.5`, `1e-3`, `inf`, `nan`.
    private mutating func bareValue() throws -> TOMLValue {
        var text = ""
        while let c = peek, !(c == " " || c == "\t" || c == "\n" || c == "\r" || c == "," || c == "]" || c == "#") {
            text.unicodeScalars.append(c)
            advance()
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        let digits = text.replacingUnderscores
        if let n = Int(digits) { return .integer(n) }
        let special = ["inf": Double.infinity, "+inf": .infinity, "-inf": -.infinity, "nan": .nan, "+nan": .nan, "-nan": .nan]
        if let d = special[digits] { return .float(d) }
        // Decimal only: Double(_:) would also take hexadecimal, which TOML writes otherwise.
        if digits.allSatisfy({ "0123456789.eE+-".contains($0) }), digits.first.map({ $0.isNumber || $0 == "-" || $0 == "+" }) == true,
           let d = Double(digits), digits.last?.isNumber == true {
            return .float(d)
        }
        throw error("'\(text)' is not a value: quote strings (\"...\"); numbers, true and false go bare")
    }
}

private extension String {
    /// `1_000` → `1000`; an underscore not between two digits stays, so the number is refused.
    var replacingUnderscores: String {
        let chars = Array(self)
        for (i, c) in chars.enumerated() where c == "_" {
            guard i > 0, i + 1 < chars.count, chars[i - 1].isNumber, chars[i + 1].isNumber else { return self }
        }
        return filter { $0 != "_" }
    }
}
