import Analysis
import Foundation
import Terminal
import Tracking

/// The alerts of the experiments watched this session (each one opened counts from then on):
/// a run that failed or was killed, a metric gone NaN or infinite, a RUNNING run gone silent
/// (Analysis/Alerts.swift decides). Read on every refresh; new ones add to the header's badge
/// and, when the config asks, ring the terminal's bell or send a desktop notification.
struct AlertInbox: Equatable, Sendable {
    var detector = AlertDetector()
    /// Newest poll first; one poll's in the order they were noticed.
    var entries: [Entry] = []
    /// Alerts not seen yet in the inbox: the header's badge.
    var unread = 0
    var watched: [String] = []
    /// Runs that ended before this (milliseconds) raise nothing: set an hour before the UI started.
    var endedSince: Int64 = 0
    /// The poll on its way, so ticks do not pile polls up.
    var polling: Int?
    var notify: AlertNotification = .none
    /// Why the last read failed (shown in the inbox); nil once one succeeds.
    var lastError: String?

    struct Entry: Equatable, Sendable {
        var alert: RunAlert
        var experimentName: String
    }

    /// Most kept; the oldest go first.
    static let limit = 500
}

/// How a new alert reaches a person who is not looking: nothing, the terminal's bell (tmux marks
/// the window), or a desktop notification through the terminal (OSC 9: iTerm2, kitty, WezTerm,
/// Windows Terminal; OSC 777: urxvt, foot, Konsole, VTE terminals).
public enum AlertNotification: String, Sendable, CaseIterable {
    case none, bell, osc9, osc777

    /// The bytes to write for `text`, nil for none. Run names reach it: every control character
    /// (C0, DEL, C1, line separators) and `;` are dropped, so nothing ends the sequence early.
    func sequence(_ text: String) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(200) {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || scalar == ";" { continue }
            scalars.append(scalar)
        }
        let clean = String(scalars)
        switch self {
        case .none: return nil
        case .bell: return "\u{07}"
        case .osc9: return "\u{1B}]9;\(clean)\u{07}"
        case .osc777: return "\u{1B}]777;notify;mltui;\(clean)\u{07}"
        }
    }
}

extension AlertInbox {
    /// Starts watching an experiment (the UI calls it when one is opened).
    mutating func watch(_ experimentID: String) {
        if !watched.contains(experimentID) { watched.append(experimentID) }
    }

    /// The read of the watched experiments, unless one is on its way.
    static func poll(_ state: inout AppState) -> Effect? {
        guard !state.alerts.watched.isEmpty, state.alerts.polling == nil else { return nil }
        let request = state.nextRequest()
        state.alerts.polling = request
        return .pollAlerts(request: request, experimentIDs: state.alerts.watched, endedSince: state.alerts.endedSince,
                           knownIntervals: state.alerts.detector.knownIntervals)
    }

    static func polled(_ state: inout AppState, request: Int, _ result: Result<AlertPoll, MLflowError>) -> [Effect] {
        guard request == state.alerts.polling else { return [] }
        state.alerts.polling = nil
        let poll: AlertPoll
        switch result {
        case .success(let read): poll = read
        case .failure(let error):
            // Kept for the inbox to show: an older server may refuse the search, say.
            state.alerts.lastError = error.oneLineMessage
            return []
        }
        state.alerts.lastError = nil
        state.alerts.endedSince = max(state.alerts.endedSince, poll.nextEndedSince)
        let new = state.alerts.detector.observe(poll)
        guard !new.isEmpty else { return [] }
        let names = Dictionary(state.experiments.rows.map { ($0.experiment.experimentID, $0.experiment.name) }, uniquingKeysWith: { a, _ in a })
        let entries = new.map { Entry(alert: $0, experimentName: names[$0.experimentID] ?? $0.experimentID) }
        state.alerts.entries = Array((entries + state.alerts.entries).prefix(limit))
        if state.alertsOverlay != nil {
            // Seen as they come, and the row under the cursor stays the one chosen.
            state.alertsOverlay!.cursor.index += entries.count
            state.alertsOverlay!.cursor.top += entries.count
        } else {
            state.alerts.unread += new.count
        }
        AlertsOverlay.clamp(&state)
        let first = entries[0]
        let text = "\(first.alert.kind.name): \(first.experimentName)/\(first.alert.runName) \(first.alert.message)"
            + (new.count > 1 ? " (and \(new.count - 1) more)" : "")
        return state.alerts.notify.sequence(text).map { [.notify($0)] } ?? []
    }
}

/// The inbox: every alert with its time, newest first; Enter opens the run.
struct AlertsOverlay: Equatable, Sendable, Slice {
    var cursor = ListCursor()

    static let bindings = keyRows(.alerts) { t in
        t.bind([.enter], .open, "open the alert's run", footer: "open run")
        t.bind([.escape], .back, "close the inbox", footer: "close")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        switch command {
        case .back:
            state.alertsOverlay = nil
            return []
        case .open:
            guard let overlay = state.alertsOverlay, state.alerts.entries.indices.contains(overlay.cursor.index) else { return [] }
            let alert = state.alerts.entries[overlay.cursor.index].alert
            state.alertsOverlay = nil
            return DetailsPane.open(&state, alert.runID, push: true)
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.alertsOverlay, \.cursor, by: delta)
    }

    static func pageRows(_ state: AppState) -> Int { max(1, state.size.height - 6) }

    static func clamp(_ state: inout AppState) {
        let (count, visible) = (state.alerts.entries.count, pageRows(state))
        state.alertsOverlay?.cursor.clamp(count: count, visible: visible)
    }

    /// The global key: opens the inbox (its alerts are then seen), or closes it.
    static func toggle(_ state: inout AppState) {
        if state.alertsOverlay != nil { state.alertsOverlay = nil; return }
        state.alertsOverlay = AlertsOverlay()
        state.alerts.unread = 0
        clamp(&state)
    }

    static func render(_ buffer: inout Buffer, _ state: AppState) {
        guard let overlay = state.alertsOverlay else { return }
        let theme = state.theme
        let entries = state.alerts.entries
        let keys = state.keys
        let title = "Alerts (\(entries.count)) · \(keys.label(.open, in: .alerts)) opens the run · \(keys.label(.back, in: .alerts)) closes"
        var rect = overlayBox(&buffer, state, width: min(140, state.size.width - 2),
                              height: max(4, min(entries.count, pageRows(state)) + 2 + (state.alerts.lastError == nil ? 0 : 1)), title: title)
        if let error = state.alerts.lastError {
            buffer.write("the last read failed: \(error)", x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.error])
            rect.y += 1
            rect.height -= 1
        }
        guard !entries.isEmpty else {
            let watched = state.alerts.watched.isEmpty ? "no experiment opened yet" : "watching \(state.alerts.watched.count) experiment\(state.alerts.watched.count == 1 ? "" : "s") opened this session"
            buffer.write("no alerts: \(watched)", x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.dim])
            return
        }
        for i in 0..<rect.height {
            let index = overlay.cursor.top + i
            guard entries.indices.contains(index) else { break }
            let entry = entries[index]
            let selected = index == overlay.cursor.index
            let kind = entry.alert.kind.name.padding(toLength: 8, withPad: " ", startingAt: 0)
            let text = "\(ValueOverlay.clockTime(Double(entry.alert.time) / 1000, utcOffset: state.utcOffset))  \(kind)\(entry.experimentName)/\(entry.alert.runName)  \(entry.alert.message)"
            let role: ThemeRole = selected ? .selected : (entry.alert.kind.name == "stalled" ? .warning : .error)
            buffer.write(DisplayWidth.padded(DisplayWidth.sanitized(text), to: rect.width), x: rect.x, y: rect.y + i, maxWidth: rect.width, style: theme[role])
        }
    }
}
