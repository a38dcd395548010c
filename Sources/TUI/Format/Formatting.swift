import Foundation
import Terminal
import Tracking

/// Formatting shared by panes and the scripting commands.

public func statusGlyph(_ status: RunStatus) -> String {
    switch status {
    case .running: return "●"
    case .scheduled: return "◷"
    case .finished: return "✓"
    case .failed: return "✗"
    case .killed: return "■"
    }
}

func statusRole(_ status: RunStatus) -> ThemeRole {
    switch status {
    case .running: return .status_running
    case .scheduled: return .status_scheduled
    case .finished: return .status_finished
    case .failed: return .status_failed
    case .killed: return .status_killed
    }
}

/// Metric values: NaN and infinities spelled as MLflow prints them, others with 6 significant digits.
public func formatNumber(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    // MLflow's SQL stores keep infinities as ±max double (sqlalchemy_store.sanitize_metric_value).
    if abs(value) == Double.greatestFiniteMagnitude { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(format: "%.6g", value)
}

public func formatAbsolute(_ millis: Int64, utcOffset: Int) -> String {
    var t = time_t(millis / 1000 + Int64(utcOffset))
    var tm = tm()
    gmtime_r(&t, &tm)
    return String(format: "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
}

/// "12s ago", "5m ago", "3h ago", "4d ago".
public func formatRelative(_ millis: Int64, now: Double) -> String {
    let seconds = Int64(now) - millis / 1000
    if seconds < 0 { return "in future" }
    if seconds < 60 { return "\(seconds)s ago" }
    if seconds < 3600 { return "\(seconds / 60)m ago" }
    if seconds < 86400 { return "\(seconds / 3600)h ago" }
    if seconds < 86400 * 365 { return "\(seconds / 86400)d ago" }
    return "\(seconds / (86400 * 365))y ago"
}

/// Wall time from start to end, or to now for a RUNNING run (marked with "…").
public func formatDuration(_ run: Run, now: Double) -> String {
    guard let start = run.info.startTime else { return "-" }
    let running = run.info.endTime == nil
    let end = run.info.endTime ?? (run.info.status == .running ? Int64(now * 1000) : start)
    let ms = max(0, end - start)
    let text: String
    if ms < 1000 { text = "\(ms)ms" }
    else if ms < 60_000 { text = String(format: "%.1fs", Double(ms) / 1000) }
    else if ms < 3_600_000 { text = "\(ms / 60_000)m\(String(format: "%02d", (ms / 1000) % 60))s" }
    else { text = "\(ms / 3_600_000)h\(String(format: "%02d", (ms / 60_000) % 60))m" }
    return running && run.info.status == .running ? text + "…" : text
}

/// Greedy word wrap by display width; words longer than a line are cut.
public func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [text] }
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
        let candidate = line.isEmpty ? word : line + " " + word
        if DisplayWidth.of(candidate) <= width { line = candidate; continue }
        if !line.isEmpty { lines.append(line) }
        var rest = word
        while DisplayWidth.of(rest) > width {
            var chunk = ""
            var it = rest.makeIterator()
            var used = 0
            while let c = it.next() {
                if used + DisplayWidth.of(c) > width { break }
                chunk.append(c); used += DisplayWidth.of(c)
            }
            lines.append(chunk)
            rest = String(rest.dropFirst(chunk.count))
        }
        line = rest
    }
    lines.append(line)
    return lines
}
