import Foundation
import Terminal

/// CSV/TSV as an aligned table: the first row is the header (bold), columns as wide as their
/// widest cell up to `maxColumnWidth`, cells cut with `…`. Quoting as RFC 4180 (and Python's
/// csv module, which MLflow users write with): `"a,b"`, `""` for a quote, newlines in quotes.
func renderTable(_ text: String, separator: Character, maxColumnWidth: Int = 40, theme: Theme) -> [PreviewLine] {
    let rows = parseDelimited(text, separator: separator)
    guard !rows.isEmpty else { return [] }
    let columns = rows.map(\.count).max() ?? 0
    var widths = Array(repeating: 0, count: columns)
    for row in rows {
        for (i, cell) in row.enumerated() { widths[i] = min(max(widths[i], DisplayWidth.of(flat(cell))), maxColumnWidth) }
    }
    var lines: [PreviewLine] = []
    for (r, row) in rows.enumerated() {
        var spans: [PreviewLine.Span] = []
        for i in 0..<columns {
            let cell = i < row.count ? flat(row[i]) : ""
            let fitted = DisplayWidth.padded(DisplayWidth.truncated(cell, to: widths[i]), to: widths[i], alignRight: r > 0 && isNumber(cell))
            spans.append(.init(fitted, r == 0 ? theme[.column_header] : theme[.base]))
            if i < columns - 1 { spans.append(.init(" │ ", theme[.dim])) }
        }
        lines.append(PreviewLine(spans))
        if r == 0 {
            lines.append(PreviewLine(widths.map { String(repeating: "─", count: $0) }.joined(separator: "─┼─"), theme[.dim]))
        }
    }
    return lines
}

/// Rows of cells. A final line cut off mid-file (a page boundary) is kept as it is.
func parseDelimited(_ text: String, separator: Character) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var cell = ""
    var quoted = false
    var iterator = text.makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { cell.append("\"") } else { quoted = false; pending = next }
                } else { quoted = false }
            } else {
                cell.append(c)
            }
        } else if c == "\"" && cell.isEmpty {
            quoted = true
        } else if c == separator {
            row.append(cell); cell = ""
        } else if c == "\n" || c == "\r\n" || c == "\r" {
            row.append(cell); cell = ""
            rows.append(row); row = []
        } else {
            cell.append(c)
        }
    }
    if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
    return rows
}

private func flat(_ cell: String) -> String {
    cell.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: " ")
}

private func isNumber(_ cell: String) -> Bool { !cell.isEmpty && Double(cell.trimmingCharacters(in: .whitespaces)) != nil }
