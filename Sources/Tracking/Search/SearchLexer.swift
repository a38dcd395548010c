/// Tokens of MLflow's search grammar. MLflow tokenizes filters with sqlparse (reference §5); this
/// lexer reproduces the sqlparse token boundaries that decide whether MLflow accepts a filter.
struct SearchToken: Equatable {
    enum Kind: Equatable {
        /// A run of word characters (`\w+`, Unicode): identifiers and keywords (AND, IN, IS...).
        case word
        /// `` `...` `` (a doubled backtick stays in the text, as in sqlparse).
        case backticked
        /// `'...'`: a string value, or a key part after a dot.
        case singleQuoted
        /// `"..."`: a string value or a quoted identifier (sqlparse makes it a symbol).
        case doubleQuoted
        /// `-?(\d+(\.\d*)?|\.\d+)([eE]-?\d+)?` not followed by a word character.
        case number
        case dot
        /// A run of `<>=~!` characters, validated by the parser (`==`, `<>` are rejected there).
        case comparisonOperator
        case openParen, closeParen, comma, semicolon
        /// Anything else; always an error where it appears.
        case other
    }

    var kind: Kind
    /// The token exactly as written, quotes included.
    var text: String
    /// 1-based column (in characters) of the token's first character.
    var column: Int
    /// Offsets into the lexed characters, for slicing identifiers that span several tokens.
    var start: Int
    var end: Int
    /// Whitespace directly precedes the token.
    var spaced: Bool

    /// Keywords are case-insensitive words.
    func isKeyword(_ keyword: String) -> Bool {
        kind == .word && text.uppercased() == keyword
    }

    /// The token as quoted in error messages.
    var quoted: String { "'\(text)'" }
}

/// Splits a filter into tokens. Unterminated quotes are reported here, with their column.
struct SearchLexer {
    let chars: [Character]

    init(_ text: String) { chars = Array(text) }

    func tokenize() throws -> [SearchToken] {
        var tokens: [SearchToken] = []
        var i = 0
        var spaced = false
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                spaced = true
                i += 1
                continue
            }
            let start = i
            let kind: SearchToken.Kind
            switch c {
            case "`":
                guard let end = quotedEnd(from: i, quote: "`", backslashEscapes: false) else {
                    throw unterminated(at: i, what: "backtick-quoted identifier")
                }
                i = end
                kind = .backticked
            case "'", "\"":
                guard let end = quotedEnd(from: i, quote: c, backslashEscapes: true) else {
                    throw unterminated(at: i, what: "quoted string")
                }
                i = end
                kind = c == "'" ? .singleQuoted : .doubleQuoted
            case "(": i += 1; kind = .openParen
            case ")": i += 1; kind = .closeParen
            case ",": i += 1; kind = .comma
            case ";": i += 1; kind = .semicolon
            case "<", ">", "=", "~", "!":
                while i < chars.count, "<>=~!".contains(chars[i]) { i += 1 }
                kind = .comparisonOperator
            default:
                if startsNumber(at: i, after: tokens.last) {
                    (i, kind) = scanNumber(from: i)
                } else if c == "." {
                    i += 1
                    kind = .dot
                } else if Self.isWordCharacter(c) {
                    while i < chars.count, Self.isWordCharacter(chars[i]) { i += 1 }
                    kind = .word
                } else {
                    i += 1
                    kind = .other
                }
            }
            tokens.append(SearchToken(kind: kind, text: String(chars[start..<i]), column: start + 1,
                                      start: start, end: i, spaced: spaced))
            spaced = false
        }
        return tokens
    }

    /// Python's `\w` (what sqlparse's name rules use): letters, digits, numerics, underscore.
    static func isWordCharacter(_ c: Character) -> Bool {
        c == "_" || c.isLetter || c.isNumber
    }

    /// The end offset (exclusive) of the quoted token starting at `start`, as sqlparse's
    /// `'(''|\\'|[^'])*'` finds it: doubled quotes and backslash-quote stay inside, and when the
    /// greedy reading runs off the end the regex backtracks to an earlier closing quote.
    private func quotedEnd(from start: Int, quote: Character, backslashEscapes: Bool) -> Int? {
        // end[p]: where a match of the loop-then-closing-quote starting at p ends (nil: none).
        // Computed right to left; the regex tries: doubled quote, escaped quote, any other char,
        // and only then the closing quote.
        var end = [Int?](repeating: nil, count: chars.count + 2)
        var p = chars.count - 1
        while p > start {
            let c = chars[p]
            var result: Int? = nil
            if c == quote, p + 1 < chars.count, chars[p + 1] == quote { result = end[p + 2] }
            if result == nil, backslashEscapes, c == "\\", p + 1 < chars.count, chars[p + 1] == quote {
                result = end[p + 2]
            }
            if result == nil, c != quote { result = end[p + 1] }
            if result == nil, c == quote { result = p + 1 }
            end[p] = result
            p -= 1
        }
        return start + 1 < chars.count ? end[start + 1] : nil
    }

    /// A number starts at a digit, at `-` or `.` before a digit (`-1`, `.5`, `-.5`). A `.` right
    /// after an identifier part is the key separator (`tags.x.1a`), not a number.
    private func startsNumber(at i: Int, after previous: SearchToken?) -> Bool {
        func digit(_ k: Int) -> Bool { k < chars.count && chars[k].isASCII && chars[k].isNumber }
        func dotDigit(_ k: Int) -> Bool { k < chars.count && chars[k] == "." && digit(k + 1) }
        let c = chars[i]
        if digit(i) { return true }
        if c == "-" { return digit(i + 1) || dotDigit(i + 1) }
        if dotDigit(i) {
            switch previous?.kind {
            case .word?, .backticked?, .singleQuoted?, .doubleQuoted?: return false
            default: return true
            }
        }
        return false
    }

    /// sqlparse's number rules: a number directly followed by a word character is not a number.
    /// All-digit prefixes merge into a word (`1abc` is a name, as in `params.1abc`); anything
    /// else (`1.5abc`, `-1e`) becomes one `.other` token so the error quotes all of it.
    private func scanNumber(from start: Int) -> (Int, SearchToken.Kind) {
        func digit(_ k: Int) -> Bool { k < chars.count && chars[k].isASCII && chars[k].isNumber }
        var i = start
        if chars[i] == "-" { i += 1 }
        let digitsStart = i
        while digit(i) { i += 1 }
        var plainDigits = i > digitsStart && chars[start] != "-"
        if i < chars.count, chars[i] == "." {
            plainDigits = false
            i += 1
            while digit(i) { i += 1 }
        }
        if i < chars.count, chars[i] == "e" || chars[i] == "E" {
            let exponentDigits = chars.count > i + 1 && chars[i + 1] == "-" ? i + 2 : i + 1
            if digit(exponentDigits) {
                plainDigits = false
                i = exponentDigits
                while digit(i) { i += 1 }
            }
        }
        guard i < chars.count, Self.isWordCharacter(chars[i]) else {
            return (i, .number)
        }
        if plainDigits {
            while i < chars.count, Self.isWordCharacter(chars[i]) { i += 1 }
            return (i, .word)
        }
        while i < chars.count, Self.isWordCharacter(chars[i]) || chars[i] == "." { i += 1 }
        return (i, .other)
    }

    private func unterminated(at i: Int, what: String) -> UnterminatedQuote {
        let rest = String(chars[i...].prefix(20))
        return UnterminatedQuote(column: i + 1, message: "the \(what) \(rest)\(chars.count - i > 20 ? "..." : "") is never closed")
    }
}

/// A quote without its closing partner; the parser reports it with its context.
struct UnterminatedQuote: Error {
    var column: Int
    var message: String
}
