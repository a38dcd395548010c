/// What best-of columns read from one metric's whole history of one run: its least and greatest
/// value and the value at chosen steps. NaN points are skipped, as pandas skips them.
public struct MetricSummary: Sendable, Equatable {
    /// nil when the run has no history for the key; NaN when every point is NaN.
    public var min: Double?
    public var max: Double?
    /// Per asked step that has points: the value logged there that MLflow would call latest
    /// (greatest timestamp, then value: `Metric.isLater`).
    public var atStep: [Int64: Double]

    public init(min: Double? = nil, max: Double? = nil, atStep: [Int64: Double] = [:]) {
        self.min = min
        self.max = max
        self.atStep = atStep
    }

    public static func == (a: MetricSummary, b: MetricSummary) -> Bool {
        func same(_ x: Double?, _ y: Double?) -> Bool {
            switch (x, y) {
            case (nil, nil): return true
            case let (x?, y?): return x == y || (x.isNaN && y.isNaN)
            default: return false
            }
        }
        return same(a.min, b.min) && same(a.max, b.max) && a.atStep.count == b.atStep.count
            && a.atStep.allSatisfy { same($0.value, b.atStep[$0.key]) }
    }

    /// The summary of a history given point by point, in any order.
    public init(history: some Sequence<Metric>, steps: Set<Int64>) {
        var low: Double?, high: Double?, sawAny = false
        var latestAt: [Int64: Metric] = [:]
        for point in history {
            sawAny = true
            if !point.value.isNaN {
                low = Swift.min(low ?? point.value, point.value)
                high = Swift.max(high ?? point.value, point.value)
            }
            if steps.contains(point.step), latestAt[point.step].map({ point.isLater(than: $0) }) ?? true {
                latestAt[point.step] = point
            }
        }
        self.init(min: low ?? (sawAny ? .nan : nil), max: high ?? (sawAny ? .nan : nil),
                  atStep: latestAt.mapValues(\.value))
    }
}

extension TrackingStore {
    /// Summaries of one metric's history for many runs, read through `metricHistory` a few runs at
    /// a time (what a REST store does: `get-history` per run); runs without the metric are absent.
    public func metricSummaries(runIDs: [String], key: String, steps: Set<Int64>) async throws -> [String: MetricSummary] {
        try await summariesFromHistories(runIDs: runIDs, key: key, steps: steps, concurrency: 8)
    }

    public func summariesFromHistories(runIDs: [String], key: String, steps: Set<Int64>,
                                       concurrency: Int) async throws -> [String: MetricSummary] {
        var result: [String: MetricSummary] = [:]
        var next = 0
        try await withThrowingTaskGroup(of: (String, MetricSummary).self) { group in
            func start() {
                let id = runIDs[next]
                next += 1
                group.addTask { (id, MetricSummary(history: try await self.fullMetricHistory(runID: id, key: key), steps: steps)) }
            }
            while next < runIDs.count && next < concurrency { start() }
            while let (id, summary) = try await group.next() {
                if summary.min != nil { result[id] = summary }
                if next < runIDs.count { start() }
            }
        }
        return result
    }
}
