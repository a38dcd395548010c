import Foundation
import Terminal
import Tracking

/// What the lead passes from the command line.
public struct TUIOptions: Sendable {
    /// A theme name (`light`) or a path to a theme file; nil: MLTUI_THEME, then the config file, then dark.
    public var theme: String?
    /// Extra directories searched for `<name>.toml` before the built-in themes.
    public var themeDirectories: [String]
    /// Seconds between live refreshes; 0 turns live refresh off.
    public var refreshInterval: Double
    /// An experiment id or name to open first; nil opens the first experiment.
    public var initialExperiment: String?
    /// Environment (NO_COLOR, MLTUI_THEME, HOME, ...), injectable for tests.
    public var environment: [String: String]
    /// Runs fetched per page; the table loads more pages as the cursor approaches the end.
    public var pageSize: Int
    public var mouse: Bool

    public init(theme: String? = nil, themeDirectories: [String] = [], refreshInterval: Double = 5,
                initialExperiment: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                pageSize: Int = 500, mouse: Bool = true) {
        self.theme = theme
        self.themeDirectories = themeDirectories
        self.refreshInterval = refreshInterval
        self.initialExperiment = initialExperiment
        self.environment = environment
        self.pageSize = pageSize
        self.mouse = mouse
    }
}

public enum Pane: Equatable, Sendable { case experiments, runs, details, compare, chart }

/// A table column of the runs pane. `name` is frozen at the left.
public enum RunColumn: Hashable, Sendable {
    case name, started, duration, user, source
    case param(String), metric(String), tag(String)
    /// The latest value and a sparkline of the metric's history (`sparklineCellText` in
    /// Panes/Chart/ChartReducer.swift).
    case sparkline(String)

    public var title: String {
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
        }
    }

    /// The order_by key MLflow sorts this column with; nil when MLflow cannot sort by it.
    public var sortKey: SearchKey? {
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
        }
    }
}

public struct SortOrder: Equatable, Sendable {
    public var key: SearchKey
    public var ascending: Bool
    public var orderBy: String { "\(key.description) \(ascending ? "ASC" : "DESC")" }
}

/// A `tags.key = 'value'` filter added from the tag picker; chips AND together.
public struct TagChip: Equatable, Sendable {
    public var key: String
    public var value: String
    public var clause: String { "\(SearchKey(.tag, key).description) = '\(value.replacingOccurrences(of: "'", with: "\\'"))'" }
}

/// The filter of one experiment; kept per experiment while the app runs.
public struct RunFilter: Equatable, Sendable {
    public var text = ""
    public var chips: [TagChip] = []
    /// Quick fuzzy search over run names, applied to loaded rows on the client.
    public var fuzzy = ""
    /// The filter string sent to the store: the typed text AND every chip.
    public var searchString: String {
        ([text.trimmingCharacters(in: .whitespaces)].filter { !$0.isEmpty } + chips.map(\.clause)).joined(separator: " and ")
    }
    public var isEmpty: Bool { text.isEmpty && chips.isEmpty && fuzzy.isEmpty }
}

/// A scrollable list position.
public struct ListCursor: Equatable, Sendable {
    public var index = 0
    public var top = 0

    /// Clamps to `count` rows and scrolls so the cursor stays inside `visible` rows.
    public mutating func clamp(count: Int, visible: Int) {
        index = max(0, min(index, count - 1))
        if index < top { top = index }
        if visible > 0 && index >= top + visible { top = index - visible + 1 }
        top = max(0, min(top, max(0, count - visible)))
    }
}

public struct ExperimentRow: Equatable, Sendable {
    public var experiment: Experiment
    public var runCount: Int?
    public var lastActivity: Int64?
}

/// One visible row of the runs table: an index into `runs` and its depth in the tree view.
public struct RunRow: Equatable, Sendable {
    public var index: Int
    public var depth: Int
    public var childCount: Int
}

public struct RunsTable: Equatable, Sendable {
    public var experimentID: String?
    public var runs: [Run] = []
    /// The rows shown, in order (flat, tree and fuzzy search all rearrange these).
    public var rows: [RunRow] = []
    public var nextPageToken: String?
    public var loading = false
    public var loadingMore = false
    public var cursor = ListCursor()
    public var marks: [String] = []
    public var columns: [RunColumn] = [.name, .started, .duration, .user, .source]
    /// The highlighted column (index into `columns`); sorting and scrolling act on it.
    public var selectedColumn = 0
    /// The first scrollable column shown after the frozen name column.
    public var scrollColumn = 1
    public var sort: SortOrder?
    public var showDeleted = false
    public var tree = false
    public var collapsed: Set<String> = []
    public var error: String?
}

public struct RunDetails: Equatable, Sendable {
    public var runID: String
    public var run: Run?
    public var children: [Run] = []
    public var metricRanges: [String: MetricRange] = [:]
    public var loading = true
    public var error: String?
    public var cursor = ListCursor()
}

public struct CompareView: Equatable, Sendable {
    public var runIDs: [String]
    public var runs: [Run] = []
    public var loading = true
    public var error: String?
    public var onlyDifferences = false
    public var firstRun = 0
    public var cursor = ListCursor()
}

public enum PickerPurpose: Equatable, Sendable {
    case tagKey
    case tagValue(String)
    case column
    case chartMetric, sparklineMetric
}

public struct PickerItem: Equatable, Sendable {
    public var label: String
    public var count: Int
    public var checked = false
    public var column: RunColumn?
}

/// A list overlay (tag keys, tag values, columns) with type-to-narrow.
public struct Picker: Equatable, Sendable {
    public var purpose: PickerPurpose
    public var title: String
    public var items: [PickerItem]
    public var query = ""
    public var cursor = ListCursor()

    public var visibleItems: [PickerItem] {
        query.isEmpty ? items : items.filter { fuzzyMatch(query, $0.label) }
    }
}

/// The single-line text field at the bottom (filter, command, jump, fuzzy search, search in
/// an artifact preview).
public enum InputKind: Equatable, Sendable { case filter, command, jump, fuzzy, previewSearch }

public struct TextInput: Equatable, Sendable {
    public var kind: InputKind
    public var text: String
    /// Cursor position in characters.
    public var cursor: Int
    public var completions: [String] = []
    public init(kind: InputKind, text: String = "") {
        self.kind = kind
        self.text = text
        self.cursor = text.count
    }
}

/// A filter error shown under the filter bar, pointing at a column when the grammar names one.
public struct FilterError: Equatable, Sendable {
    public var message: String
    /// 1-based column in the filter text, when known.
    public var column: Int?
}

public enum Connection: Equatable, Sendable {
    case connecting, connected, failed(String)
}

public struct AppState: Equatable, Sendable {
    public var source: String
    public var theme: Theme
    public var size: Size
    /// Wall-clock seconds, advanced by ticks; rendering uses it for relative times.
    public var now: Double
    /// Seconds east of UTC for absolute times.
    public var utcOffset: Int
    public var refreshInterval: Double
    public var lastRefresh: Double = 0
    /// Request ids of the last refresh not answered yet. The next tick's refresh waits for them:
    /// were it to start anyway, a refresh slower than the interval (a dead server retrying, a
    /// slow one) would be superseded every tick and its answer, or error, never shown.
    public var refreshAwaiting: Set<Int> = []
    public var pageSize: Int
    public var initialExperiment: String?

    public var pane: Pane = .experiments
    /// Set while the experiment opened at startup (none was asked for) shows no runs: the first
    /// experiment found to have runs is opened instead, unless the user pressed a key meanwhile.
    public var preferExperimentWithRuns = false
    /// Where Esc from details/compare goes back to.
    public var detailsStack: [String] = []
    public var connection: Connection = .connecting
    public var spinnerFrame = 0
    public var message: String?
    public var messageIsError = false

    public var experiments: [ExperimentRow] = []
    public var experimentCursor = ListCursor()
    public var showDeletedExperiments = false
    public var experimentsLoading = false

    public var table = RunsTable()
    public var filters: [String: RunFilter] = [:]
    public var filterError: FilterError?
    public var details: RunDetails?
    public var compare: CompareView?
    // Metrics: the chart pane, the sparkline cache, glyphs the terminal can show.
    public var chart: ChartView?
    public var sparklines = SparklineCache()
    public var chartGlyphs: ChartGlyphs = .braille
    public var chartRequest = 0
    public var picker: Picker?
    /// The artifact browser of a run, drawn over the body while open.
    public var browser: ArtifactBrowser?
    public var input: TextInput?
    public var showHelp = false
    public var helpCursor = ListCursor()
    public var shouldQuit = false
    /// Texts yanked this session, printed on exit in case the terminal ignored OSC 52.
    public var yanked: [String] = []

    /// Request ids per channel; a result whose id is not the latest is stale and dropped.
    public var requestCounter = 0
    public var experimentsRequest = 0
    public var runsRequest = 0
    public var detailsRequest = 0
    public var compareRequest = 0

    public init(source: String, theme: Theme = .defaultTheme, size: Size = Size(width: 80, height: 24),
                now: Double = 0, utcOffset: Int = 0, refreshInterval: Double = 5, pageSize: Int = 500,
                initialExperiment: String? = nil) {
        self.source = source
        self.theme = theme
        self.size = size
        self.now = now
        self.utcOffset = utcOffset
        self.refreshInterval = refreshInterval
        self.pageSize = pageSize
        self.initialExperiment = initialExperiment
    }

    public var currentFilter: RunFilter {
        get { table.experimentID.flatMap { filters[$0] } ?? RunFilter() }
        set { if let id = table.experimentID { filters[id] = newValue } }
    }

    public var visibleExperiments: [ExperimentRow] {
        showDeletedExperiments ? experiments : experiments.filter { $0.experiment.lifecycleStage == .active }
    }

    public var selectedRun: Run? {
        guard table.rows.indices.contains(table.cursor.index) else { return nil }
        return table.runs[table.rows[table.cursor.index].index]
    }

    public var keyContext: KeyContext {
        if showHelp { return .help }
        if picker != nil { return .picker }
        if browser != nil { return .artifacts }
        switch pane {
        case .experiments: return .experiments
        case .runs: return .runs
        case .details: return .details
        case .compare: return .compare
        case .chart: return .chart
        }
    }

    var isLoading: Bool {
        experimentsLoading || table.loading || table.loadingMore || (details?.loading ?? false) || (compare?.loading ?? false)
            || (chart?.isLoading ?? false)
    }
}

/// Case-insensitive subsequence match, as fuzzy finders do.
public func fuzzyMatch(_ query: String, _ text: String) -> Bool {
    var it = text.lowercased().makeIterator()
    outer: for q in query.lowercased() {
        while let c = it.next() { if c == q { continue outer } }
        return false
    }
    return true
}
