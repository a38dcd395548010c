/// A request for `runs/search`: the same fields as MLflow's REST body (`mlflow/server/handlers.py`
/// `_search_runs`).
public struct RunSearch: Sendable, Equatable {
    public var experimentIDs: [String]
    public var filter: String
    public var orderBy: [String]
    public var viewType: ViewType
    public var maxResults: Int
    public var pageToken: String?
    /// false: the caller reads only the runs' `RunInfo` (ids, names, times; e.g. a table of
    /// attributes and best-of columns), so a store may skip reading metrics, params, tags and
    /// inputs. Not part of MLflow's request: the REST store and the server always send them.
    public var withData = true

    public static let defaultMaxResults = 1000
    public static let maxResultsLimit = 50000

    public init(experimentIDs: [String], filter: String = "", orderBy: [String] = [],
                viewType: ViewType = .activeOnly, maxResults: Int = RunSearch.defaultMaxResults,
                pageToken: String? = nil) {
        self.experimentIDs = experimentIDs
        self.filter = filter
        self.orderBy = orderBy
        self.viewType = viewType
        self.maxResults = maxResults
        self.pageToken = pageToken
    }
}

/// A request for `experiments/search`; the experiment grammar differs from the runs one
/// (`SearchExperimentsUtils`).
public struct ExperimentSearch: Sendable, Equatable {
    public var filter: String
    public var orderBy: [String]
    public var viewType: ViewType
    public var maxResults: Int
    public var pageToken: String?

    public init(filter: String = "", orderBy: [String] = [], viewType: ViewType = .activeOnly,
                maxResults: Int = 1000, pageToken: String? = nil) {
        self.filter = filter
        self.orderBy = orderBy
        self.viewType = viewType
        self.maxResults = maxResults
        self.pageToken = pageToken
    }
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Present only when more items exist, as MLflow does.
    public var nextPageToken: String?
    public init(items: [Item], nextPageToken: String? = nil) {
        self.items = items
        self.nextPageToken = nextPageToken
    }
}

/// The answer of `artifacts/list`: entries relative to the run's artifact root.
public struct ArtifactListing: Sendable, Equatable {
    public var rootURI: String?
    public var files: [ArtifactEntry]
    public init(rootURI: String?, files: [ArtifactEntry]) {
        self.rootURI = rootURI
        self.files = files
    }
}

/// Random access to one artifact file, so a viewer can page through a huge file and a
/// download can stream it, without ever holding it whole in memory.
public protocol ArtifactContent: Sendable {
    /// Size in bytes when the store knows it.
    var size: Int64? { get }
    /// Up to `count` bytes starting at `offset`; fewer (possibly none) at the end of the file.
    func read(offset: Int64, count: Int) async throws -> [UInt8]
}

extension ArtifactContent {
    /// The whole content as a stream of chunks, read one chunk ahead of the consumer.
    public func chunks(size chunkSize: Int = 1 << 20) -> AsyncThrowingStream<[UInt8], Error> {
        let offset = Locked<Int64>(0)
        return AsyncThrowingStream {
            let chunk = try await self.read(offset: offset.current, count: chunkSize)
            if chunk.isEmpty { return nil }
            offset.withLock { $0 += Int64(chunk.count) }
            return chunk
        }
    }
}

/// Every item of a search, its pages followed by their tokens.
public func allPages<Request, Item>(_ first: Request, token: WritableKeyPath<Request, String?>,
                                    _ search: (Request) async throws -> Page<Item>) async throws -> [Item] {
    var request = first
    var items: [Item] = []
    while true {
        let page = try await search(request)
        items += page.items
        guard let next = page.nextPageToken else { return items }
        request[keyPath: token] = next
    }
}

/// The one read interface every pane, command and the server go through. Implemented by the
/// file store, the SQLite store and the REST client. Every method throws `MLflowError`.
public protocol TrackingStore: Sendable {
    /// The tracking URI this store reads, for display.
    var uri: String { get }

    func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment>
    /// Finds deleted experiments too; a missing id is RESOURCE_DOES_NOT_EXIST.
    func getExperiment(id: String) async throws -> Experiment
    func getExperimentByName(_ name: String) async throws -> Experiment

    func searchRuns(_ request: RunSearch) async throws -> Page<Run>
    /// Finds deleted runs too; a missing id is RESOURCE_DOES_NOT_EXIST.
    func getRun(id: String) async throws -> Run

    /// One page of a metric's full history, in the store's own order: log order in
    /// `FileStore.get_metric_history`, `timestamp, step, value` in `SqlAlchemyStore`'s.
    /// `maxResults == nil` returns everything.
    func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric>

    /// For best-of columns: per run that has the metric, its min, max and values at `steps` over
    /// the whole history (`MetricSummary`). The default reads each history through
    /// `metricHistory`; local stores answer from their files and tables in one pass.
    func metricSummaries(runIDs: [String], key: String, steps: Set<Int64>) async throws -> [String: MetricSummary]

    /// Entries directly under `path` (nil = the root) of a run's artifacts.
    func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing
    func openArtifact(runID: String, path: String) async throws -> any ArtifactContent

    /// Drops what the store cached for this session (RESTStore: experiments), so the next read
    /// goes to the backend; the UI's live refresh calls it. Stores without a cache do nothing.
    func refresh()
}

extension TrackingStore {
    public func refresh() {}

    /// Follows page tokens to the end: for scripting output, never for the UI's first screen.
    public func allRuns(_ request: RunSearch) async throws -> [Run] {
        try await allPages(request, token: \.pageToken, searchRuns)
    }

    public func allExperiments(_ request: ExperimentSearch) async throws -> [Experiment] {
        try await allPages(request, token: \.pageToken, searchExperiments)
    }

    public func fullMetricHistory(runID: String, key: String, pageSize: Int = 25000) async throws -> [Metric] {
        var token: String?
        var metrics: [Metric] = []
        repeat {
            let page = try await metricHistory(runID: runID, key: key, maxResults: pageSize, pageToken: token)
            metrics += page.items
            token = page.nextPageToken
        } while token != nil
        return metrics
    }
}
