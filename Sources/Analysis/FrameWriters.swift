import Foundation
import Tracking

/// Writes a `RunFrame` as a file or as command output. CSV and JSON are exact (full precision,
/// epoch milliseconds); Markdown and the aligned table take the display text of each cell from
/// the caller (the UI's number, time and duration formats).
public enum FrameWriters {
    /// The exact text of a cell: Python's repr for numbers (as `mlflow.search_runs` would write
    /// them), milliseconds for times and durations, empty when missing.
    public static func exact(_ cell: Cell) -> String {
        switch cell {
        case .missing: return ""
        case .text(let t): return t
        case .number(let v): return JSONWriter.pythonRepr(v)
        case .time(let t), .duration(let t, _): return String(t)
        case .count(let n): return String(n)
        }
    }

    /// RFC 4180 CSV: fields with commas, quotes or line breaks quoted, quotes doubled; CRLF lines.
    public static func csv(_ frame: RunFrame) -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out = frame.header.map(field).joined(separator: ",") + "\r\n"
        for row in frame.rows { out += row.map { field(exact($0)) }.joined(separator: ",") + "\r\n" }
        return out
    }

    /// An array of objects, one per row, keyed by the header; numbers as numbers (NaN and
    /// infinities as MLflow's JSON writes them), missing values as null.
    public static func json(_ frame: RunFrame) -> [UInt8] {
        var w = JSONWriter()
        w.beginArray()
        for row in frame.rows {
            w.beginObject()
            for (name, cell) in zip(frame.header, row) {
                w.key(name)
                switch cell {
                case .missing: w.null()
                case .text(let t): w.value(t)
                case .number(let v): w.value(v)
                case .time(let t), .duration(let t, _): w.value(t)
                case .count(let n): w.value(n)
                }
            }
            w.endObject()
        }
        w.endArray()
        return w.bytes + [UInt8(ascii: "\n")]
    }

    /// A GitHub-flavoured Markdown table; `|` escaped, line breaks as `<br>`.
    public static func markdown(_ frame: RunFrame, display: (Cell) -> String) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: "<br>")
                .replacingOccurrences(of: "\n", with: "<br>")
        }
        func line(_ cells: [String]) -> String { "| " + cells.map(escaped).joined(separator: " | ") + " |\n" }
        var out = line(frame.header)
        out += "|" + frame.header.map { _ in " --- |" }.joined() + "\n"
        for row in frame.rows { out += line(row.map(display)) }
        return out
    }
}
