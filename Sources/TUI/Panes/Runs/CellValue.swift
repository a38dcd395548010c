import Analysis
import Tracking

extension RunsPane {
    /// The selected cell in the value viewer, in full where the table shortens it: the whole
    /// source path, every digit of a metric, the whole param or tag.
    static func showCell(_ state: inout AppState) -> [Effect] {
        guard let run = state.selectedRun, state.table.columns.indices.contains(state.table.selectedColumn) else { return [] }
        let column = state.table.columns[state.table.selectedColumn]
        let text = fullCellText(run, column, now: state.now, utcOffset: state.utcOffset, summaries: state.table.summaries) ?? "(not set on this run)"
        return ValueOverlay.open(&state, title: "\(run.info.runName) · \(column.title)", text: text)
    }

    /// nil when the run has no value for the column.
    static func fullCellText(_ run: Run, _ column: RunColumn, now: Double, utcOffset: Int,
                             summaries: HistorySummaries = HistorySummaries()) -> String? {
        switch column {
        case .name: return run.info.runName
        case .started:
            return run.info.startTime.map { "\(formatAbsolute($0, utcOffset: utcOffset)) (\(formatRelative($0, now: now)))" }
        case .duration: return formatDuration(run, now: now)
        case .user: return run.info.userID
        case .source: return run.data.tag("mlflow.source.name")
        case .param(let k): return run.data.param(k)
        case .tag(let k): return run.data.tag(k)
        case .best:
            return column.columnKey.cell(of: run, summaries: summaries).number.map { "\($0)" }
        case .metric(let k), .sparkline(let k):
            // Every digit: the table rounds to 6 significant ones.
            return run.data.metric(k).map { m in
                (m.value.isFinite ? "\(m.value)" : formatNumber(m.value)) + "   step \(m.step)"
            }
        }
    }
}
