import Hummingbird
import Tracking

/// MLflow's tracking endpoints (`/api/2.0/mlflow/<name>`, `handlers.py` `get_endpoints`) mapped
/// onto the `TrackingStore` protocol: the reads. Writes go to `WriteEndpoints` (a read-only
/// server answers them as a read-only MLflow server).
struct TrackingEndpoints: Sendable {
    let store: any TrackingStore
    let artifacts: RunArtifacts
    let maxPageSize: Int

    /// Endpoints this server reads, with the methods MLflow routes them on.
    static let reads: [String: [HTTPRequest.Method]] = [
        "experiments/search": [.get, .post],
        "experiments/get": [.get],
        "experiments/get-by-name": [.get],
        "runs/get": [.get],
        "runs/search": [.post],
        "metrics/get-history": [.get],
        "artifacts/list": [.get],
    ]

    /// Endpoints that change the store. MLflow's basic-auth app answers a user with READ
    /// permission on them with 403; a read-only `mltui serve` answers 403 PERMISSION_DENIED,
    /// so clients fail at once with a clear error and never believe data was stored.
    static let writes: [String: [HTTPRequest.Method]] = [
        "experiments/create": [.post], "experiments/update": [.post], "experiments/delete": [.post],
        "experiments/restore": [.post], "experiments/set-experiment-tag": [.post],
        "experiments/delete-experiment-tag": [.post],
        "runs/create": [.post], "runs/update": [.post], "runs/delete": [.post], "runs/restore": [.post],
        "runs/log-metric": [.post], "runs/log-parameter": [.post], "runs/set-tag": [.post],
        "runs/delete-tag": [.post], "runs/log-batch": [.post], "runs/log-model": [.post],
        "runs/log-inputs": [.post], "runs/outputs": [.post],
        "logged-models": [.post],
    ]

    static func readOnlyError(_ method: HTTPRequest.Method, _ path: String) -> MLflowError {
        MLflowError(.permissionDenied, "Permission denied: mltui serve is read-only; \(method.rawValue) \(path) would change the store")
    }

    func handle(_ name: String, _ p: RequestParameters) async throws -> Response {
        switch name {
        case "experiments/search": return try await searchExperiments(p)
        case "experiments/get":
            guard let id = p.string("experiment_id") else { throw RequestParameters.missing("experiment_id") }
            return Responses.json(RESTResponse.experiment(try await store.getExperiment(id: id)))
        case "experiments/get-by-name":
            guard let name = p.string("experiment_name") else { throw RequestParameters.missing("experiment_name") }
            return Responses.json(RESTResponse.experiment(try await store.getExperimentByName(name)))
        case "runs/get":
            guard let id = p.string("run_id") ?? p.string("run_uuid") else { throw RequestParameters.missing("run_id") }
            return Responses.json(RESTResponse.run(try await store.getRun(id: id)))
        case "runs/search": return try await searchRuns(p)
        case "metrics/get-history": return try await metricHistory(p)
        case "artifacts/list":
            guard let id = p.string("run_id") ?? p.string("run_uuid") else { throw RequestParameters.missing("run_id") }
            let listing = try await artifacts.list(runID: id, path: p.string("path"))
            return Responses.json(RESTResponse.artifacts(listing))
        default:
            throw MLflowError(.endpointNotFound, "No endpoint \(name)")
        }
    }

    private func searchExperiments(_ p: RequestParameters) async throws -> Response {
        // No server default: MLflow answers 0 (unset) as invalid (`handlers.py`
        // `_search_experiments`).
        let maxResults = try p.integer("max_results") ?? 0
        guard maxResults > 0 else {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be a positive integer")
        }
        guard maxResults <= maxPageSize else {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be at most \(maxPageSize)")
        }
        let request = ExperimentSearch(filter: p.string("filter") ?? "", orderBy: p.strings("order_by"),
                                       viewType: try viewType(p, "view_type"), maxResults: maxResults,
                                       pageToken: nonEmpty(p.string("page_token")))
        let page = try await store.searchExperiments(request)
        return Responses.json(RESTResponse.experiments(page.items, nextPageToken: page.nextPageToken))
    }

    private func searchRuns(_ p: RequestParameters) async throws -> Response {
        let maxResults = try p.integer("max_results") ?? RunSearch.defaultMaxResults
        guard maxResults <= maxPageSize else {
            throw RequestParameters.invalidValue("max_results", String(maxResults), type: "int")
        }
        let experimentIDs = p.strings("experiment_ids")
        // MLflow searches no experiments when none are named, and answers `{}`
        // (`handlers.py` `search_runs_impl`).
        if experimentIDs.isEmpty { return Responses.json(bytes: Responses.emptyObject) }
        let request = RunSearch(experimentIDs: experimentIDs, filter: p.string("filter") ?? "",
                                orderBy: p.strings("order_by"), viewType: try viewType(p, "run_view_type"),
                                maxResults: maxResults, pageToken: nonEmpty(p.string("page_token")))
        let page = try await store.searchRuns(request)
        return Responses.json(RESTResponse.runs(page.items, nextPageToken: page.nextPageToken))
    }

    private func metricHistory(_ p: RequestParameters) async throws -> Response {
        guard let runID = p.string("run_id") ?? p.string("run_uuid") else { throw RequestParameters.missing("run_id") }
        guard let key = p.string("metric_key") else { throw RequestParameters.missing("metric_key") }
        let maxResults = try p.integer("max_results")
        if let maxResults, maxResults <= 0 {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be a positive integer.")
        }
        let page = try await store.metricHistory(runID: runID, key: key, maxResults: maxResults,
                                                 pageToken: nonEmpty(p.string("page_token")))
        return Responses.json(RESTResponse.metrics(page.items, nextPageToken: page.nextPageToken))
    }

    /// View types come as names or as the proto's numbers (1, 2, 3); unset means ACTIVE_ONLY.
    private func viewType(_ p: RequestParameters, _ name: String) throws -> ViewType {
        guard p.has(name) else { return .activeOnly }
        if let text = p.string(name) {
            if let type = ViewType(rawValue: text.uppercased()) { return type }
            if let number = Int(text) { return ViewType(protoNumber: number) ?? .activeOnly }
            return .activeOnly
        }
        return ViewType(protoNumber: (try? p.integer(name)).flatMap { $0 } ?? 1) ?? .activeOnly
    }

    private func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }
}

extension ViewType {
    init?(protoNumber: Int) {
        switch protoNumber {
        case 1: self = .activeOnly
        case 2: self = .deletedOnly
        case 3: self = .all
        default: return nil
        }
    }
}
