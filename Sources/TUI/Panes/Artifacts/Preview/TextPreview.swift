import Foundation
import Terminal

/// Byte offsets of line starts in a file, built page by page as the viewer reads on, so a 1 GB
/// log opens at once: the first page is indexed immediately and the rest only when scrolled to.
struct LineIndex: Equatable, Sendable {
    /// `starts[i]` is the byte offset where line i begins; starts[0] == 0.
    private(set) var starts: [Int64] = [0]
    /// Bytes indexed so far (everything before this offset has been scanned).
    private(set) var scanned: Int64 = 0
    private(set) var complete = false

    init() {}

    /// Feeds the page that starts at `scanned`; an empty page marks the end of the file.
    mutating func consume(_ page: [UInt8]) {
        guard !complete else { return }
        if page.isEmpty { complete = true; return }
        for (i, byte) in page.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(scanned + Int64(i) + 1)
        }
        scanned += Int64(page.count)
    }

    /// Lines known so far (a last line without a newline counts once the end is reached).
    var lineCount: Int {
        guard complete else { return starts.count - 1 }
        return starts.last == scanned ? starts.count - 1 : starts.count
    }

    /// The byte range of line `i`, when it is fully indexed (end excludes the newline).
    func range(ofLine i: Int) -> Range<Int64>? {
        guard i >= 0, i < lineCount else { return nil }
        let start = starts[i]
        let end = i + 1 < starts.count ? starts[i + 1] - 1 : scanned
        return start..<max(start, end)
    }

    /// Whether the viewer needs more pages to show lines up to `line`.
    func needsMore(forLine line: Int) -> Bool { !complete && line >= lineCount }
}

/// Text lines with a line-number gutter and search matches highlighted; tabs expand to 4
/// spaces, control characters show as `·` (they would break the terminal), invalid UTF-8 as `�`.
func renderTextLines(_ lines: [[UInt8]], firstLineNumber: Int, totalLines: Int, search: String?,
                            theme: Theme) -> [PreviewLine] {
    let gutter = String(max(totalLines, firstLineNumber + lines.count)).count
    return lines.enumerated().map { offset, bytes in
        let number = String(firstLineNumber + offset)
        var spans = [PreviewLine.Span(String(repeating: " ", count: gutter - number.count) + number + " │ ", theme[.dim])]
        let text = displayable(bytes)
        spans += highlight(text, search: search, base: theme[.base], match: theme[.marked])
        return PreviewLine(spans)
    }
}

/// Splits `text` into spans with every case-insensitive occurrence of `search` in `match` style.
func highlight(_ text: String, search: String?, base: Style, match: Style) -> [PreviewLine.Span] {
    guard let search, !search.isEmpty else { return [PreviewLine.Span(text, base)] }
    var spans: [PreviewLine.Span] = []
    var rest = text[...]
    while let found = rest.range(of: search, options: .caseInsensitive) {
        if found.lowerBound > rest.startIndex { spans.append(.init(String(rest[..<found.lowerBound]), base)) }
        spans.append(.init(String(rest[found]), match))
        rest = rest[found.upperBound...]
    }
    if !rest.isEmpty || spans.isEmpty { spans.append(.init(String(rest), base)) }
    return spans
}

func displayable(_ bytes: [UInt8]) -> String {
    var line = bytes
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    var out = ""
    for scalar in String(decoding: line, as: UTF8.self).unicodeScalars {
        if scalar == "\t" { out += "    " } else if scalar.value < 0x20 || scalar.value == 0x7F { out += "·" } else { out.unicodeScalars.append(scalar) }
    }
    return out
}

/// Finds the next line (from `after`, wrapping) containing `query`, case-insensitively, among
/// the lines given; the viewer feeds it the lines it has indexed.
func findLine(_ query: String, in lines: [[UInt8]], after: Int) -> Int? {
    guard !query.isEmpty, !lines.isEmpty else { return nil }
    for step in 1...lines.count {
        let index = (after + step) % lines.count
        if String(decoding: lines[index], as: UTF8.self).range(of: query, options: .caseInsensitive) != nil { return index }
    }
    return nil
}
