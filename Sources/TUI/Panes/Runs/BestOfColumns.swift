import Analysis
import Tracking

/// A sort MLflow's order_by cannot do (best-of columns): the loaded runs sorted on the client
/// once their summaries are in; numbers first, then NaN, then runs without a value.
struct LocalSort: Equatable, Sendable {
    var column: RunColumn
    var ascending: Bool
}

extension RunColumn {
    /// The table's column for a key in `mltui runs --columns` syntax; nil for keys the table has
    /// no column for (run_id, status, end_time, datasets.name, ...).
    init?(columnKey: ColumnKey) {
        switch columnKey {
        case .attribute("run_name"): self = .name
        case .attribute("start_time"): self = .started
        case .attribute("user_id"): self = .user
        case .duration: self = .duration
        case .param(let k): self = .param(k)
        case .metric(let k): self = .metric(k)
        case .tag(let k): self = .tag(k)
        case .best(let best, let k): self = .best(best, k)
        case .attribute, .datasetNames: return nil
        }
    }
}

extension RunsPane {
    /// `:column KEY`: adds a column named as `mltui runs --columns` names it (`params.lr`,
    /// `min(metrics.loss)`, `metrics.loss@100`) and selects it; selects it when already shown.
    static func addColumn(_ state: inout AppState, _ text: String) -> [Effect] {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            showMessage(&state, "usage: :column KEY, e.g. :column params.lr, :column max(metrics.acc), :column metrics.loss@100", isError: true)
            return []
        }
        let key: ColumnKey
        do { key = try ColumnKey.parse(text) } catch {
            showMessage(&state, error.asMLflowError.message, isError: true)
            return []
        }
        guard let column = RunColumn(columnKey: key) else {
            showMessage(&state, "column '\(key.header)': the runs table has no column for it (try run_name, start_time, duration, user_id, params.K, metrics.K, tags.K, min(metrics.K), max(metrics.K), metrics.K@STEP)", isError: true)
            return []
        }
        if let i = state.table.columns.firstIndex(of: column) {
            state.table.selectedColumn = i
            showMessage(&state, "\(column.title) is already shown")
        } else {
            state.table.columns.append(column)
            state.table.selectedColumn = state.table.columns.count - 1
            // A typo would otherwise show as an empty column: say so (the column stays, as the
            // key may appear in pages not loaded yet).
            if let metric = key.history?.metric ?? (key.isNumeric ? key.searchKey?.key : nil),
               !state.table.runs.isEmpty, !state.table.runs.contains(where: { $0.data.metric(metric) != nil }) {
                showMessage(&state, "no loaded run has metric \(metric): \(column.title) stays empty", isError: true)
            }
        }
        state.pane = .runs
        clampAll(&state)
        return []
    }

    /// `s` on a best-of column (and `:sort max(metrics.loss)`): a local sort, descending first
    /// as metrics are; again flips it. MLflow's order goes, and the runs reload in its default
    /// order so the next page's token matches the search it came from.
    static func setLocalSort(_ state: inout AppState, _ column: RunColumn, ascending: Bool?) -> [Effect] {
        if let ascending {
            state.table.view.localSort = LocalSort(column: column, ascending: ascending)
        } else if let current = state.table.view.localSort, current.column == column {
            state.table.view.localSort!.ascending.toggle()
        } else {
            state.table.view.localSort = LocalSort(column: column, ascending: false)
        }
        if state.table.sort != nil {
            state.table.sort = nil
            return [searchRuns(&state, mode: .replace)]
        }
        rebuildRows(&state)
        state.table.cursor = ListCursor()  // a new order is read from its first row, as MLflow's order is
        clampAll(&state)
        return []
    }

    /// Rebuilds the rows in the local sort's order as values arrive: a cursor on the first row
    /// stays there (the best run so far), any other stays on its run.
    static func resortKeepingCursor(_ state: inout AppState) {
        let selected = state.table.cursor.index == 0 ? nil : state.selectedRun?.info.runID
        rebuildRows(&state)
        if let selected, let row = state.table.row(ofRun: selected) { state.table.cursor.index = row }
    }

    /// Orders the rows by the local sort, if any. A tree keeps each top-level run with its
    /// children: the top-level runs are sorted.
    static func sortRowsLocally(_ state: inout AppState) {
        guard let sort = state.table.view.localSort else { return }
        let key = sort.column.columnKey
        let runs = state.table.runs, summaries = state.table.summaries
        var blocks: [[RunRow]] = []
        for row in state.table.rows {
            if row.depth == 0 || blocks.isEmpty { blocks.append([row]) } else { blocks[blocks.count - 1].append(row) }
        }
        let values = blocks.map { key.cell(of: runs[$0[0].index], summaries: summaries).number }
        func rank(_ v: Double?) -> Int { v == nil ? 2 : v!.isNaN ? 1 : 0 }
        let order = blocks.indices.sorted { a, b in
            let (x, y) = (values[a], values[b])
            if rank(x) != rank(y) { return rank(x) < rank(y) }
            if rank(x) == 0, x! != y! { return sort.ascending ? x! < y! : x! > y! }
            return a < b  // stable: ties keep MLflow's order
        }
        state.table.rows = order.flatMap { blocks[$0] }
    }

    /// The title's sort part for a local sort: `sort max(loss) ↓ (local)`, and while the values
    /// it sorts by are loading, `(local, loading)`.
    static func localSortTitle(_ table: RunsTable) -> String? {
        guard let sort = table.view.localSort else { return nil }
        var text = "sort \(sort.column.title) \(sort.ascending ? "↑" : "↓") (local"
        if case .best(_, let key) = sort.column, table.summaryLoads.metrics[key]?.isLoading ?? true { text += ", loading" }
        return text + ")"
    }
}
