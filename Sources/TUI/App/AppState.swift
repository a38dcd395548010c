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
    /// An experiment id or name to open first; nil opens the one used last, else the one with the newest run.
    public var initialExperiment: String?
    /// Environment (NO_COLOR, MLTUI_THEME, HOME, ...), injectable for tests.
    public var environment: [String: String]
    /// Runs fetched per page; the table loads more pages as the cursor approaches the end.
    public var pageSize: Int
    public var mouse: Bool
    /// The config file (theme, columns, keys); the options above already hold what it sets
    /// for them unless the command line set them.
    public var config: UserConfig
    /// `--read-only`: every edit key says edits are off, and nothing opens the store to write.
    public var readOnly: Bool
    /// Opens the store for writing, called on the first edit only (a store opened to read
    /// stays read-only until the user changes something); nil leaves edits off.
    public var openWriter: (@Sendable () throws -> any TrackingWriter)?

    public init(theme: String? = nil, themeDirectories: [String] = [], refreshInterval: Double = 5,
                initialExperiment: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                pageSize: Int = 500, mouse: Bool = true, readOnly: Bool = false, config: UserConfig = UserConfig(),
                openWriter: (@Sendable () throws -> any TrackingWriter)? = nil) {
        self.config = config
        self.theme = theme
        self.themeDirectories = themeDirectories
        self.refreshInterval = refreshInterval
        self.initialExperiment = initialExperiment
        self.environment = environment
        self.pageSize = pageSize
        self.mouse = mouse
        self.readOnly = readOnly
        self.openWriter = openWriter
    }
}

/// The pane that has focus. Overlays (picker, help, input line, artifact browser) sit above it.
enum Pane: Equatable, Sendable { case experiments, runs, details, compare, chart, scatter, parallel, models, modelPage, systemChart, imageGrid }

enum Connection: Equatable, Sendable {
    case connecting, connected, failed(String)
}

/// A scrollable list position.
struct ListCursor: Equatable, Sendable {
    var index = 0
    var top = 0

    /// Clamps to `count` rows and scrolls so the cursor stays inside `visible` rows.
    mutating func clamp(count: Int, visible: Int) {
        index = max(0, min(index, count - 1))
        if index < top { top = index }
        if visible > 0 && index >= top + visible { top = index - visible + 1 }
        top = max(0, min(top, max(0, count - visible)))
    }

    /// Moved by `delta` rows, saturating (top and bottom move by ±Int.max / 2).
    func moved(by delta: Int) -> ListCursor {
        var c = self
        c.index = delta > 0 ? (c.index > Int.max - delta ? Int.max : c.index + delta) : max(0, c.index + delta)
        return c
    }
}

/// The whole UI state. What every pane shares lives here (size, theme, clock, connection,
/// message, request ids, focus); each pane and overlay keeps its own state in its own type,
/// defined in its folder under Panes/ or Overlays/.
struct AppState: Equatable, Sendable {
    var source: String
    var theme: Theme
    var size: Size
    /// Wall-clock seconds, advanced by ticks; rendering uses it for relative times.
    var now: Double
    /// Seconds east of UTC for absolute times.
    var utcOffset: Int
    var refreshInterval: Double
    var lastRefresh: Double = 0
    /// Whether the last refresh was asked for (Ctrl-R): it reads running runs' curves whole.
    var lastRefreshManual = false
    /// Request ids of the last refresh not answered yet. The next tick's refresh waits for them:
    /// were it to start anyway, a refresh slower than the interval (a dead server retrying, a
    /// slow one) would be superseded every tick and its answer, or error, never shown.
    var refreshAwaiting: Set<Int> = []
    var pageSize: Int
    var initialExperiment: String?

    /// Focus: the pane shown, and the run ids Esc walks back through in details.
    var pane: Pane = .experiments
    var detailsStack: [Screen] = []
    /// Where Esc leaves the details for: the runs, or the plot a run was opened from.
    var detailsReturn: Pane = .runs
    var connection: Connection = .connecting
    var spinnerFrame = 0
    var message: String?
    var messageIsError = false
    /// Every message shown, newest last (`M`, `:messages`): the footer holds one line until the next key.
    var messageLog: [LoggedMessage] = []
    var shouldQuit = false
    /// Texts yanked this session, printed on exit in case the terminal ignored OSC 52.
    var yanked: [String] = []

    // Panes.
    var experiments = ExperimentList()
    var table = RunsTable()
    /// Keys and values seen per experiment, for filter completion (FilterVocabulary.swift).
    var filterVocabulary: [String: FilterVocabulary] = [:]
    /// Every experiment's view and the one used last, kept in the store's state file.
    var memory: StoreMemory
    /// Set once the state file was read (or found missing): until then nothing is saved.
    var memoryLoaded = false
    /// Set from Ctrl-R until what it reloads has answered, for its line on the message bar.
    var refreshFeedback: RefreshFeedback?
    var details: RunDetails?
    var compare: CompareView?
    var chart: ChartView?
    var scatter: ScatterState?
    var parallel: ParallelState?
    var sparklines = SparklineCache()
    var chartGlyphs: ChartGlyphs = .braille
    /// An experiment's logged models or the registry (`m`, `:models`, `:registry`), and the model pages opened from them.
    var modelList: ModelList?
    var modelPage: ModelPage?
    /// The artifact browser of a run, drawn over the body while open.
    var browser: ArtifactBrowser?

    // Overlays.
    var picker: Picker?
    var input: TextInput?
    var filterError: FilterError?
    var help: HelpOverlay?
    /// A value or the message history in full, over everything but help.
    var value: ValueViewer?
    /// A delete or restore waiting for `y` (Edits/Edits.swift).
    var confirm: Confirmation?
    /// Edits are off (`--read-only`).
    var readOnly = false
    /// Alerts of the watched experiments (Overlays/Alerts), and the inbox when open.
    var alerts = AlertInbox()
    var alertsOverlay: AlertsOverlay?
    /// A run's system metrics as small charts (Panes/SystemChart).
    var systemChart: SystemChartView?
    var imageGrid: ImageGridView?
    /// How the terminal draws images (`TerminalDevice.graphics`); half blocks in tests.
    var graphics: GraphicsProtocol = .halfBlocks
    /// The key table in effect: the built-in one with the config file's `[keys]` applied.
    var keys = Keymap.standard
    /// How an experiment not yet arranged shows (the config file's `columns`).
    var defaultView = ExperimentView()
    /// Descriptions whose save failed, by run id: `e` reopens the draft, not the stored text.
    var noteDrafts: [String: String] = [:]

    /// Request ids per channel; a result whose id is not the latest is stale and dropped.
    var requestCounter = 0
    var experimentsRequest = 0
    var runsRequest = 0
    var detailsRequest = 0
    var compareRequest = 0
    var chartRequest = 0
    var modelListRequest = 0
    var modelPageRequest = 0

    init(source: String, theme: Theme = .defaultTheme, size: Size = Size(width: 80, height: 24),
         now: Double = 0, utcOffset: Int = 0, refreshInterval: Double = 5, pageSize: Int = 500,
         initialExperiment: String? = nil) {
        self.source = source
        self.memory = StoreMemory(store: source)
        self.theme = theme
        self.size = size
        self.now = now
        self.utcOffset = utcOffset
        self.refreshInterval = refreshInterval
        self.pageSize = pageSize
        self.initialExperiment = initialExperiment
    }

    /// The filter of the open experiment.
    var currentFilter: RunFilter {
        get { table.view.filter }
        set { table.view.filter = newValue }
    }

    var selectedRun: Run? { table.selectedRun }

    /// The context whose bindings apply: the topmost overlay, else the focused pane.
    var keyContext: KeyContext {
        if help != nil { return .help }
        if value != nil { return .value }
        if alertsOverlay != nil { return .alerts }
        if picker != nil { return .picker }
        if browser != nil { return .artifacts }
        return pane.context
    }

    var isLoading: Bool {
        experiments.loading || experiments.findingLatest || table.loading || table.loadingMore || (details?.loading ?? false) || (compare?.loading ?? false)
            || (chart?.isLoading ?? false) || (modelList?.loading ?? false) || (modelPage?.loading ?? false) || table.summaryLoads.isLoading
    }

    mutating func nextRequest() -> Int {
        requestCounter += 1
        return requestCounter
    }

    mutating func showMessage(_ text: String, isError: Bool = false) {
        message = text
        messageIsError = isError
        ValueOverlay.log(&self, text, isError: isError)
    }
}

extension Pane {
    var context: KeyContext {
        switch self {
        case .experiments: return .experiments
        case .runs: return .runs
        case .details: return .details
        case .compare: return .compare
        case .chart: return .chart
        case .scatter: return .scatter
        case .parallel: return .parallel
        case .models: return .models
        case .modelPage: return .modelPage
        case .systemChart: return .systemChart
        case .imageGrid: return .imageGrid
        }
    }
}

func showMessage(_ state: inout AppState, _ text: String, isError: Bool = false) {
    state.showMessage(text, isError: isError)
}

/// Case-insensitive subsequence match, as fuzzy finders do.
func fuzzyMatch(_ query: String, _ text: String) -> Bool {
    var it = text.lowercased().makeIterator()
    outer: for q in query.lowercased() {
        while let c = it.next() { if c == q { continue outer } }
        return false
    }
    return true
}
