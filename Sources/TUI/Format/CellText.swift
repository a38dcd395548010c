import Analysis
import Foundation

/// Times as people read them in a table: local time, to the second (the CLI's tables and
/// Markdown, and `:export` to Markdown).
public enum TimeText {
    public static func local(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "" }
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A cell as tables and Markdown show it: numbers to 6 significant digits, local times,
/// durations in the one duration format ("…" while running), missing as empty.
public func displayText(_ cell: Cell) -> String {
    switch cell {
    case .missing: return ""
    case .text(let t): return t
    case .number(let v): return formatNumber(v)
    case .time(let t): return TimeText.local(t)
    case .duration(let ms, let running): return formatDuration(milliseconds: ms) + (running ? "…" : "")
    case .count(let n): return String(n)
    }
}
