import Analysis
import Terminal
import Tracking

/// Everything that can change the state: input, time, and backend results.
enum Action: Sendable {
    case key(Key)
    case resize(Size)
    /// Wall-clock seconds; drives the spinner, relative times and live refresh.
    case tick(Double)
    case click(x: Int, y: Int)
    case wheel(x: Int, y: Int, delta: Int)
    case experimentsLoaded(request: Int, Result<[Experiment], MLflowError>)
    case runsLoaded(request: Int, mode: RunsLoad, Result<Page<Run>, MLflowError>)
    case runCounted(experimentID: String, count: Int, lastActivity: Int64?)
    /// The store's state file was read (`Effect.loadMemory`).
    case memoryLoaded(MemoryLoad)
    /// The newest runs of the store, to choose the experiment opened at start-up.
    case latestRunsLoaded(request: Int, Result<[Run], MLflowError>)
    case detailsLoaded(request: Int, Result<RunWithChildren, MLflowError>)
    case compareLoaded(request: Int, Result<[Run], MLflowError>)
    // Metrics: a page of a chart history; a reduced history for a sparkline.
    case historyPage(request: Int, runID: String, Result<HistoryPage, MLflowError>)
    case sparklineLoaded(key: String, runID: String, Result<[Double], MLflowError>)
    case imageIndexLoaded(request: Int, runID: String, Result<[LoggedImage], MLflowError>)
    case gridImageLoaded(request: Int, id: String, Result<GridPicture, PreviewError>)
    case themeLoaded(Result<Theme, ThemeError>)
    /// Runs a `:` command line as if typed.
    case command(String)
    case browser(BrowserEvent)
    /// A sample of an experiment's runs for filter completion (`Effect.sampleRuns`).
    case runsSampled(experimentID: String, Result<Page<Run>, MLflowError>)
    /// Best-of summaries of one metric for a batch of runs (`Effect.loadSummaries`).
    case summariesLoaded(request: Int, key: String, steps: Set<Int64>, runIDs: [String], Result<[String: MetricSummary], MLflowError>)
    /// An `:export` file was written, or why not (`Effect.export`).
    case exported(ExportOutcome)
    /// An edit was written to the store, or failed (`Effect.write`, Edits/Edits.swift).
    case written(WriteOutcome)
    /// The editor closed on a run's description (`Effect.editNote`); `edited` nil when it failed.
    case noteEdited(run: RunRef, original: String, edited: String?, problem: String?)
    /// A logged-model or registry list (`Effect.loadModelList`).
    case modelListLoaded(request: Int, Result<ModelListContent, MLflowError>)
    /// A model page (`Effect.loadModelPage`).
    case modelPageLoaded(request: Int, Result<ModelPageContent, MLflowError>)
    /// A read of the watched experiments for alerts (Overlays/Alerts).
    case alertsPolled(request: Int, Result<AlertPoll, MLflowError>)
    /// The whole histories of a run's system metrics (Panes/SystemChart).
    case systemHistoriesLoaded(request: Int, Result<[String: [Metric]], MLflowError>)
}

/// How a page of runs joins the table: a new search, the next page, or a live refresh that
/// keeps the cursor on the same run.
enum RunsLoad: Equatable, Sendable { case replace, append, refresh }

struct RunWithChildren: Sendable, Equatable {
    var run: Run
    var children: [Run]
    /// Min/max over each metric's history, for the metrics whose history fits in one page.
    var metricRanges: [String: MetricRange]
    /// The parent run, for its name on the parent link; nil without one or when it cannot be read.
    var parent: Run?
    /// The logged models the run output (MLflow 3), and the registry versions made from the run.
    var models: [LoggedModel]
    var versions: [ModelVersion]
    init(run: Run, children: [Run], metricRanges: [String: MetricRange] = [:], parent: Run? = nil,
         models: [LoggedModel] = [], versions: [ModelVersion] = []) {
        self.run = run
        self.children = children
        self.metricRanges = metricRanges
        self.parent = parent
        self.models = models
        self.versions = versions
    }
}

struct MetricRange: Sendable, Equatable {
    var min: Double
    var max: Double
    var count: Int
    /// The history as `sparklineWidth` glyphs at most, oldest to newest.
    var sparkline: String
    static let sparklineWidth = 24

    /// NaN is left out of min/max (it compares with nothing); nil when no value is a number.
    init?(_ values: [Double]) {
        let numbers = values.filter { !$0.isNaN }
        guard let lo = numbers.min(), let hi = numbers.max() else { return nil }
        min = lo
        max = hi
        count = values.count
        sparkline = Sparkline.render(values, width: Self.sparklineWidth)
    }
}

/// Work the reducer asks for; the runtime performs it off the input loop and answers with an Action.
enum Effect: Equatable, Sendable {
    /// Before a refresh reloads: the store forgets its session cache (TrackingStore.refresh).
    case refreshStore
    case loadExperiments(request: Int)
    case searchRuns(request: Int, RunSearch, mode: RunsLoad)
    case countRuns(experimentIDs: [String])
    /// The newest runs over these experiments (`latestRunsLoaded`).
    case findLatestRuns(request: Int, experimentIDs: [String])
    /// Reads the store's state file (views per experiment, the last one used).
    case loadMemory(store: String)
    /// Writes it, atomically.
    case saveMemory(StoreMemory)
    case loadDetails(request: Int, runID: String)
    case loadCompare(request: Int, runIDs: [String])
    /// `held`: on a live refresh, the points the chart holds; only those after them are read.
    case loadHistory(request: Int, runID: String, key: String, refresh: Bool, held: HistoryHeld? = nil)
    /// `running`: the runs are RUNNING, read incrementally from tick to tick.
    case loadSparklines(key: String, runIDs: [String], running: Bool)
    case loadTheme(String)
    case copy(String)
    case artifacts(BrowserEffect)
    /// One unfiltered page of an experiment's runs, whose keys and values filter completion
    /// offers (FilterVocabulary.swift); the table is left alone.
    case sampleRuns(experimentID: String, RunSearch)
    /// One metric's summaries (min, max, values at `steps`) over these runs' whole histories,
    /// for best-of columns (`TrackingStore.metricSummaries`); `request` is the table's generation.
    case loadSummaries(request: Int, key: String, steps: Set<Int64>, runIDs: [String])
    /// Writes the shown table to a file (`:export`, Panes/Runs/RunsExport.swift).
    case export(ExportJob)
    /// Writes an edit, through a writer the runtime opens on the first one (Runtime/WriteEffects.swift).
    case write(WriteJob)
    /// Suspends the screen to edit a run's description in $EDITOR, on the loop's thread.
    /// `text` is what the editor opens on: the description, or the draft a failed save kept.
    case editNote(RunRef, current: String, text: String)
    /// Every page of an experiment's logged models, or of the registry, with a filter.
    case loadModelList(request: Int, ModelListQuery)
    case loadModelPage(request: Int, ModelSubject)
    /// Reads the watched experiments' RUNNING and recently ended runs (`AlertPoll.read`).
    case pollAlerts(request: Int, experimentIDs: [String], endedSince: Int64, knownIntervals: Set<String>)
    /// Every page of each of these metrics' histories of one run (at most 40 keys).
    case loadSystemHistories(request: Int, runID: String, keys: [String])
    /// Lists each run's `images/` folder (`LoggedImage.collect`).
    case loadImageIndex(request: Int, runIDs: [String])
    /// Reads and decodes the images as thumbnails (`ImageGridPane.thumbnailSide`).
    /// `keepFiles`: the files too, for a terminal that draws images itself.
    case loadGridImages(request: Int, images: [GridImage], keepFiles: Bool)
    /// A bell or a desktop notification, written to the terminal by the loop.
    case notify(String)
}
