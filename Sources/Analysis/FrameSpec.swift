import Tracking

/// Everything that decides a written runs table besides the store: which runs (MLflow's search:
/// experiments, filter, order, view type, limit), then the columns and the group keys. `mltui
/// runs` and `:export` build one and write `frame(...)`, so the same view gives the same file.
public struct FrameSpec: Equatable, Sendable {
    public var search: RunSearch
    public var columns: [ColumnKey]
    /// Empty: one row per run; otherwise one row per group (`RunFrame.groups`).
    public var groupBy: [ColumnKey]

    public init(search: RunSearch, columns: [ColumnKey], groupBy: [ColumnKey] = []) {
        self.search = search
        self.columns = columns
        self.groupBy = groupBy
    }

    /// The table of the runs the search returned (in its order).
    public func frame(_ runs: [Run], summaries: HistorySummaries = HistorySummaries(), now: Int64 = 0) -> RunFrame {
        groupBy.isEmpty
            ? RunFrame.runs(runs, columns: columns, summaries: summaries, now: now)
            : RunFrame.groups(runs, by: groupBy, columns: columns, summaries: summaries)
    }

    /// Per metric, the steps its best-of columns read: what `metricSummaries` must load (one
    /// call per metric, its steps the union of the metric's `@STEP` columns).
    public var historyNeeds: [String: Set<Int64>] {
        var needs: [String: Set<Int64>] = [:]
        for column in columns {
            guard let (metric, step) = column.history else { continue }
            needs[metric, default: []].formUnion(step.map { [$0] } ?? [])
        }
        return needs
    }
}

extension RunFrame {
    /// The columns of `mlflow.search_runs`' data frame (`mlflow/tracking/fluent.py`
    /// `search_runs`): run attributes, then metrics.*, params.*, tags.* of every key the runs
    /// have, each kind sorted.
    public static func searchRunsColumns(_ runs: [Run]) -> [ColumnKey] {
        var metrics = Set<String>(), params = Set<String>(), tags = Set<String>()
        for run in runs {
            run.data.metrics.forEach { metrics.insert($0.key) }
            run.data.params.forEach { params.insert($0.key) }
            run.data.tags.forEach { tags.insert($0.key) }
        }
        let attributes = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"].map(ColumnKey.attribute)
        return attributes + metrics.sorted().map(ColumnKey.metric) + params.sorted().map(ColumnKey.param)
            + tags.sorted().map(ColumnKey.tag)
    }
}

extension ColumnKey {
    /// Whether runs can be grouped by this key: params, tags, attributes and dataset names;
    /// metrics are what groups aggregate.
    public var isGroupable: Bool {
        switch self {
        case .param, .tag, .attribute, .datasetNames: return true
        case .metric, .best, .duration: return false
        }
    }

    /// Group keys from `--group-by`/`:group` text (comma-separated); a key that cannot group
    /// is an error naming it.
    public static func parseGroupKeys(_ text: String, naming: String = "group key") throws -> [ColumnKey] {
        try parseList(text, naming: naming).map { key in
            guard key.isGroupable else {
                let what = key.isNumeric ? "a metric is aggregated in every group, not grouped by" : "runs are not grouped by duration"
                throw MLflowError(.invalidParameterValue,
                                  "\(naming) '\(key.header)': \(what); group by params, tags, attributes or datasets.name")
            }
            return key
        }
    }
}
