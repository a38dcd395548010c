/// Tokens of MLflow's search grammar. MLflow tokenizes filters with sqlparse
/// (mlflow/utils/search_utils.py, SearchUtils.parse_search_filter); this
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

/// What lexing a filter gives: its tokens, the first quote left open (sqlparse's lexer makes
/// such a quote a one-character error token and goes on, and so does this one), and how many
/// tokens sqlparse's lexer would make of the longest statement, for MLflow's token cap.
struct LexedFilter {
    var tokens: [SearchToken]
    var unterminatedQuote: UnterminatedQuote?
    var sqlparseTokenCount: Int
    /// 1-based column of the first sqlparse token past `SearchLexer.maxTokens` in a statement.
    var columnPastTokenCap: Int?
}

/// Splits a filter into tokens in one pass: every step is linear in the length of the text, so
/// a filter of a few megabytes is lexed in milliseconds and refused by the caller's token cap.
struct SearchLexer {
    let chars: [Character]

    /// sqlparse/engine/grouping.py, MAX_GROUPING_TOKENS: a statement of more tokens makes
    /// sqlparse.parse raise SQLParseError, which MLflow reports as "Error on parsing filter".
    static let maxTokens = 10_000

    init(_ text: String) { chars = Array(text) }

    func tokenize() -> LexedFilter {
        var tokens: [SearchToken] = []
        var unterminatedQuote: UnterminatedQuote?
        var quoteEnds = QuoteEnds(chars)
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
            case "`", "'", "\"":
                let backslashEscapes = c != "`"
                if let end = quoteEnds.end(from: i, quote: c, backslashEscapes: backslashEscapes) {
                    i = end
                    kind = c == "`" ? .backticked : c == "'" ? .singleQuoted : .doubleQuoted
                } else {
                    if unterminatedQuote == nil {
                        unterminatedQuote = unterminated(at: i, what: c == "`" ? "backtick-quoted identifier" : "quoted string")
                    }
                    i += 1
                    kind = .other
                }
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
        let (count, columnPastCap) = sqlparseTokenCount(tokens)
        return LexedFilter(tokens: tokens, unterminatedQuote: unterminatedQuote,
                           sqlparseTokenCount: count, columnPastTokenCap: columnPastCap)
    }

    /// How many tokens sqlparse's lexer (sqlparse/keywords.py, SQL_REGEX) makes of the longest
    /// statement of the text: what sqlparse/engine/grouping.py compares with MAX_GROUPING_TOKENS.
    /// sqlparse makes one token of every whitespace character (`\s+?`; "\r\n" is one newline
    /// token, and one Character here) and one of `NOT NULL`, `NOT LIKE`, `NOT ILIKE` with the
    /// whitespace between; statements end after a `;` outside parentheses and the spaces that
    /// follow it on its line (sqlparse/engine/statement_splitter.py, StatementSplitter.process).
    /// For the tokens of valid filters the count is exact; for tokens that are errors anyway
    /// (`a$b`, `-- comment`) it may differ from sqlparse's by a few.
    private func sqlparseTokenCount(_ tokens: [SearchToken]) -> (Int, Int?) {
        var longest = 0
        var count = 0
        var level = 0
        var statementEnded = false
        var columnPastCap: Int?
        func add(at offset: Int, isSpace: Bool) {
            if statementEnded, !isSpace {
                longest = max(longest, count)
                count = 0
                level = 0
                statementEnded = false
            }
            count += 1
            if count == Self.maxTokens + 1, columnPastCap == nil { columnPastCap = offset + 1 }
        }
        func addWhitespace(_ range: Range<Int>) {
            // sqlparse's newline tokens are "\r\n", "\r" and "\n"; other whitespace (\v, \f,
            // U+2028...) is a whitespace token, which a statement takes in after its `;`.
            for k in range { add(at: k, isSpace: !(chars[k] == "\n" || chars[k] == "\r" || chars[k] == "\r\n")) }
        }
        var previousEnd = 0
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token.isKeyword("NOT"), index + 1 < tokens.count, tokens[index + 1].spaced,
               ["NULL", "LIKE", "ILIKE", "RLIKE"].contains(where: tokens[index + 1].isKeyword) {
                addWhitespace(previousEnd..<token.start)
                add(at: token.start, isSpace: false)
                previousEnd = tokens[index + 1].end
                index += 2
                continue
            }
            addWhitespace(previousEnd..<token.start)
            add(at: token.start, isSpace: false)
            switch token.kind {
            case .openParen: level += 1
            case .closeParen: level -= 1
            case .semicolon where level <= 0: statementEnded = true
            default: break
            }
            previousEnd = token.end
            index += 1
        }
        addWhitespace(previousEnd..<chars.count)
        return (max(longest, count), columnPastCap)
    }

    /// Python's `\w` (what sqlparse's name rules use): letters, digits, numerics, underscore.
    static func isWordCharacter(_ c: Character) -> Bool {
        c == "_" || c.isLetter || c.isNumber
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

/// Where the quoted token opened at each position ends, as sqlparse's `'(''|\\'|[^'])*'`
/// (and its backtick and double-quote forms) finds it: doubled quotes and backslash-quote stay
/// inside, and when the greedy reading runs off the end the regex backtracks to an earlier
/// closing quote. The answer at a position does not depend on where the token opened, so one
/// table per quote character, filled right to left once, answers every token in constant
/// time; filling it again per token made lexing quadratic in the number of quoted values.
struct QuoteEnds {
    private let chars: [Character]
    /// Per quote character, end[p]: where the loop-then-closing-quote matched from p ends
    /// (exclusive), or -1 when nothing matches.
    private var tables: [Character: [Int32]] = [:]

    init(_ chars: [Character]) { self.chars = chars }

    mutating func end(from start: Int, quote: Character, backslashEscapes: Bool) -> Int? {
        guard start + 1 < chars.count else { return nil }
        if tables[quote] == nil { tables[quote] = table(quote: quote, backslashEscapes: backslashEscapes) }
        let end = tables[quote]![start + 1]
        return end < 0 ? nil : Int(end)
    }

    /// The regex tries, in order: a doubled quote, an escaped quote, any other character, and
    /// only then the closing quote.
    private func table(quote: Character, backslashEscapes: Bool) -> [Int32] {
        var end = [Int32](repeating: -1, count: chars.count + 2)
        var p = chars.count - 1
        while p >= 0 {
            let c = chars[p]
            var result: Int32 = -1
            if c == quote, p + 1 < chars.count, chars[p + 1] == quote { result = end[p + 2] }
            if result < 0, backslashEscapes, c == "\\", p + 1 < chars.count, chars[p + 1] == quote {
                result = end[p + 2]
            }
            if result < 0, c != quote { result = end[p + 1] }
            if result < 0, c == quote { result = Int32(p + 1) }
            end[p] = result
            p -= 1
        }
        return end
    }
}

/// A quote without its closing partner; the parser reports it with its context.
struct UnterminatedQuote: Error {
    var column: Int
    var message: String
}
