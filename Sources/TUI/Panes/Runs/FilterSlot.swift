import Tracking

/// What Tab may put at the cursor of a filter.
enum CompletionSlot: Equatable {
    case identifier
    /// After a key: `=`, `LIKE`, ...
    case comparator(SearchKey)
    /// After a comparator, or inside `IN (...)`: a quoted value of the key.
    case value(SearchKey)
    /// After a complete clause: `AND` (MLflow's filters have no OR).
    case conjunction
}

/// Where completion applies: the slot, the text typed so far in it (`partial`), where that text
/// starts (replaced by the completion) and the quote it was opened with, if any.
struct CompletionPoint: Equatable {
    var slot: CompletionSlot
    var partial: String
    var start: Int
    var quote: Character?
}

/// A token of the text before the cursor.
private struct Lexeme {
    enum Kind { case word, string, comparator, open, close, comma }
    var kind: Kind
    var text: String
    var start: Int
    var end: Int
}

private let separators: Set<Character> = [" ", "(", ")", ",", "=", "!", "<", ">", "'", "\""]

/// Splits `chars` (the text before the cursor) as MLflow's filter grammar reads it; a quote left
/// open is returned as `openQuote` (its index) instead of a token.
private func lex(_ chars: [Character]) -> (lexemes: [Lexeme], openQuote: Int?) {
    var out: [Lexeme] = []
    var i = 0
    while i < chars.count {
        let c = chars[i]
        let start = i
        switch c {
        case " ": i += 1; continue
        case "(": out.append(Lexeme(kind: .open, text: "(", start: i, end: i + 1)); i += 1
        case ")": out.append(Lexeme(kind: .close, text: ")", start: i, end: i + 1)); i += 1
        case ",": out.append(Lexeme(kind: .comma, text: ",", start: i, end: i + 1)); i += 1
        case "'", "\"":
            guard let close = chars[(i + 1)...].firstIndex(of: c) else { return (out, i) }
            out.append(Lexeme(kind: .string, text: String(chars[(i + 1)..<close]), start: i, end: close + 1))
            i = close + 1
        case "=", "!", "<", ">":
            while i < chars.count, "=!<>".contains(chars[i]) { i += 1 }
            out.append(Lexeme(kind: .comparator, text: String(chars[start..<i]), start: start, end: i))
        default:
            // A word; backticked parts (and quoted ones right after a dot) may hold anything.
            while i < chars.count {
                let ch = chars[i]
                if ch == "`" || ("'\"".contains(ch) && i > start && chars[i - 1] == ".") {
                    guard let close = chars[(i + 1)...].firstIndex(of: ch) else { i = chars.count; break }
                    i = close + 1
                } else if separators.contains(ch) {
                    break
                } else {
                    i += 1
                }
            }
            out.append(Lexeme(kind: .word, text: String(chars[start..<i]), start: start, end: i))
        }
    }
    return (out, nil)
}

/// The completion point of a filter whose text before the cursor is `chars`.
func completionPoint(_ chars: [Character]) -> CompletionPoint {
    let (lexed, openQuote) = lex(chars)
    if let q = openQuote {
        return CompletionPoint(slot: valueSlot(lexed) ?? .identifier, partial: String(chars[(q + 1)...]), start: q, quote: chars[q])
    }
    var lexemes = lexed
    var partial = "", start = chars.count
    if let last = lexemes.last, last.kind == .word, last.end == chars.count {
        partial = last.text
        start = last.start
        lexemes.removeLast()
    }
    return CompletionPoint(slot: slotAfter(lexemes), partial: partial, start: start, quote: nil)
}

private func upper(_ lexemes: [Lexeme], _ i: Int) -> String {
    lexemes.indices.contains(i) && lexemes[i].kind == .word ? lexemes[i].text.uppercased() : ""
}

/// After `key OP`, `key LIKE`, `key IN (` or `key IN ('a', `: the value slot of `key`.
private func valueSlot(_ lexemes: [Lexeme]) -> CompletionSlot? {
    let n = lexemes.count
    guard n >= 2 else { return nil }
    let last = lexemes[n - 1]
    if last.kind == .comparator || ["LIKE", "ILIKE"].contains(upper(lexemes, n - 1)) {
        return parseSearchKey(lexemes[n - 2].text).map(CompletionSlot.value)
    }
    // Inside an IN list: an open parenthesis after IN, then strings and commas.
    guard last.kind == .open || last.kind == .comma,
          let open = lexemes.lastIndex(where: { $0.kind == .open }), upper(lexemes, open - 1) == "IN",
          lexemes[(open + 1)...].allSatisfy({ $0.kind == .string || $0.kind == .comma }) else { return nil }
    let keyIndex = upper(lexemes, open - 2) == "NOT" ? open - 3 : open - 2
    guard lexemes.indices.contains(keyIndex) else { return nil }
    return parseSearchKey(lexemes[keyIndex].text).map(CompletionSlot.value)
}

/// The slot after the complete tokens `lexemes`.
private func slotAfter(_ lexemes: [Lexeme]) -> CompletionSlot {
    if let value = valueSlot(lexemes) { return value }
    guard let last = lexemes.last else { return .identifier }
    let n = lexemes.count
    switch last.kind {
    case .string, .close: return .conjunction
    case .word where upper(lexemes, n - 1) == "AND": return .identifier
    case .word:
        // A key at the start of a clause; anything else (a number after a comparator) ends one.
        if n == 1 || upper(lexemes, n - 2) == "AND", let key = parseSearchKey(last.text) { return .comparator(key) }
        return .conjunction
    default: return .identifier
    }
}
