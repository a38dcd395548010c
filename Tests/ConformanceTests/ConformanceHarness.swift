import Foundation
import TestSupport
import Tracking

/// One fixture store served by a real `mlflow server`, and the comparisons of `mltui ... --format
/// json` against that server's REST answers for the same request (`mlflow/server/handlers.py`).
final class ConformanceHarness: Sendable {
    let format: StoreFormat
    let trackingURI: String
    let server: MLflowServer
    /// Experiment name -> id (ids are random in the file store), run name -> id (names are unique
    /// in the fixtures); learnt from the server once, at init.
    private let ids = Locked<(experiments: [String: String], runs: [String: String])>(([:], [:]))
    var experimentIDs: [String: String] { ids.current.experiments }
    var runIDs: [String: String] { ids.current.runs }

    /// Experiments that exist and are active in the fixtures.
    static let activeExperiments = ["Default", "llm-benchmark", "日本語-実験", "émoji 🚀 runs", "empty-experiment"]

    init(format: StoreFormat) throws {
        self.format = format
        let stores = try FixtureStores.shared()
        trackingURI = try stores.trackingURI(format)
        server = try MLflowServer(backendStoreURI: trackingURI)
        do { try learnIDs() } catch { server.stop(); throw error }
    }

    private func learnIDs() throws {
        guard case .document(let experiments) = try serverExperiments(viewType: "ALL") else {
            throw SupportError("experiments/search failed on the fixture store:\n\(server.logTail())")
        }
        for experiment in experiments["experiments"]?.arrayValue ?? [] {
            if let name = experiment["name"]?.stringValue, let id = experiment["experiment_id"]?.stringValue { ids.withLock { $0.experiments[name] = id } }
        }
        guard case .document(let runs) = try serverRuns(RunsCase("ids", experiments: Array(experimentIDs.keys), viewType: "ALL")) else {
            throw SupportError("runs/search failed on the fixture store:\n\(server.logTail())")
        }
        for run in runs["runs"]?.arrayValue ?? [] {
            if let name = run["info"]?["run_name"]?.stringValue, let id = run["info"]?["run_id"]?.stringValue { ids.withLock { $0.runs[name] = id } }
        }
        guard runIDs.count >= 40, experimentIDs.count >= 6 else {
            throw SupportError("fixture store looks incomplete: \(experimentIDs.count) experiments, \(runIDs.count) runs")
        }
    }

    func experimentID(_ name: String) throws -> String {
        guard let id = experimentIDs[name] else { throw SupportError("fixture has no experiment named \(name)") }
        return id
    }

    func runID(_ name: String) throws -> String {
        guard let id = runIDs[name] else { throw SupportError("fixture has no run named \(name)") }
        return id
    }

    /// Replaces `{run:NAME}` with that run's id (ids differ per generation and per store).
    func substitute(_ text: String) throws -> String {
        var out = text
        while let open = out.range(of: "{run:"), let close = out.range(of: "}", range: open.upperBound..<out.endIndex) {
            out.replaceSubrange(open.lowerBound..<close.upperBound, with: try runID(String(out[open.upperBound..<close.lowerBound])))
        }
        return out
    }

    // MARK: - Server side (every page followed, small pages so paging itself is exercised)

    func serverRuns(_ query: RunsCase) throws -> RESTOutcome {
        var body: [String: Any] = ["experiment_ids": try query.experiments.map(experimentID)]
        if let filter = query.filter { body["filter"] = try substitute(filter) }
        if !query.orderBy.isEmpty { body["order_by"] = query.orderBy }
        if let viewType = query.viewType { body["run_view_type"] = viewType }
        // --max-results N means "the first N runs" (as mlflow.search_runs): one page of N.
        body["max_results"] = query.maxResults ?? 7
        var runs: [JSONDocument] = []
        while true {
            let outcome = RESTOutcome(server: try server.post("/api/2.0/mlflow/runs/search", json: body))
            guard case .document(let page) = outcome else { return outcome }
            runs += page["runs"]?.arrayValue ?? []
            guard query.maxResults == nil, let token = page["next_page_token"]?.stringValue else { break }
            body["page_token"] = token
        }
        return .document(runs.isEmpty ? .object([:]) : .object(["runs": .array(runs)]))
    }

    func serverExperiments(viewType: String?) throws -> RESTOutcome {
        var body: [String: Any] = ["max_results": 2]
        if let viewType { body["view_type"] = viewType }
        var experiments: [JSONDocument] = []
        while true {
            let outcome = RESTOutcome(server: try server.post("/api/2.0/mlflow/experiments/search", json: body))
            guard case .document(let page) = outcome else { return outcome }
            experiments += page["experiments"]?.arrayValue ?? []
            guard let token = page["next_page_token"]?.stringValue else { break }
            body["page_token"] = token
        }
        return .document(experiments.isEmpty ? .object([:]) : .object(["experiments": .array(experiments)]))
    }

    func serverHistory(runID: String, key: String) throws -> RESTOutcome {
        RESTOutcome(server: try server.get("/api/2.0/mlflow/metrics/get-history", query: [("run_id", runID), ("metric_key", key)]))
    }

    func serverArtifacts(runID: String, path: String?) throws -> RESTOutcome {
        var query = [("run_id", runID)]
        if let path { query.append(("path", path)) }
        return RESTOutcome(server: try server.get("/api/2.0/mlflow/artifacts/list", query: query))
    }

    // MARK: - mltui side

    func mltuiRunsArguments(_ query: RunsCase) throws -> [String] {
        var args = ["runs", "--tracking-uri", trackingURI]
        for name in query.experiments {
            args += query.byName ? ["--experiment-name", name] : ["--experiment-id", try experimentID(name)]
        }
        if let filter = query.filter { args += ["--filter", try substitute(filter)] }
        for order in query.orderBy { args += ["--order-by", order] }
        if let viewType = query.viewType { args += ["--view-type", viewType] }
        if let maxResults = query.maxResults { args += ["--max-results", String(maxResults)] }
        return args + ["--format", "json"]
    }

    func mltui(_ args: [String]) throws -> RESTOutcome {
        RESTOutcome(mltui: try MltuiCLI.run(args))
    }

    // MARK: - Comparison

    /// nil when equal; else a failure message with both sides saved for inspection.
    func compare(label: String, mltuiArguments: [String], request: String, expected: RESTOutcome, actual: RESTOutcome) -> String? {
        guard let mismatch = RESTOutcome.mismatch(expected: expected, actual: actual) else { return nil }
        let saved = save(label: label, expected: expected, actual: actual)
        return """
            [\(format.rawValue)] \(label)
              mltui \(mltuiArguments.map(shellQuoted).joined(separator: " "))
              MLflow: \(request)
            \(mismatch)
            \(saved)
            """
    }

    private func save(label: String, expected: RESTOutcome, actual: RESTOutcome) -> String {
        let dir = RepoLayout.root.appendingPathComponent(".build/conformance-failures")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let stem = "\(format.rawValue)-" + String(label.map { $0.isLetter || $0.isNumber ? $0 : "_" }.prefix(80))
        func text(_ outcome: RESTOutcome) -> String {
            if case .document(let document) = outcome { return MLflowCanonicalForm.canonical(document).prettyText() + "\n" }
            return outcome.description + "\n"
        }
        let e = dir.appendingPathComponent(stem + ".mlflow.json"), a = dir.appendingPathComponent(stem + ".mltui.json")
        try? text(expected).write(to: e, atomically: true, encoding: .utf8)
        try? text(actual).write(to: a, atomically: true, encoding: .utf8)
        return "  full documents: diff \(e.path) \(a.path)"
    }

    private func shellQuoted(_ word: String) -> String {
        word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:".contains($0) }) ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// One `runs/search` request.
struct RunsCase {
    var label: String
    var experiments: [String]
    var filter: String?
    var orderBy: [String]
    var viewType: String?
    var maxResults: Int?
    var byName: Bool

    init(_ label: String, experiments: [String] = ConformanceHarness.activeExperiments, filter: String? = nil,
         orderBy: [String] = [], viewType: String? = nil, maxResults: Int? = nil, byName: Bool = false) {
        self.label = label
        self.experiments = experiments
        self.filter = filter
        self.orderBy = orderBy
        self.viewType = viewType
        self.maxResults = maxResults
        self.byName = byName
    }

    var requestDescription: String {
        "runs/search experiments=\(experiments) filter=\(filter.map { "\"\($0)\"" } ?? "none") order_by=\(orderBy) view=\(viewType ?? "default") max_results=\(maxResults.map(String.init) ?? "all pages")"
    }
}
