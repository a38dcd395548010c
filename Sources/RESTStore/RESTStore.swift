import Foundation
import HTTPClient
import Tracking

/// The tracking store of a remote MLflow server, over its REST API 2.0 (as MLflow's
/// `mlflow/store/tracking/rest_store.py` `RestStore` calls it). Safe for concurrent use:
/// independent requests issued from a TaskGroup run in parallel, each on its own pooled libcurl
/// handle (and kept-alive connection).
public final class RESTStore: TrackingStore, Sendable {
    /// The server URL as given, userinfo included (libcurl sends it as Basic auth).
    let baseURL: String
    /// The server URL without userinfo: the only form shown in messages.
    public let uri: String
    let configuration: RESTConfiguration
    let client: HTTPClient
    private let cache: ExperimentCache
    let artifactURIs = ArtifactURICache()

    /// `url` is `http(s)://host[:port][/prefix]` without a trailing slash.
    public init(url: String, configuration: RESTConfiguration) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        uri = Redaction.withoutUserinfo(base)
        self.configuration = configuration
        client = HTTPClient(options: configuration.http)
        cache = ExperimentCache(lifetime: configuration.experimentCacheSeconds)
    }

    /// Forgets cached experiments, so the next read goes to the server (the UI's refresh tick).
    public func refresh() { cache.clear() }

    // MARK: Experiments

    public func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> {
        var body = JSONWriter(pretty: false)
        body.beginObject()
        // max_results has no server default: `handlers.py` `_search_experiments` hands the unset
        // field's 0 to the store, which answers 400.
        body.field("max_results", Int64(clampedPageSize(request.maxResults)))
        body.field("view_type", request.viewType.rawValue)
        if !request.filter.isEmpty { body.field("filter", request.filter) }
        body.list("order_by", request.orderBy) { $0.value($1) }
        if let token = request.pageToken, !token.isEmpty { body.field("page_token", token) }
        body.endObject()
        let json = try await call(.post, "/api/2.0/mlflow/experiments/search", body: body.bytes)
        let experiments = try items(json, "experiments", "/api/2.0/mlflow/experiments/search", Experiment.init(json:))
        experiments.forEach(cache.store)
        return Page(items: experiments, nextPageToken: nextToken(json))
    }

    public func getExperiment(id: String) async throws -> Experiment {
        if let cached = cache.experiment(id: id) { return cached }
        let json = try await call(.get, "/api/2.0/mlflow/experiments/get", query: [("experiment_id", id)])
        let experiment = try single(json, "experiment", "/api/2.0/mlflow/experiments/get", Experiment.init(json:))
        cache.store(experiment)
        return experiment
    }

    public func getExperimentByName(_ name: String) async throws -> Experiment {
        if let cached = cache.experiment(name: name) { return cached }
        let json = try await call(.get, "/api/2.0/mlflow/experiments/get-by-name", query: [("experiment_name", name)])
        let experiment = try single(json, "experiment", "/api/2.0/mlflow/experiments/get-by-name", Experiment.init(json:))
        cache.store(experiment)
        return experiment
    }

    // MARK: Runs

    /// One page of runs. A page larger than `configuration.runsSubPage` is fetched as sub-pages,
    /// several at once: mlflow server spends ~1.5 ms of CPU per run, and its thread pool serves
    /// concurrent requests in parallel (10,000 runs: 15 s in one request, 7 s in 10 concurrent
    /// ones). Concurrent sub-pages need their tokens before the previous page arrives, so they are
    /// only used when the server's first token is MLflow's own offset token
    /// (`SearchUtils.create_page_token`), and every page's returned token is checked against the
    /// one expected; on any mismatch the rest is fetched sequentially with the server's tokens.
    public func searchRuns(_ request: RunSearch) async throws -> Page<Run> {
        let limit = clampedPageSize(request.maxResults)
        let subPage = configuration.runsSubPage
        guard limit > subPage, subPage > 0 else { return try await runsPage(request, size: limit, token: request.pageToken) }

        let first = try await runsPage(request, size: subPage, token: request.pageToken)
        var runs = first.items
        var token = first.nextPageToken
        let start = (try? PageToken.offset(request.pageToken)) ?? -1
        var predictable = start >= 0 && token.flatMap { try? PageToken.offset($0) } == start + first.items.count
        while let current = token, runs.count < limit {
            let offset = start + runs.count
            var sizes: [Int] = []
            var planned = runs.count
            let lanes = predictable ? configuration.runsLanes : 1
            while sizes.count < lanes && planned < limit {
                sizes.append(min(subPage, limit - planned))
                planned += sizes.last!
            }
            let pages = try await withThrowingTaskGroup(of: (Int, Page<Run>).self) { group in
                var pageOffset = offset
                for (index, size) in sizes.enumerated() {
                    let pageToken = index == 0 ? current : PageToken.encode(offset: pageOffset)
                    group.addTask { (index, try await self.runsPage(request, size: size, token: pageToken)) }
                    pageOffset += size
                }
                var pages = [Page<Run>?](repeating: nil, count: sizes.count)
                for try await (index, page) in group { pages[index] = page }
                return pages.map { $0! }
            }
            var expectedOffset = offset
            for (index, page) in pages.enumerated() {
                runs += page.items
                token = page.nextPageToken
                expectedOffset += page.items.count
                guard let next = token else { break }
                if index < pages.count - 1, (try? PageToken.offset(next)) != expectedOffset || page.items.count != sizes[index] {
                    // Not the token we guessed for the next sub-page: drop the guesses, go on sequentially.
                    predictable = false
                    break
                }
            }
        }
        return Page(items: runs, nextPageToken: token)
    }

    private func runsPage(_ request: RunSearch, size: Int, token: String?) async throws -> Page<Run> {
        var body = JSONWriter(pretty: false, reserve: 512)
        body.beginObject()
        // Ids must be strings: numbers make the server silently search nothing (the proto parse in
        // `handlers.py` `_get_request_message` fails and leaves the list empty).
        body.key("experiment_ids")
        body.beginArray()
        request.experimentIDs.forEach { body.value($0) }
        body.endArray()
        if !request.filter.isEmpty { body.field("filter", request.filter) }
        body.field("run_view_type", request.viewType.rawValue)
        body.field("max_results", Int64(size))
        body.list("order_by", request.orderBy) { $0.value($1) }
        if let token, !token.isEmpty { body.field("page_token", token) }
        body.endObject()
        let endpoint = "/api/2.0/mlflow/runs/search"
        let json = try await call(.post, endpoint, body: body.bytes)
        return Page(items: try items(json, "runs", endpoint, Run.init(json:)), nextPageToken: nextToken(json))
    }

    public func getRun(id: String) async throws -> Run {
        let endpoint = "/api/2.0/mlflow/runs/get"
        let json = try await call(.get, endpoint, query: [("run_id", id)])
        return try single(json, "run", endpoint, Run.init(json:))
    }

    public func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        let endpoint = "/api/2.0/mlflow/metrics/get-history"
        var query = [("run_id", runID), ("metric_key", key)]
        if let maxResults { query.append(("max_results", String(maxResults))) }
        if let pageToken, !pageToken.isEmpty { query.append(("page_token", pageToken)) }
        let json = try await call(.get, endpoint, query: query)
        return Page(items: try items(json, "metrics", endpoint, Metric.init(json:)), nextPageToken: nextToken(json))
    }

    // MARK: Artifacts

    /// Server-side listing (`handlers.py` `list_artifacts_impl`): works for every artifact store
    /// the server reaches, and its paths are already relative to the run's root with the prefix
    /// included.
    public func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
        if let direct = try await directArtifacts(runID: runID) {
            return ArtifactListing(rootURI: direct.rootURI, files: try await direct.list(path: path))
        }
        let endpoint = "/api/2.0/mlflow/artifacts/list"
        var listing = ArtifactListing(rootURI: nil, files: [])
        var token: String?
        repeat {
            var query = [("run_id", runID)]
            if let path, !path.isEmpty { query.append(("path", path)) }
            if let token { query.append(("page_token", token)) }
            let json = try await call(.get, endpoint, query: query)
            listing.rootURI = listing.rootURI ?? json["root_uri"]?.stringValue
            listing.files += try items(json, "files", endpoint, ArtifactEntry.init(json:))
            token = nextToken(json)
        } while token != nil
        return listing
    }

    /// Reads through the server's `/get-artifact` route, which resolves the run's artifact URI on
    /// the server for every store kind, proxied `mlflow-artifacts:` included (`handlers.py`
    /// `get_artifact_handler`).
    /// Reads are HTTP Range requests (mlflow server answers them with 206).
    public func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
        if let direct = try await directArtifacts(runID: runID) { return try await direct.open(path: path) }
        return try await RemoteArtifact.open(store: self, query: [("path", path), ("run_uuid", runID)])
    }

    // MARK: Requests

    func clampedPageSize(_ requested: Int) -> Int {
        // MLflow caps pages at 50000 (`SEARCH_MAX_RESULTS_THRESHOLD` in
        // `mlflow/store/tracking/__init__.py`); larger requests are a 400.
        min(requested, RunSearch.maxResultsLimit)
    }

    func nextToken(_ json: JSONValue) -> String? {
        guard let token = json["next_page_token"]?.stringValue, !token.isEmpty else { return nil }
        return token
    }

    /// A list field of a response; absent means empty (proto JSON omits empty lists).
    func items<T>(_ json: JSONValue, _ field: String, _ endpoint: String, _ make: (JSONValue) throws -> T) throws -> [T] {
        guard let value = json[field] else {
            guard case .object = json else { throw malformed(endpoint, "expected a JSON object") }
            return []
        }
        guard let array = value.arrayValue else { throw malformed(endpoint, "'\(field)' is not a list") }
        do {
            return try array.map(make)
        } catch let error as MLflowError {
            throw malformed(endpoint, error.message)
        }
    }

    func single<T>(_ json: JSONValue, _ field: String, _ endpoint: String, _ make: (JSONValue) throws -> T) throws -> T {
        guard let value = json[field] else { throw malformed(endpoint, "no '\(field)' in the answer") }
        do {
            return try make(value)
        } catch let error as MLflowError {
            throw malformed(endpoint, error.message)
        }
    }

    func malformed(_ endpoint: String, _ detail: String) -> MLflowError {
        MLflowError(.internalError, "Malformed response from the tracking server \(uri) (\(endpoint)): \(detail)")
    }

    enum Method: String { case get = "GET", post = "POST", patch = "PATCH", delete = "DELETE" }

    /// One JSON API call with MLflow's retry policy; every failure becomes one MLflowError line.
    func call(_ method: Method, _ endpoint: String, query: [(String, String)] = [], body: [UInt8]? = nil,
              retrying: Retrying = .asMLflow) async throws -> JSONValue {
        let response = try await send(method, endpoint, query: query, body: body, retrying: retrying)
        let label = "\(method.rawValue) \(endpoint)"
        guard (200..<300).contains(response.status) else { throw errorFor(response, label) }
        do {
            return try JSONValue.parse(response.body)
        } catch let error as JSONParseError {
            throw notJSON(response, label, error)
        }
    }

    /// Sends a request, retrying connection errors and 408/429/5xx answers as MLflow's client does.
    func send(_ method: Method, _ endpoint: String, query: [(String, String)] = [], body: [UInt8]? = nil,
              window: ByteWindow? = nil, retrying: Retrying = .asMLflow) async throws -> HTTPResponse {
        var headers: [String] = []
        if let credentials = configuration.credentials { headers.append(credentials.headerLine) }
        let request = HTTPRequest(method: method.rawValue, url: baseURL + endpoint + QueryString.encode(query),
                                  headers: headers, body: body, window: window)
        do {
            return try await sendWithRetries(request, label: "\(method.rawValue) \(endpoint)", retrying: retrying)
        } catch is CancellationError {
            throw MLflowError(.aborted, "Request to \(uri) cancelled (\(method.rawValue) \(endpoint))")
        }
    }

    private func sendWithRetries(_ request: HTTPRequest, label: String, retrying: Retrying) async throws -> HTTPResponse {
        let policy = configuration.retry
        var retry = 0
        while true {
            try Task.checkCancellation()
            let wait: Double
            do {
                let response = try await client.send(request)
                guard retrying.retries(status: response.status), retry < policy.maxRetries else { return response }
                retry += 1
                wait = min(policy.retryAfter(status: response.status, header: response.headers["retry-after"])
                           ?? policy.backoff(beforeRetry: retry), RetryPolicy.maxBackoff)
            } catch let error as HTTPTransportError {
                guard retrying.retries(error), retry < policy.maxRetries else {
                    throw transportFailure(error, label, attempts: retry + 1, retrying: retrying)
                }
                retry += 1
                wait = policy.backoff(beforeRetry: retry)
            }
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000)) }
        }
    }

    private func transportFailure(_ error: HTTPTransportError, _ label: String, attempts: Int, retrying: Retrying) -> MLflowError {
        var tries = attempts > 1 ? " (\(attempts) attempts)" : ""
        if error.isTransient && !retrying.retries(error) { tries += "; not retried, since the server may have recorded it already" }
        let detail = scrub(error.message)
        switch error.kind {
        case .couldNotConnect, .couldNotResolveHost:
            return MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server \(uri) (\(label)): \(detail)\(tries)")
        case .timedOut:
            return MLflowError(.deadlineExceeded, "The tracking server \(uri) did not answer in time (\(label), MLFLOW_HTTP_REQUEST_TIMEOUT=\(configuration.http.timeout)s): \(detail)\(tries)")
        case .tls:
            return MLflowError(.internalError, "TLS failure talking to \(uri) (\(label)): \(detail) (see MLFLOW_TRACKING_SERVER_CERT_PATH, MLFLOW_TRACKING_INSECURE_TLS)")
        case .connectionLost:
            return MLflowError(.temporarilyUnavailable, "The connection to the tracking server \(uri) broke off (\(label)): \(detail)\(tries)")
        case .cancelled:
            return MLflowError(.aborted, "Request to \(uri) cancelled (\(label))")
        case .other:
            return MLflowError(.internalError, "Request to the tracking server \(uri) failed (\(label)): \(detail)")
        }
    }

    /// An error answer: MLflow's JSON error body keeps its code and message, exactly as the local
    /// stores report it; anything else is described by status, with a hint for auth failures.
    func errorFor(_ response: HTTPResponse, _ label: String) -> MLflowError {
        if let json = try? JSONValue.parse(response.body), let error = MLflowError(json: json) {
            return MLflowError(error.code, scrub(error.message))
        }
        let code = ErrorCode(httpStatus: response.status)
        switch response.status {
        case 401:
            let hint = configuration.credentials == nil
                ? "set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"
                : "check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN"
            return MLflowError(code, "The tracking server \(uri) refused the credentials (401 Unauthorized, \(label)): \(hint)")
        case 403:
            return MLflowError(code, "The tracking server \(uri) denied access (403 Forbidden, \(label))\(bodySummary(response))")
        default:
            return MLflowError(code, "The tracking server \(uri) answered HTTP \(response.status) (\(label))\(bodySummary(response))")
        }
    }

    private func notJSON(_ response: HTTPResponse, _ label: String, _ error: JSONParseError) -> MLflowError {
        let type = response.headers["content-type"] ?? ""
        if type.contains("html") || response.body.starts(with: Array("<".utf8)) || response.text.lowercased().contains("<html") {
            return MLflowError(.internalError, "The tracking server \(uri) answered \(label) with an HTML page instead of JSON; is this the URL of an MLflow tracking server?")
        }
        if response.body.isEmpty {
            return MLflowError(.internalError, "The tracking server \(uri) answered \(label) with an empty body instead of JSON")
        }
        return MLflowError(.internalError, "The tracking server \(uri) answered \(label) with invalid JSON (\(error.description), \(response.body.count) bytes received)")
    }

    /// A short, single-line excerpt of a non-JSON error body (FastAPI's {"detail"}, plain text, HTML title).
    private func bodySummary(_ response: HTTPResponse) -> String {
        if let json = try? JSONValue.parse(response.body), let detail = json["detail"]?.stringValue {
            return ": " + scrub(detail)
        }
        var text = response.text
        if let start = text.range(of: "<title>", options: .caseInsensitive),
           let end = text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex) {
            text = String(text[start.upperBound..<end.lowerBound])
        } else if text.contains("<") {
            return ""
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !line.isEmpty else { return "" }
        return ": " + scrub(String(line.prefix(200)))
    }

    /// Removes credentials from text that may echo a request (an error message, a URL).
    func scrub(_ text: String) -> String {
        Redaction.scrub(text, secrets: (configuration.credentials?.secrets ?? []) + Redaction.userinfoSecrets(baseURL))
    }
}

/// Experiments by id and by name, kept briefly: they change rarely, and the UI and `runs
/// --experiment-name` ask for the same ones again and again.
final class ExperimentCache: Sendable {
    private let lifetime: Double
    private let entries = Locked(Entries())

    /// Each experiment with the time it was stored.
    private struct Entries {
        var byID: [String: (Experiment, Double)] = [:]
        var byName: [String: (Experiment, Double)] = [:]
    }

    init(lifetime: Double) { self.lifetime = lifetime }

    private var now: Double { Date().timeIntervalSinceReferenceDate }

    func experiment(id: String) -> Experiment? { fresh(entries.withLock { $0.byID[id] }) }

    func experiment(name: String) -> Experiment? { fresh(entries.withLock { $0.byName[name] }) }

    private func fresh(_ entry: (Experiment, Double)?) -> Experiment? {
        guard let (experiment, time) = entry, now - time < lifetime else { return nil }
        return experiment
    }

    func store(_ experiment: Experiment) {
        guard lifetime > 0 else { return }
        let time = now
        entries.withLock {
            $0.byID[experiment.experimentID] = (experiment, time)
            $0.byName[experiment.name] = (experiment, time)
        }
    }

    func clear() { entries.withLock { $0 = Entries() } }
}
