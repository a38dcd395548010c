import Foundation
import TestSupport
import Tracking
import XCTest

/// `mltui models`, `mltui registry` and `mltui datasets` over a store against `mlflow server`'s
/// answers for the same requests (every page followed), on the fixtures' `model-zoo` experiment
/// and registry.
extension StoreConformanceTests {
    /// One logged-model search: the CLI's words and the REST body they stand for.
    struct ModelsCase {
        var label: String
        var filter: String?
        var orders: [(cli: String, rest: [String: Any])] = []
        var datasets: [(cli: String, rest: [String: Any])] = []
    }

    func runLoggedModels() throws {
        let h = try harness()
        let zoo = try h.experimentID("model-zoo")
        let digest = try datasetDigest(h, zoo: zoo, name: "reviews-eval")
        var cases = [ModelsCase(label: "all")]
        for f in ["metrics.accuracy > 0.8", "metrics.accuracy < 0.8", "name LIKE 'clf%'", "name ILIKE 'CLF%'", "tags.framework = 'sklearn'",
                  "params.hidden = '64'", "status = 'READY'", "status = '2'", "model_type = 'classifier' AND metrics.accuracy > 0.7",
                  "name IN ('baseline', 'clf-small')", "creation_timestamp > 0"] {
            cases.append(ModelsCase(label: "filter \(f)", filter: f))
        }
        cases.append(ModelsCase(label: "order accuracy desc", orders: [("metrics.accuracy:desc", ["field_name": "metrics.accuracy", "ascending": false])]))
        cases.append(ModelsCase(label: "order accuracy on a dataset",
                                orders: [("metrics.accuracy@reviews-eval", ["field_name": "metrics.accuracy", "ascending": true, "dataset_name": "reviews-eval"])]))
        cases.append(ModelsCase(label: "order name", orders: [("name", ["field_name": "name"])]))
        cases.append(ModelsCase(label: "dataset with digest", datasets: [("reviews-eval@\(digest)", ["dataset_name": "reviews-eval", "dataset_digest": digest])]))
        // Invalid filters and orders: the same error code as MLflow's (messages are mltui's own).
        for f in ["name = 'a' OR name = 'b'", "metrics.accuracy >> 1", "params.hidden > '100'", "foo.bar = 'x'", "name = "] {
            cases.append(ModelsCase(label: "invalid filter \(f)", filter: f))
        }
        cases.append(ModelsCase(label: "invalid order", orders: [("params.hidden", ["field_name": "params.hidden"])]))
        cases.append(ModelsCase(label: "dataset with digest and a metric filter", filter: "metrics.accuracy > 0.5",
                                datasets: [("reviews-eval@\(digest)", ["dataset_name": "reviews-eval", "dataset_digest": digest])]))
        XCTAssertGreaterThan(try loggedModelCount(h, zoo: zoo), 5, "the fixture has logged models")
        try compareAll(cases) { item in
            var args = ["models", "--tracking-uri", h.trackingURI, "--experiment", zoo]
            var body: [String: Any] = ["experiment_ids": [zoo], "max_results": 3]
            if let filter = item.filter { args += ["--filter", filter]; body["filter"] = filter }
            for order in item.orders { args += ["--order-by", order.cli] }
            for dataset in item.datasets { args += ["--dataset", dataset.cli] }
            if !item.orders.isEmpty { body["order_by"] = item.orders.map(\.rest) }
            if !item.datasets.isEmpty { body["datasets"] = item.datasets.map(\.rest) }
            return h.compare(label: "models " + item.label, mltuiArguments: args + ["--format", "json"], request: "logged-models/search \(body)",
                             expected: try allPages(h, path: "/api/2.0/mlflow/logged-models/search", body: body, list: "models"),
                             actual: try h.mltui(args + ["--format", "json"]))
        }
    }

    func runRegistry() throws {
        let h = try harness()
        var failures = 0
        for (filter, order) in [(nil, nil), ("name LIKE '%class%'", nil), ("tags.task = 'agent'", nil), (nil, "name DESC"),
                                ("name IN ('empty-model', 'length-scorer')", nil), ("name > 'a'", nil), ("foo = 'x'", nil),
                                ("name = 'a' OR name = 'b'", nil), (nil, "foo")] as [(String?, String?)] {
            var args = ["registry", "--tracking-uri", h.trackingURI]
            var query: [(String, String)] = [("max_results", "2")]
            if let filter { args += ["--filter", filter]; query.append(("filter", filter)) }
            if let order { args += ["--order-by", order]; query.append(("order_by", order)) }
            if let failure = h.compare(label: "registry \(filter ?? "") \(order ?? "")", mltuiArguments: args, request: "registered-models/search \(query)",
                                       expected: try allPages(h, path: "/api/2.0/mlflow/registered-models/search", query: query, list: "registered_models"),
                                       actual: try h.mltui(args + ["--format", "json"])) {
                failures += 1
                XCTFail(failure)
            }
        }
        guard case .document(let found) = try allPages(h, path: "/api/2.0/mlflow/registered-models/search", query: [], list: "registered_models") else {
            return XCTFail("registered-models/search failed")
        }
        let names = (found["registered_models"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        XCTAssertGreaterThanOrEqual(names.count, 3, "the fixture has registered models")
        for name in names {
            for filter in [nil, "version_number > 1", "tags.validated = 'true'", "current_stage = 'Production'"] as [String?] {
                var args = ["registry", name, "--tracking-uri", h.trackingURI]
                let quoted = "name = '\(name)'"
                var query = [("filter", filter.map { quoted + " AND " + $0 } ?? quoted), ("order_by", "version_number DESC"), ("max_results", "2")]
                if let filter { args += ["--filter", filter] }
                query = query.filter { !$0.1.isEmpty }
                if let failure = h.compare(label: "registry \(name) \(filter ?? "")", mltuiArguments: args, request: "model-versions/search \(query)",
                                           expected: try allPages(h, path: "/api/2.0/mlflow/model-versions/search", query: query, list: "model_versions"),
                                           actual: try h.mltui(args + ["--format", "json"])) {
                    failures += 1
                    XCTFail(failure)
                }
            }
        }
        let missing = try h.mltui(["registry", "no-such-model", "--tracking-uri", h.trackingURI, "--format", "json"])
        let expected = RESTOutcome(server: try h.server.get("/api/2.0/mlflow/registered-models/get", query: [("name", "no-such-model")]))
        if let mismatch = RESTOutcome.mismatch(expected: expected, actual: missing) { failures += 1; XCTFail("registry no-such-model: \(mismatch)") }
        XCTAssertEqual(failures, 0)
    }

    func runDatasets() throws {
        let h = try harness()
        var failures = 0
        for name in ["model-zoo", "llm-benchmark", "日本語-実験", "empty-experiment"] {
            let id = try h.experimentID(name)
            let args = ["datasets", "--tracking-uri", h.trackingURI, "--experiment", id, "--format", "json"]
            let expected = RESTOutcome(server: try h.server.post("/ajax-api/2.0/mlflow/experiments/search-datasets", json: ["experiment_ids": [id]]))
            if let failure = h.compare(label: "datasets \(name)", mltuiArguments: args, request: "experiments/search-datasets [\(id)]",
                                       expected: expected, actual: try h.mltui(args)) {
                failures += 1
                XCTFail(failure)
            }
        }
        XCTAssertEqual(failures, 0)
    }

    // MARK: helpers

    private func allPages(_ h: ConformanceHarness, path: String, body: [String: Any], list: String) throws -> RESTOutcome {
        var body = body
        var items: [JSONDocument] = []
        while true {
            let outcome = RESTOutcome(server: try h.server.post(path, json: body))
            guard case .document(let page) = outcome else { return outcome }
            items += page[list]?.arrayValue ?? []
            guard let token = page["next_page_token"]?.stringValue else { break }
            body["page_token"] = token
        }
        return .document(items.isEmpty ? .object([:]) : .object([list: .array(items)]))
    }

    private func allPages(_ h: ConformanceHarness, path: String, query: [(String, String)], list: String) throws -> RESTOutcome {
        var items: [JSONDocument] = []
        var token: String?
        repeat {
            let outcome = RESTOutcome(server: try h.server.get(path, query: query + (token.map { [("page_token", $0)] } ?? [])))
            guard case .document(let page) = outcome else { return outcome }
            items += page[list]?.arrayValue ?? []
            token = page["next_page_token"]?.stringValue
        } while token != nil
        return .document(items.isEmpty ? .object([:]) : .object([list: .array(items)]))
    }

    private func loggedModelCount(_ h: ConformanceHarness, zoo: String) throws -> Int {
        guard case .document(let page) = try allPages(h, path: "/api/2.0/mlflow/logged-models/search", body: ["experiment_ids": [zoo]], list: "models") else { return 0 }
        return page["models"]?.arrayValue?.count ?? 0
    }

    /// The digest a fixture dataset has in this store (digests are computed by MLflow).
    private func datasetDigest(_ h: ConformanceHarness, zoo: String, name: String) throws -> String {
        let answer = RESTOutcome(server: try h.server.post("/ajax-api/2.0/mlflow/experiments/search-datasets", json: ["experiment_ids": [zoo]]))
        guard case .document(let page) = answer,
              let digest = (page["dataset_summaries"]?.arrayValue ?? []).first(where: { $0["name"]?.stringValue == name })?["digest"]?.stringValue else {
            throw SupportError("the fixture has no dataset \(name) in model-zoo")
        }
        return digest
    }
}
