import Analysis
import Tracking

/// A table column of the runs pane. `name` is frozen at the left.
enum RunColumn: Hashable, Sendable {
    case name, started, duration, user, source
    case param(String), metric(String), tag(String)
    /// The latest value and a sparkline of the metric's history (`ChartPane.sparklineCellText` in
    /// Panes/Chart/ChartReducer.swift).
    case sparkline(String)
    /// A best-of metric column over the run's whole history: `min(loss)`, `max(acc)`, `loss@100`
    /// (values in `RunsTable.summaries`, loaded for the rows shown).
    case best(ColumnKey.BestOf, String)

    var title: String {
        switch self {
        case .name: return "Run"
        case .started: return "Started"
        case .duration: return "Duration"
        case .user: return "User"
        case .source: return "Source"
        case .param(let k): return "p:" + k
        case .metric(let k): return "m:" + k
        case .tag(let k): return "t:" + k
        case .sparkline(let k): return "~" + k
        case .best(.min, let k): return "min(\(k))"
        case .best(.max, let k): return "max(\(k))"
        case .best(.atStep(let step), let k): return "\(k)@\(step)"
        }
    }

    /// The order_by key MLflow sorts this column with; nil when MLflow cannot sort by it.
    var sortKey: SearchKey? {
        switch self {
        case .name: return SearchKey(.attribute, "run_name")
        case .started: return SearchKey(.attribute, "start_time")
        case .duration: return nil
        case .user: return SearchKey(.attribute, "user_id")
        case .source: return SearchKey(.tag, "mlflow.source.name")
        case .param(let k): return SearchKey(.param, k)
        case .metric(let k): return SearchKey(.metric, k)
        case .tag(let k): return SearchKey(.tag, k)
        case .sparkline(let k): return SearchKey(.metric, k)
        case .best: return nil
        }
    }

    /// The column as `mltui runs --columns` names it, for export and grouping aggregates.
    var columnKey: ColumnKey {
        switch self {
        case .name: return .attribute("run_name")
        case .started: return .attribute("start_time")
        case .duration: return .duration
        case .user: return .attribute("user_id")
        case .source: return .tag("mlflow.source.name")
        case .param(let k): return .param(k)
        case .metric(let k), .sparkline(let k): return .metric(k)
        case .tag(let k): return .tag(k)
        case .best(let best, let k): return .best(best, metric: k)
        }
    }
}

struct SortOrder: Equatable, Sendable {
    var key: SearchKey
    var ascending: Bool
    var orderBy: String { "\(key.description) \(ascending ? "ASC" : "DESC")" }
}

/// A `tags.key = 'value'` filter added from the tag picker; chips AND together.
struct TagChip: Equatable, Sendable, Codable {
    var key: String
    var value: String
    /// Quoted as completion quotes values (`quotedFilterValue`): MLflow reads no escapes.
    var clause: String { "\(SearchKey(.tag, key).description) = " + (quotedFilterValue(value) ?? "'\(value)'") }
}

/// The filter of one experiment, part of its `ExperimentView`.
struct RunFilter: Equatable, Sendable {
    var text = ""
    var chips: [TagChip] = []
    /// Quick fuzzy search over run names, applied to loaded rows on the client.
    var fuzzy = ""
    /// The filter string sent to the store: the typed text AND every chip.
    var searchString: String {
        ([text.trimmingCharacters(in: .whitespaces)].filter { !$0.isEmpty } + chips.map(\.clause)).joined(separator: " and ")
    }
    var isEmpty: Bool { text.isEmpty && chips.isEmpty && fuzzy.isEmpty }
}

/// One visible row of the runs table: an index into `runs` and its depth in the tree view.
struct RunRow: Equatable, Sendable {
    var index: Int
    var depth: Int
    var childCount: Int
    /// Grouped tables (RunGroups.swift): the row's group (index into `RunsTable.groups`); the
    /// group's own row unless `isMember`, when it is one of its runs.
    var group: Int? = nil
    var isMember = false

    var isGroupRow: Bool { group != nil && !isMember }
}

/// The runs pane's state: the open experiment's runs as loaded so far, and how they are shown.
struct RunsTable: Equatable, Sendable {
    var experimentID: String?
    var runs: [Run] = [] {
        // Whatever changes the runs (a load, a refresh, an edit) drops what was read from them.
        didSet { columnVectors = ColumnVectors() }
    }
    /// Columns read from `runs` so far (group keys, metrics, shared values), for regrouping and
    /// drawing groups without reading every run again.
    var columnVectors = ColumnVectors()
    /// The rows shown, in order (flat, tree and fuzzy search all rearrange these).
    var rows: [RunRow] = []
    var nextPageToken: String?
    var loading = false
    var loadingMore = false
    var cursor = ListCursor()
    var marks: [String] = []
    /// Columns, sort, filter and modes: kept per experiment (ExperimentView.swift).
    var view = ExperimentView()
    var collapsed: Set<String> = []
    var error: String?
    /// The widest value of each measured column among the rows shown, header included
    /// (`RunsPane.measureColumns`); frames share the spare width out by it (`tableColumns`).
    var contentWidths: [RunColumn: Int] = [:]
    /// Best-of values (min, max, value at a step over whole histories) loaded so far, per metric
    /// and run; best-of columns and grouped aggregates read them.
    var summaries = HistorySummaries()
    /// What was asked for `summaries` and is on its way (BestOfLoading.swift).
    var summaryLoads = SummaryLoads()
    /// Sparklines on one scale per run instead of one scale across the runs.
    var sparklinePerRun = false
    /// Grouped by `view.groupBy`: the groups in pandas' order, the order they show in (indices
    /// into `groups`), and the ones expanded (by values).
    var groups: [RunGroup] = []
    var groupOrder: [Int] = []
    var expandedGroups: Set<[String?]> = []
    /// Per latest-value metric column, each group's aggregates (`RunsPane.metricAggregates`).
    var groupAggregates: [ColumnKey: [Aggregates]] = [:]

    /// The run of the cursor's row; nil on a group's own row.
    var selectedRun: Run? {
        guard rows.indices.contains(cursor.index), !rows[cursor.index].isGroupRow else { return nil }
        return runs[rows[cursor.index].index]
    }

    func row(ofRun id: String) -> Int? { rows.firstIndex { !$0.isGroupRow && runs[$0.index].info.runID == id } }

    // The view's parts, where the pane's code reads and sets them.
    var columns: [RunColumn] { get { view.columns } set { view.columns = newValue } }
    var selectedColumn: Int { get { view.selectedColumn } set { view.selectedColumn = newValue } }
    var scrollColumn: Int { get { view.scrollColumn } set { view.scrollColumn = newValue } }
    var sort: SortOrder? { get { view.sort } set { view.sort = newValue } }
    var showDeleted: Bool { get { view.showDeleted } set { view.showDeleted = newValue } }
    var tree: Bool { get { view.tree } set { view.tree = newValue } }
}
