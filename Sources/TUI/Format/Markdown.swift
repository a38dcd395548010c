import Foundation
import Terminal

/// A run of text in one style: a theme role plus emphasis.
struct TextSpan: Equatable, Sendable {
    var text: String
    var role: ThemeRole = .base
    var attributes: Attributes = []
}

/// One screen line of styled text.
struct StyledLine: Equatable, Sendable {
    var spans: [TextSpan]
    var text: String { spans.map(\.text).joined() }
}

/// A run's description (`mlflow.note.content`, which MLflow's web UI renders as Markdown) as
/// terminal lines wrapped to `width`: headings bold, emphasis as bold/italic, code in the chip
/// style, lists with bullets and hanging indents, quotes with a bar, links as "text <url>".
/// The markers themselves (`**`, `#`, backticks) are not shown.
func markdownLines(_ source: String, width: Int) -> [StyledLine] {
    let width = max(8, width)
    var out: [StyledLine] = []
    var paragraph: [String] = []
    var fence: String?
    func flush() {
        guard !paragraph.isEmpty else { return }
        out += wrapSpans(inlineSpans(paragraph.joined(separator: " ")), width: width)
        paragraph = []
    }
    for raw in source.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(raw)
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if let open = fence {
            if trimmed.hasPrefix(open) { fence = nil; continue }
            for piece in wrap(line.replacingOccurrences(of: "\t", with: "    "), width: width - 2) {
                out.append(StyledLine(spans: [TextSpan(text: "  "), TextSpan(text: piece, role: .chip)]))
            }
            continue
        }
        if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { flush(); fence = String(trimmed.prefix(3)); continue }
        if trimmed.isEmpty {
            flush()
            if out.last.map({ !$0.spans.isEmpty }) ?? false { out.append(StyledLine(spans: [])) }
            continue
        }
        if let level = headingLevel(trimmed) {
            flush()
            let title = String(trimmed.dropFirst(level)).trimmingCharacters(in: CharacterSet(charactersIn: " #"))
            out += wrapSpans(inlineSpans(title).map { span in
                var s = span; s.role = .section; s.attributes.insert(.bold); return s
            }, width: width)
            continue
        }
        if trimmed.count >= 3, Set(trimmed.filter { $0 != " " }).count == 1, "-*_".contains(trimmed.first!) {
            flush()
            out.append(StyledLine(spans: [TextSpan(text: String(repeating: "─", count: width), role: .dim)]))
            continue
        }
        if trimmed.hasPrefix(">") {
            flush()
            let body = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
            out += wrapSpans(inlineSpans(body), width: width - 2).map { StyledLine(spans: [TextSpan(text: "│ ", role: .dim)] + $0.spans) }
            continue
        }
        if let (marker, body) = listItem(line) {
            flush()
            let indent = String(repeating: " ", count: DisplayWidth.of(marker))
            for (i, wrapped) in wrapSpans(inlineSpans(body), width: width - indent.count).enumerated() {
                out.append(StyledLine(spans: [TextSpan(text: i == 0 ? marker : indent, role: i == 0 ? .label : .base)] + wrapped.spans))
            }
            continue
        }
        // A line break is kept, as MLflow's UI renders notes (showdown's simpleLineBreaks).
        paragraph.append(trimmed)
        flush()
    }
    flush()
    while out.last?.spans.isEmpty ?? false { out.removeLast() }
    return out
}

/// `# Title` → 1 … `###### Title` → 6; nil for `#hashtag`.
private func headingLevel(_ line: String) -> Int? {
    let hashes = line.prefix { $0 == "#" }.count
    guard (1...6).contains(hashes) else { return nil }
    let rest = line.dropFirst(hashes)
    return rest.isEmpty || rest.first == " " ? hashes : nil
}

/// A list item's marker as shown ("• ", "2. ", indented by nesting) and its text.
private func listItem(_ line: String) -> (String, String)? {
    let leading = line.prefix { $0 == " " }.count
    let rest = line.dropFirst(leading)
    let nest = String(repeating: "  ", count: min(leading / 2, 4))
    if let first = rest.first, "-*+".contains(first), rest.dropFirst().first == " " {
        var body = String(rest.dropFirst(2))
        // Task lists: "- [ ] todo", "- [x] done".
        if body.hasPrefix("[ ] ") { body = "☐ " + body.dropFirst(4) } else if body.lowercased().hasPrefix("[x] ") { body = "☑ " + body.dropFirst(4) }
        return (nest + "• ", body)
    }
    let digits = rest.prefix { $0.isNumber }
    if !digits.isEmpty, digits.count <= 9 {
        let after = rest.dropFirst(digits.count)
        if let dot = after.first, dot == "." || dot == ")", after.dropFirst().first == " " {
            return (nest + digits + ". ", String(after.dropFirst(2)))
        }
    }
    return nil
}

/// Inline Markdown: `code`, **strong**, *emphasis*, _emphasis_, ~~struck~~, [text](url),
/// <url>, backslash escapes. An unclosed marker is shown as typed.
func inlineSpans(_ text: String) -> [TextSpan] {
    let chars = Array(text)
    var spans: [TextSpan] = []
    var plain = ""
    var attributes: Attributes = []
    func emit(_ span: TextSpan) {
        if !plain.isEmpty { spans.append(TextSpan(text: plain, attributes: attributes)); plain = "" }
        spans.append(span)
    }
    func toggle(_ a: Attributes) {
        if !plain.isEmpty { spans.append(TextSpan(text: plain, attributes: attributes)); plain = "" }
        if attributes.contains(a) { attributes.remove(a) } else { attributes.insert(a) }
    }
    func closes(_ marker: String, from i: Int) -> Bool {
        String(chars[i...]).dropFirst(marker.count).contains(marker)
    }
    var i = 0
    while i < chars.count {
        let c = chars[i]
        let rest = String(chars[i...])
        if c == "\\", i + 1 < chars.count, "\\`*_{}[]()#+-.!~<>".contains(chars[i + 1]) { plain.append(chars[i + 1]); i += 2; continue }
        if c == "`", let end = chars[(i + 1)...].firstIndex(of: "`") {
            emit(TextSpan(text: String(chars[(i + 1)..<end]), role: .chip, attributes: attributes))
            i = end + 1; continue
        }
        if rest.hasPrefix("**") || rest.hasPrefix("__"), attributes.contains(.bold) || closes(String(rest.prefix(2)), from: i) {
            toggle(.bold); i += 2; continue
        }
        if rest.hasPrefix("~~"), closes("~~", from: i) || !plain.isEmpty { i += 2; continue }
        let wordBefore = i > 0 && (chars[i - 1].isLetter || chars[i - 1].isNumber)
        if c == "*" || (c == "_" && (attributes.contains(.italic) || !wordBefore)),
           attributes.contains(.italic) || (closes(String(c), from: i) && i + 1 < chars.count && chars[i + 1] != " ") {
            toggle(.italic); i += 1; continue
        }
        if c == "[", let close = chars[i...].firstIndex(of: "]"), close + 1 < chars.count, chars[close + 1] == "(",
           let end = chars[(close + 1)...].firstIndex(of: ")") {
            let label = String(chars[(i + 1)..<close]), url = String(chars[(close + 2)..<end])
            emit(TextSpan(text: label, role: .link, attributes: attributes.union(.underline)))
            if url != label && !url.isEmpty { emit(TextSpan(text: " <\(url)>", role: .dim)) }
            i = end + 1; continue
        }
        if c == "<", let end = chars[i...].firstIndex(of: ">"), rest.hasPrefix("<http") {
            emit(TextSpan(text: String(chars[(i + 1)..<end]), role: .link, attributes: .underline))
            i = end + 1; continue
        }
        plain.append(c)
        i += 1
    }
    if !plain.isEmpty { spans.append(TextSpan(text: plain, attributes: attributes)) }
    return spans
}

/// Greedy word wrap of styled spans; a word wider than the line is cut.
func wrapSpans(_ spans: [TextSpan], width: Int) -> [StyledLine] {
    var lines: [StyledLine] = []
    var current: [TextSpan] = []
    var used = 0
    func append(_ text: String, _ style: TextSpan) {
        if var last = current.last, last.role == style.role, last.attributes == style.attributes {
            last.text += text; current[current.count - 1] = last
        } else {
            current.append(TextSpan(text: text, role: style.role, attributes: style.attributes))
        }
        used += DisplayWidth.of(text)
    }
    func newLine() { lines.append(StyledLine(spans: current)); current = []; used = 0 }
    // Words keep the style of their span; a space between words takes the earlier one's.
    var words: [(text: String, span: TextSpan, spaceBefore: Bool)] = []
    var pendingSpace = false
    for span in spans {
        let parts = span.text.split(separator: " ", omittingEmptySubsequences: false)
        for (k, part) in parts.enumerated() {
            if k > 0 { pendingSpace = true }
            guard !part.isEmpty else { continue }
            let joins = k == 0 && !pendingSpace && !words.isEmpty
            words.append((String(part), span, !joins && !words.isEmpty))
            pendingSpace = false
        }
    }
    var previous: TextSpan?
    for word in words {
        let w = DisplayWidth.of(word.text)
        if word.spaceBefore {
            // A space between two styles is plain (no underline running past a link).
            let same = previous.map { $0.role == word.span.role && $0.attributes == word.span.attributes } ?? true
            if used + 1 + w <= width { append(" ", same ? word.span : TextSpan(text: "")) } else { newLine() }
        } else if used + w > width, used > 0 { newLine() }
        var rest = word.text
        while DisplayWidth.of(rest) > width - used {
            let piece = prefixFitting(rest, width: width - used)
            guard !piece.isEmpty else { newLine(); continue }
            append(piece, word.span)
            rest = String(rest.dropFirst(piece.count))
            newLine()
        }
        if !rest.isEmpty { append(rest, word.span) }
        previous = word.span
    }
    if !current.isEmpty || lines.isEmpty { newLine() }
    return lines
}

/// The longest prefix of `text` fitting in `width` columns, cut without an ellipsis.
private func prefixFitting(_ text: String, width: Int) -> String {
    var used = 0, out = ""
    for c in text {
        used += DisplayWidth.of(c)
        if used > width { break }
        out.append(c)
    }
    return out
}
