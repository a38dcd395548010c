import Analysis
import Terminal
import Tracking

/// The runs the scatter and parallel-coordinates panes plot: the marked runs when any are marked
/// (as `c` and `v` act on them, and as MLflow's compare page plots the runs ticked in its
/// table), else every run the table shows: the loaded runs the filter and fuzzy search let
/// through, children folded in the tree view included.
struct PlottedRuns: Equatable, Sendable {
    var runs: [Run] = []
    var marked = false
    /// More pages of runs exist than the table loaded.
    var partial = false
    var summaries = HistorySummaries()

    init(runs: [Run] = [], marked: Bool = false, partial: Bool = false, summaries: HistorySummaries = HistorySummaries()) {
        self.runs = runs
        self.marked = marked
        self.partial = partial
        self.summaries = summaries
    }

    init(_ state: AppState) {
        let table = state.table
        summaries = table.summaries
        if !table.marks.isEmpty {
            let marks = Set(table.marks)
            runs = table.runs.filter { marks.contains($0.info.runID) }
            marked = true
            return
        }
        let fuzzy = state.currentFilter.fuzzy
        runs = fuzzy.isEmpty ? table.runs : table.runs.filter { fuzzyMatch(fuzzy, $0.info.runName) }
        partial = table.nextPageToken != nil
    }

    /// "30 shown runs", "3 marked runs", "500 shown runs (more not loaded)".
    var scope: String {
        "\(runs.count) \(marked ? "marked" : "shown") run\(runs.count == 1 ? "" : "s")" + (partial ? " (more not loaded)" : "")
    }

    /// Each run's value of `key` (nil where it has none): metrics as numbers, params as numbers
    /// when every run's value reads as one, else as categories.
    func values(_ key: ColumnKey) -> [AxisValue?] {
        let cells = runs.map { key.cell(of: $0, summaries: summaries) }
        if key.isNumeric { return cells.map { $0.number.map(AxisValue.number) } }
        let texts: [String?] = cells.map { if case .text(let t) = $0 { return t } else { return $0.number.map { formatNumber($0) } } }
        let numbers = texts.map { $0.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
        let numeric = zip(texts, numbers).allSatisfy { text, number in text == nil || number.map(isPlottable) == true }
        return numeric ? numbers.map { $0.map(AxisValue.number) } : texts.map { $0.map(AxisValue.category) }
    }

    /// The keys a plot can use: params then metrics in key order, then the table's best-of
    /// columns; with how many runs have each and how many distinct values (finite ones, for
    /// numbers) they take.
    func keys(bestOf columns: [RunColumn], metricsOnly: Bool = false) -> [PlotKey] {
        var params = Set<String>(), metrics = Set<String>()
        for run in runs {
            if !metricsOnly { for p in run.data.params { params.insert(p.key) } }
            for m in run.data.metrics { metrics.insert(m.key) }
        }
        let best = columns.compactMap { column -> ColumnKey? in
            if case .best = column { return column.columnKey } else { return nil }
        }
        let all = params.sorted().map(ColumnKey.param) + metrics.sorted().map(ColumnKey.metric) + best
        return all.map { key in
            let values = self.values(key)
            let present = values.compactMap { $0 }
            let distinct = Set(present.filter { if case .number(let v) = $0 { return isPlottable(v) } else { return true } })
            return PlotKey(key: key, runs: present.count, distinct: distinct.count)
        }
    }
}

/// A key offered to a plot: how many runs have it and how many distinct values it takes.
struct PlotKey: Equatable, Sendable {
    var key: ColumnKey
    var runs: Int
    var distinct: Int

    /// The picker's line: "params.lr · 3 values".
    var label: String { "\(key.header) · \(distinct) value\(distinct == 1 ? "" : "s")" }
}

extension ColumnKey {
    /// The short name an axis shows: the bare key (`lr`, `f1`), best-of columns as the runs table
    /// titles them (`min(loss)`, `loss@100`).
    var axisName: String {
        switch self {
        case .param(let k), .metric(let k), .tag(let k), .attribute(let k): return k
        case .best(.min, let k): return "min(\(k))"
        case .best(.max, let k): return "max(\(k))"
        case .best(.atStep(let step), let k): return "\(k)@\(step)"
        case .duration: return "duration"
        case .datasetNames: return "dataset"
        }
    }
}

/// The groups of the runs table's grouping over the plotted runs: each run's group index and the
/// groups' labels ("cnn · adam", "(none)" for a missing key), in `Grouping.group`'s order.
func plotGroups(_ runs: [Run], by keys: [ColumnKey]) -> (ofRun: [Int], labels: [String], counts: [Int]) {
    guard !keys.isEmpty else { return (Array(repeating: 0, count: runs.count), [], []) }
    var ofRun = Array(repeating: 0, count: runs.count)
    let groups = Grouping.group(runs, by: keys)
    for (g, group) in groups.enumerated() { for m in group.members { ofRun[m] = g } }
    let labels = groups.map(\.label)
    return (ofRun, labels, groups.map(\.members.count))
}

/// What the plots were prepared from, to prepare them again when the runs table changes under
/// them (a refresh, a page, best-of values arriving, marks, grouping, the fuzzy search, a resize).
struct PlotInputs: Equatable {
    var runs: [Run]
    var marks: [String]
    var fuzzy: String
    var groupBy: [ColumnKey]
    var summaries: HistorySummaries
    var size: Size

    /// The plot showing (or the one the details were opened from, which Esc returns to).
    var plot: Pane

    /// nil unless a plot is showing (or the details opened from one, which Esc returns to).
    init?(_ state: AppState) {
        plot = state.pane == .details ? state.detailsReturn : state.pane
        guard plot == .scatter || plot == .parallel else { return nil }
        runs = state.table.runs
        marks = state.table.marks
        fuzzy = state.currentFilter.fuzzy
        groupBy = state.table.view.groupBy
        summaries = state.table.summaries
        size = state.size
    }

    static func prepareIfChanged(_ state: inout AppState, since before: PlotInputs?) {
        guard let before, let now = PlotInputs(state), now != before else { return }
        // Only the plot on screen: the other is prepared again when it opens.
        if now.plot == .scatter { ScatterPane.prepare(&state) } else { ParallelPane.prepare(&state) }
    }
}

/// The keys both plots share: Esc back to the runs table, Enter the details of the run under the
/// cursor, Esc there coming back to the plot.
enum PlotNavigation {
    static func back(_ state: inout AppState) -> [Effect] {
        state.pane = .runs
        clampAll(&state)
        return []
    }

    static func openDetails(_ state: inout AppState, _ runID: String?, returningTo plot: Pane) -> [Effect] {
        guard let runID else { return [] }
        state.detailsStack = []
        state.detailsReturn = plot
        return DetailsPane.open(&state, runID, push: false)
    }
}
