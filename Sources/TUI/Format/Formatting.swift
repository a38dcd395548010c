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

/// Numbers shown to a person (tables, legends, the chart readout, CLI tables): NaN and
/// infinities spelled as MLflow prints them, others with 6 significant digits. Full precision
/// is for output meant to be read back (CSV, JSON).
public func formatNumber(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    // MLflow's SQL stores keep infinities as ±max double (sqlalchemy_store.sanitize_metric_value).
    if abs(value) == Double.greatestFiniteMagnitude { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return sixSignificantDigits(value)
}

/// printf's "%.6g" without Foundation's String(format:), which costs more than the rest of a
/// table cell: tables format hundreds of numbers a frame.
private func sixSignificantDigits(_ value: Double) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
        let count = withVaList([value]) { vsnprintf(buffer.baseAddress!, 32, "%.6g", $0) }
        return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(max(0, min(count, 31)))), as: UTF8.self)
    }
}

/// "2024-01-01 02:20:00": a full date and time, as the run detail and the chart readout show it.
public func formatAbsolute(_ millis: Int64, utcOffset: Int) -> String {
    let t = calendarParts(millis, utcOffset: utcOffset)
    return String(format: "%04d-%02d-%02d %02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
}

/// A date in a narrow column: "12-05 04:20" within the current year, "2024-01-01" otherwise
/// (the year matters more than the minute once a run is that old).
public func formatShortDate(_ millis: Int64, now: Double, utcOffset: Int) -> String {
    let thisYear = isCurrentYear(millis, now: now, utcOffset: utcOffset)
    return formatDate(millis, now: now, utcOffset: utcOffset, time: thisYear)
}

/// "MM-DD", or "MM-DD HH:MM" with `time`; "YYYY-" in front when the year is not `now`'s.
public func formatDate(_ millis: Int64, now: Double, utcOffset: Int, time: Bool) -> String {
    let t = calendarParts(millis, utcOffset: utcOffset)
    var text = String(format: "%02d-%02d", t.tm_mon + 1, t.tm_mday)
    if !isCurrentYear(millis, now: now, utcOffset: utcOffset) { text = String(format: "%04d-", t.tm_year + 1900) + text }
    if time { text += String(format: " %02d:%02d", t.tm_hour, t.tm_min) }
    return text
}

private func isCurrentYear(_ millis: Int64, now: Double, utcOffset: Int) -> Bool {
    calendarParts(millis, utcOffset: utcOffset).tm_year == calendarParts(Int64(now * 1000), utcOffset: utcOffset).tm_year
}

/// The runs table's "Started" cell: age right-aligned, then the short date ("   3h 12-05 04:20").
public func formatStarted(_ millis: Int64, now: Double, utcOffset: Int) -> String {
    let age = formatRelative(millis, now: now).replacingOccurrences(of: " ago", with: "")
    return DisplayWidth.padded(age, to: 6, alignRight: true) + " " + formatShortDate(millis, now: now, utcOffset: utcOffset)
}

/// The calendar fields of a UTC time shifted by `utcOffset` seconds.
func calendarParts(_ millis: Int64, utcOffset: Int) -> tm {
    var t = time_t(millis / 1000 + Int64(utcOffset))
    var parts = tm()
    gmtime_r(&t, &parts)
    return parts
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

/// Wall time from start to end, or to now for a RUNNING run (marked with "…"); the UI and the
/// scripting commands both show run durations through this.
public func formatDuration(_ run: Run, now: Double) -> String {
    guard let start = run.info.startTime else { return "-" }
    let running = run.info.endTime == nil && run.info.status == .running
    let end = run.info.endTime ?? (running ? Int64(now * 1000) : start)
    let text = formatDuration(milliseconds: end - start)
    return running ? text + "…" : text
}

/// The one duration format: "850ms", "59.9s", "1m00s", "59m59s", "1h00m", "2d03h". Each unit
/// keeps two digits under the larger one so a column of durations lines up; cut, not rounded,
/// so 59.99 s never reads "60.0s".
public func formatDuration(milliseconds: Int64) -> String {
    let ms = max(0, milliseconds)
    let seconds = ms / 1000
    if ms < 1000 { return "\(ms)ms" }
    if seconds < 60 { return "\(seconds).\(ms % 1000 / 100)s" }
    if seconds < 3600 { return "\(seconds / 60)m" + twoDigits(seconds % 60) + "s" }
    if seconds < 86400 { return "\(seconds / 3600)h" + twoDigits(seconds % 3600 / 60) + "m" }
    return "\(seconds / 86400)d" + twoDigits(seconds % 86400 / 3600) + "h"
}

private func twoDigits(_ n: Int64) -> String { n < 10 ? "0\(n)" : String(n) }

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
