import Foundation
import Tracking

/// Something a person watching training wants to know at once: a run that failed or was killed,
/// a metric whose latest value is NaN or infinite, or a RUNNING run that stopped logging.
public struct RunAlert: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case failed, killed
        case nonFinite(metric: String, value: Double, step: Int64)
        /// No metric logged for `silentMs`, where the run usually logs every `intervalMs`.
        case stalled(silentMs: Int64, intervalMs: Int64)

        /// One word for the kind, as `mltui watch` prints it and scripts match it.
        public var name: String {
            switch self {
            case .failed: return "failed"
            case .killed: return "killed"
            case .nonFinite(_, let value, _): return value.isNaN ? "nan" : "inf"
            case .stalled: return "stalled"
            }
        }
    }

    public var kind: Kind
    public var runID: String
    public var runName: String
    public var experimentID: String
    /// When it happened, in milliseconds since the epoch: the run's end for failed and killed,
    /// the value's timestamp for NaN and ±inf, when the silence passed the limit for a stall.
    public var time: Int64

    /// What happened, in words: "the run ended FAILED", "loss is NaN at step 120", …
    public var message: String {
        switch kind {
        case .failed: return "the run ended FAILED"
        case .killed: return "the run was KILLED"
        case .nonFinite(let metric, let value, let step):
            let text = value.isNaN ? "NaN" : (value > 0 ? "+inf" : "-inf")  // ±max double too: isNonFinite
            return "\(metric) is \(text) at step \(step)"
        case .stalled(let silent, let interval):
            return "no metric logged for \(Self.duration(silent)) (usually every \(Self.duration(interval)))"
        }
    }

    static func duration(_ ms: Int64) -> String {
        let seconds = Double(ms) / 1000
        if seconds < 10 { return String(Double(Int(seconds * 10)) / 10) + "s" }
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
    }

    /// The key that makes an alert raised once: per run and kind (per metric for NaN).
    var identity: String {
        switch kind {
        case .nonFinite(let metric, _, _): return "nonfinite\u{0}\(runID)\u{0}\(metric)"
        default: return "\(kind.name)\u{0}\(runID)"
        }
    }
}

/// Turns what successive reads of the watched runs show into alerts, each raised once. Pure:
/// the caller reads the store and the clock (`mltui watch`, the UI's inbox).
///
/// A run is stalled when it is RUNNING and its newest metric timestamp is older than
/// `stallFactor` times its usual logging interval (the median gap between the distinct
/// timestamps of a history, `learnInterval`), and at least `stallMinimumMs`; a run silent since
/// before `silentSince` (left RUNNING by a job that died long ago) is not news. A stalled run
/// that logs again can stall again later, and a metric NaN again after a finite value raises
/// again. Timestamps are the logging client's clock.
public struct AlertDetector: Equatable, Sendable {
    public var stallFactor: Double
    public var stallMinimumMs: Int64
    public var silentSince: Int64 = .min
    private var raised: Set<String> = []
    /// The usual gap between a run's metric timestamps, learned from a history.
    private var intervals: [String: Int64] = [:]
    /// The newest metric timestamp when a run was said to be stalled.
    private var stalledAt: [String: Int64] = [:]

    public init(stallFactor: Double = 5, stallMinimumMs: Int64 = 60_000, silentSince: Int64 = .min) {
        self.stallFactor = stallFactor
        self.stallMinimumMs = stallMinimumMs
        self.silentSince = silentSince
    }

    /// NaN and ±inf, and ±max double, which MLflow's SQL stores keep for ±inf
    /// (`sqlalchemy_store.sanitize_metric_value`).
    public static func isNonFinite(_ value: Double) -> Bool {
        !value.isFinite || abs(value) == .greatestFiniteMagnitude
    }

    /// The runs whose logging interval is known.
    public var knownIntervals: Set<String> { Set(intervals.keys) }

    /// RUNNING runs whose logging interval is not known yet: the caller reads a history of
    /// the metric logged last (`lastLoggedMetric`) and hands its timestamps to `learnInterval`.
    public func needsInterval(_ run: Run) -> Bool {
        run.info.status == .running && intervals[run.info.runID] == nil && !run.data.metrics.isEmpty
    }

    public static func lastLoggedMetric(_ run: Run) -> String? {
        run.data.metrics.max { ($0.timestamp, $0.key) < ($1.timestamp, $1.key) }?.key
    }

    /// The median gap between distinct timestamps (a batch logs many points at one time). Fewer
    /// than three distinct timestamps say too little: the interval stays unknown for now.
    public mutating func learnInterval(runID: String, timestamps: [Int64]) {
        let distinct = Array(Set(timestamps)).sorted()
        guard distinct.count >= 3 else { return }
        let gaps = zip(distinct.dropFirst(), distinct).map { $0.subtractingReportingOverflow($1).overflow ? Int64.max : $0 - $1 }.sorted()
        intervals[runID] = max(1, gaps[gaps.count / 2])
    }

    /// The alerts the runs show at `now` (milliseconds) that were not raised before.
    public mutating func observe(_ runs: [Run], now: Int64) -> [RunAlert] {
        var alerts: [RunAlert] = []
        func raise(_ kind: RunAlert.Kind, _ run: Run, at time: Int64) {
            let alert = RunAlert(kind: kind, runID: run.info.runID, runName: run.info.runName, experimentID: run.info.experimentID, time: time)
            if raised.insert(alert.identity).inserted { alerts.append(alert) }
        }
        for run in runs {
            switch run.info.status {
            case .failed: raise(.failed, run, at: run.info.endTime ?? now)
            case .killed: raise(.killed, run, at: run.info.endTime ?? now)
            default: break
            }
            for metric in run.data.metrics.sorted(by: { $0.key < $1.key }) {
                if Self.isNonFinite(metric.value) {
                    raise(.nonFinite(metric: metric.key, value: metric.value, step: metric.step), run, at: metric.timestamp)
                } else {
                    raised.remove("nonfinite\u{0}\(run.info.runID)\u{0}\(metric.key)")
                }
            }
            guard run.info.status == .running, let interval = intervals[run.info.runID],
                  let last = run.data.metrics.map(\.timestamp).max() else { continue }
            let id = run.info.runID
            if let at = stalledAt[id], last > at {
                // It logged again: a later silence is a new stall.
                stalledAt[id] = nil
                raised.remove("stalled\u{0}\(id)")
            }
            let limit = max(stallMinimumMs, Int64(min(Double(Int64.max / 2), (Double(interval) * stallFactor).rounded())))
            let (silent, overflow) = now.subtractingReportingOverflow(last)
            if !overflow, silent > limit, last >= silentSince, stalledAt[id] == nil {
                stalledAt[id] = last
                raise(.stalled(silentMs: silent, intervalMs: interval), run, at: now)
            }
        }
        return alerts
    }
}

/// What one read of the watched experiments found: their runs, and for RUNNING runs whose
/// interval the detector does not know yet, the timestamps of a history.
public struct AlertPoll: Equatable, Sendable {
    public var runs: [Run]
    public var histories: [String: [Int64]]
    /// When the read began (ms): silences are measured to it, so a slow read adds none.
    public var startedAt: Int64

    public init(runs: [Run], histories: [String: [Int64]], startedAt: Int64) {
        self.runs = runs
        self.histories = histories
        self.startedAt = startedAt
    }

    /// How far back the next read looks for ended runs: this one's start, less five minutes
    /// for the logging clients' clocks, so a long watch reads only what ended lately.
    public var nextEndedSince: Int64 { startedAt - 300_000 }

    /// The RUNNING runs of `experimentIDs` and those that ended at `endedSince` or later
    /// (MLflow's grammar has no OR: two searches); a page of the last logged metric's history
    /// (at most 1,000 points) for each RUNNING run not in `knownIntervals`.
    public static func read(_ store: any TrackingStore, experimentIDs: [String], endedSince: Int64,
                            knownIntervals: Set<String>) async throws -> AlertPoll {
        let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
        guard !experimentIDs.isEmpty else { return AlertPoll(runs: [], histories: [:], startedAt: startedAt) }
        var runs = try await store.allRuns(RunSearch(experimentIDs: experimentIDs, filter: "attributes.status = 'RUNNING'"))
        let seen = Set(runs.map(\.info.runID))
        let ended = try await store.allRuns(RunSearch(experimentIDs: experimentIDs, filter: "attributes.end_time >= \(endedSince)"))
        runs += ended.filter { !seen.contains($0.info.runID) }
        var histories: [String: [Int64]] = [:]
        for run in runs where run.info.status == .running && !knownIntervals.contains(run.info.runID) {
            guard let key = AlertDetector.lastLoggedMetric(run),
                  let page = try? await store.metricHistory(runID: run.info.runID, key: key, maxResults: 1000, pageToken: nil) else { continue }
            histories[run.info.runID] = page.items.map(\.timestamp)
        }
        return AlertPoll(runs: runs, histories: histories, startedAt: startedAt)
    }
}

extension AlertDetector {
    /// Learns the intervals a poll brought, then observes its runs as of the poll's start.
    public mutating func observe(_ poll: AlertPoll) -> [RunAlert] {
        for (runID, timestamps) in poll.histories { learnInterval(runID: runID, timestamps: timestamps) }
        return observe(poll.runs, now: poll.startedAt)
    }
}
