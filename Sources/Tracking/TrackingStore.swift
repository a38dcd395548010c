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

    /// For a live chart holding the first `held.count` points of a history (the last of them
    /// `held.last`), in the order `metricHistory` gives: the points after them; nil when the
    /// history changed before them, so the caller reads it whole. What each store reads for it is
    /// in docs/live-refresh.md.
    func metricHistoryTail(runID: String, key: String, after held: HistoryHeld) async throws -> [Metric]?

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

    /// MLflow's history page tokens are offsets on every store and server (`{"offset": N}`,
    /// `SearchUtils.create_page_token`): this asks for the pages from the last point held, which
    /// must come back first (a history rewritten or a point inserted before it shows there).
    /// Stores that can seek to that point read only what follows it; a server reads as it pages.
    public func metricHistoryTail(runID: String, key: String, after held: HistoryHeld) async throws -> [Metric]? {
        try await pagedHistoryTail(runID: runID, key: key, after: held)
    }

    /// `metricHistoryTail` through `metricHistory`'s pages (the protocol's default).
    public func pagedHistoryTail(runID: String, key: String, after held: HistoryHeld) async throws -> [Metric]? {
        guard let last = held.last, held.count > 0 else { return try await fullMetricHistory(runID: runID, key: key) }
        var token: String? = held.count > 1 ? PageToken.encode(offset: held.count - 1) : nil
        var points: [Metric] = []
        repeat {
            let page = try await metricHistory(runID: runID, key: key, maxResults: 25000, pageToken: token)
            points += page.items
            token = page.nextPageToken
        } while token != nil
        guard let first = points.first, HistoryHeld.samePoint(first, last) else { return nil }
        return Array(points.dropFirst())
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

/// How much of a metric's history a live reader holds: how many points, and the last of them.
public struct HistoryHeld: Sendable, Equatable {
    public var count: Int
    public var last: Metric?

    public init(count: Int, last: Metric?) {
        self.count = count
        self.last = last
    }

    public init(_ points: [Metric]) { self.init(count: points.count, last: points.last) }

    /// The same logged point: value (NaN equal to NaN), timestamp and step.
    public static func samePoint(_ a: Metric, _ b: Metric) -> Bool {
        a.timestamp == b.timestamp && a.step == b.step && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}
