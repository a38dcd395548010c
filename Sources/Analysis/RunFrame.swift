import Tracking

/// A runs table ready to write: a header and typed cells. Built the same way for `mltui runs`
/// and for `:export` in the UI, so a file exported from the screen equals what the command
/// prints for the same view.
public struct RunFrame: Equatable, Sendable {
    public var header: [String]
    public var rows: [[Cell]]

    public init(header: [String], rows: [[Cell]]) {
        self.header = header
        self.rows = rows
    }

    /// One row per run: run_id (once, even if listed), then the columns.
    public static func runs(_ runs: [Run], columns: [ColumnKey], summaries: HistorySummaries = HistorySummaries(),
                            now: Int64 = 0) -> RunFrame {
        let columns = columns.filter { $0 != .attribute("run_id") }
        return RunFrame(header: ["run_id"] + columns.map(\.header), rows: runs.map { run in
            [.text(run.info.runID)] + columns.map { $0.cell(of: run, summaries: summaries, now: now) }
        })
    }

    /// One row per group: the group keys (named as given), `count`, then for every numeric
    /// column `<column>.<aggregate>` for each aggregate, e.g. `metrics.f1.mean`.
    public static func groups(_ runs: [Run], by keys: [ColumnKey], columns: [ColumnKey],
                              aggregates: [Aggregate] = Aggregate.allCases,
                              summaries: HistorySummaries = HistorySummaries()) -> RunFrame {
        let numeric = columns.filter(\.isNumeric)
        let header = keys.map(\.header) + ["count"] + numeric.flatMap { c in aggregates.map { "\(c.header).\($0.rawValue)" } }
        let groups = Grouping.group(runs, by: keys)
        let columnAggregates = numeric.map { Grouping.aggregates(groups, runs, $0, summaries: summaries) }
        let rows = groups.enumerated().map { g, group -> [Cell] in
            let keyCells = group.values.map { $0.map(Cell.text) ?? .missing }
            let aggregateCells = columnAggregates.flatMap { perGroup -> [Cell] in
                aggregates.map { perGroup[g].value($0).map(Cell.number) ?? .missing }
            }
            return keyCells + [.count(group.members.count)] + aggregateCells
        }
        return RunFrame(header: header, rows: rows)
    }

    /// The metric keys any of the runs has, sorted: the default numeric columns of a grouping.
    public static func metricColumns(_ runs: [Run]) -> [ColumnKey] {
        var keys = Set<String>()
        for run in runs { run.data.metrics.forEach { keys.insert($0.key) } }
        return keys.sorted().map(ColumnKey.metric)
    }
}
