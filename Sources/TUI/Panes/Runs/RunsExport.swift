import Analysis
import Tracking

/// The file formats `:export` writes, by the file name's extension.
enum ExportFormat: String, Equatable, Sendable, CaseIterable {
    case csv, md, json
}

/// A table to write (`Effect.export`): the frame as the view shows it, and where.
struct ExportJob: Equatable, Sendable {
    /// As typed: relative to the launch directory, `~` expanded by the runtime.
    var path: String
    var format: ExportFormat
    var frame: RunFrame
    /// "rows" or "groups", for the message.
    var noun: String
}

/// The runtime's answer to `Effect.export`.
struct ExportOutcome: Equatable, Sendable {
    var job: ExportJob
    /// Why the file could not be written; nil when it was.
    var error: String?
}

/// `:export FILE.csv|.md|.json`: what the table shows, as `mltui runs` prints it. The frame is
/// built as the command builds it (`RunFrame.runs`, `RunFrame.groups` over the view's columns as
/// `RunColumn.columnKey` names them), so the file equals the command's output for the same view
/// (docs/TUI.md names the command); the rows in the order shown.
extension RunsPane {
    static func export(_ state: inout AppState, _ argument: String) -> [Effect] {
        let path = argument.trimmingCharacters(in: .whitespaces)
        let suffix = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        guard !path.isEmpty, path.contains("."), let format = ExportFormat(rawValue: suffix == "markdown" ? "md" : suffix) else {
            showMessage(&state, "usage: :export FILE.csv, FILE.md or FILE.json (the format follows the extension)", isError: true)
            return []
        }
        guard state.table.experimentID != nil else { showMessage(&state, "no experiment open to export", isError: true); return [] }
        let grouped = isGrouped(state.table)
        if grouped && (state.table.nextPageToken != nil || state.table.loading) {
            showMessage(&state, "still loading runs for grouping: export when the title says grouped by", isError: true)
            return []
        }
        let frame = exportFrame(state)
        return [.export(ExportJob(path: path, format: format, frame: frame, noun: grouped ? "groups" : "rows"))]
    }

    /// The table as shown: one row per shown run (filter, fuzzy search, sort, collapsed tree
    /// branches left out), or one per group in the order shown, each aggregate of each metric column.
    static func exportFrame(_ state: AppState) -> RunFrame {
        let table = state.table
        let columns = table.columns.map(\.columnKey)
        guard isGrouped(table) else {
            return RunFrame.runs(table.rows.map { table.runs[$0.index] }, columns: columns, summaries: table.summaries,
                                 now: Int64(state.now * 1000))
        }
        let members = table.groups.flatMap(\.members).sorted()
        let runs = members.map { table.runs[$0] }
        let frame = RunFrame.groups(runs, by: table.view.groupBy, columns: columns, summaries: table.summaries)
        // RunFrame.groups orders as pandas does; the screen may sort them otherwise.
        let keyCount = table.view.groupBy.count
        var byValues: [[String?]: [Cell]] = [:]
        for row in frame.rows {
            byValues[row.prefix(keyCount).map { cell -> String? in if case .text(let t) = cell { return t } else { return nil } }] = row
        }
        return RunFrame(header: frame.header, rows: table.groupOrder.compactMap { byValues[table.groups[$0].values] })
    }

    static func exported(_ state: inout AppState, _ outcome: ExportOutcome) {
        let job = outcome.job
        if let error = outcome.error {
            showMessage(&state, "cannot export to \(job.path): \(error)", isError: true)
        } else {
            let count = job.frame.rows.count
            let noun = count == 1 ? String(job.noun.dropLast()) : job.noun
            showMessage(&state, "exported \(count) \(noun) to \(job.path)")
        }
    }
}
