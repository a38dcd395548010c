import Terminal

/// The single-line text field at the bottom (filter, command, jump, fuzzy search, search in
/// an artifact preview, an edit: Edits/Edits.swift).
enum InputKind: Equatable, Sendable { case filter, command, jump, fuzzy, previewSearch, modelFilter, edit(EditField) }

struct TextInput: Equatable, Sendable {
    var kind: InputKind
    var text: String
    /// Cursor position in characters.
    var cursor: Int
    var completions: [String] = []
    init(kind: InputKind, text: String = "") {
        self.kind = kind
        self.text = text
        self.cursor = text.count
    }
}

/// A filter error shown under the filter bar, pointing at a column when the grammar names one.
struct FilterError: Equatable, Sendable {
    var message: String
    /// 1-based column in the filter text, when known.
    var column: Int?
}

/// What a key did to a line of text.
enum LineEdit: Equatable { case moved, edited }

/// Readline's editing keys, shared by every text field: nil when the key is not an editing key.
func editLine(_ text: inout String, cursor: inout Int, _ key: Key) -> LineEdit? {
    var chars = Array(text)
    cursor = max(0, min(cursor, chars.count))
    defer { text = String(chars) }
    func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
    switch key {
    case .left, .ctrl("b"): cursor = max(0, cursor - 1); return .moved
    case .right, .ctrl("f"): cursor = min(chars.count, cursor + 1); return .moved
    case .home, .ctrl("a"): cursor = 0; return .moved
    case .end, .ctrl("e"): cursor = chars.count; return .moved
    case .backspace, .ctrl("h"):
        guard cursor > 0 else { return .moved }
        chars.remove(at: cursor - 1)
        cursor -= 1
        return .edited
    case .delete:
        guard cursor < chars.count else { return .moved }
        chars.remove(at: cursor)
        return .edited
    case .ctrl("u"):
        chars.removeSubrange(0..<cursor)
        cursor = 0
        return .edited
    case .ctrl("k"):
        chars.removeSubrange(cursor..<chars.count)
        return .edited
    case .ctrl("w"):
        // Back over spaces, then over one word (or one run of punctuation).
        var start = cursor
        while start > 0, chars[start - 1] == " " { start -= 1 }
        if start > 0 {
            let word = isWord(chars[start - 1])
            while start > 0, chars[start - 1] != " ", isWord(chars[start - 1]) == word { start -= 1 }
        }
        chars.removeSubrange(start..<cursor)
        cursor = start
        return .edited
    case .char(let c):
        chars.insert(c, at: cursor)
        cursor += 1
        return .edited
    default:
        return nil
    }
}
