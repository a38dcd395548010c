import Tracking

/// One value of a runs table, typed so each output writes it its own way: CSV and JSON exactly
/// (`JSONWriter.pythonRepr`, epoch milliseconds), tables and Markdown as the UI shows them.
public enum Cell: Equatable, Sendable {
    case missing
    case text(String)
    case number(Double)
    /// Epoch milliseconds (start_time, end_time).
    case time(Int64)
    /// Milliseconds; `running` when the run has not ended (measured to `now`).
    case duration(Int64, running: Bool)
    case count(Int)

    /// The value as a number, for aggregates and numeric sorting.
    public var number: Double? {
        switch self {
        case .number(let v): return v
        case .time(let t), .duration(let t, _): return Double(t)
        case .count(let n): return Double(n)
        default: return nil
        }
    }

    public var isMissing: Bool { self == .missing }

    public static func == (a: Cell, b: Cell) -> Bool {
        switch (a, b) {
        case (.missing, .missing): return true
        case let (.text(x), .text(y)): return x == y
        case let (.number(x), .number(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.time(x), .time(y)): return x == y
        case let (.duration(x, r), .duration(y, s)): return x == y && r == s
        case let (.count(x), .count(y)): return x == y
        default: return false
        }
    }
}

/// Best-of values for the runs at hand: per metric key, per run id, its `MetricSummary`.
public struct HistorySummaries: Sendable, Equatable {
    public var byMetric: [String: [String: MetricSummary]] = [:]
    public init(byMetric: [String: [String: MetricSummary]] = [:]) { self.byMetric = byMetric }

    public func summary(_ metric: String, run: String) -> MetricSummary? { byMetric[metric]?[run] }
}

extension ColumnKey {
    /// The cell of one run. Best-of columns read `summaries` (missing until loaded); `now` is
    /// epoch milliseconds, for the duration of a run still running.
    public func cell(of run: Run, summaries: HistorySummaries = HistorySummaries(), now: Int64 = 0) -> Cell {
        switch self {
        case .param(let k): return run.data.param(k).map(Cell.text) ?? .missing
        case .tag(let k): return run.data.tag(k).map(Cell.text) ?? .missing
        case .metric(let k): return run.data.metric(k).map { .number($0.value) } ?? .missing
        case .best(let best, let k):
            guard let summary = summaries.summary(k, run: run.info.runID) else { return .missing }
            let value: Double?
            switch best {
            case .min: value = summary.min
            case .max: value = summary.max
            case .atStep(let step): value = summary.atStep[step]
            }
            return value.map(Cell.number) ?? .missing
        case .datasetNames:
            let names = Set(run.inputs.datasetInputs.map(\.dataset.name)).sorted()
            return names.isEmpty ? .missing : .text(names.joined(separator: ","))
        case .duration:
            guard let start = run.info.startTime else { return .missing }
            let running = run.info.endTime == nil && run.info.status == .running
            return .duration((run.info.endTime ?? (running ? now : start)) - start, running: running)
        case .attribute(let k): return Self.attribute(k, of: run.info)
        }
    }

    private static func attribute(_ key: String, of info: RunInfo) -> Cell {
        switch key {
        case "run_id": return .text(info.runID)
        case "run_name": return .text(info.runName)
        case "experiment_id": return .text(info.experimentID)
        case "status": return .text(info.status.rawValue)
        case "user_id": return .text(info.userID)
        case "artifact_uri": return .text(info.artifactURI)
        case "lifecycle_stage": return .text(info.lifecycleStage.rawValue)
        case "start_time": return info.startTime.map(Cell.time) ?? .missing
        case "end_time": return info.endTime.map(Cell.time) ?? .missing
        default: return .missing
        }
    }

    /// The text a group key compares by: params, tags and attributes as they are; nil when the
    /// run lacks the key (such runs form their own group).
    public func groupValue(of run: Run) -> String? {
        switch cell(of: run) {
        case .text(let t): return t
        case .number(let v): return JSONWriter.pythonRepr(v)
        case .time(let t): return String(t)
        case .duration(let d, _): return String(d)
        case .count(let n): return String(n)
        case .missing: return nil
        }
    }
}
