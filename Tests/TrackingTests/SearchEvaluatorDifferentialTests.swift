import Foundation
import XCTest
@testable import Tracking

/// Filters and sorts the same runs and experiments with MLflow's file-store code
/// (SearchUtils.filter/sort via mlflow_search_oracle.py) and with SearchEvaluator; the ids and
/// their order must be identical.
final class SearchEvaluatorDifferentialTests: XCTestCase {
    struct RunSpec {
        var id: String
        var start: Int64
        var end: Int64? = nil
        var status = "FINISHED"
        var name: String
        var user = "alice"
        var metrics: [String: Double] = [:]
        var params: [String: String] = [:]
        var tags: [String: String] = [:]
        var datasets: [(name: String, digest: String, context: String?)] = []

        var run: Run {
            var allTags = tags
            allTags["mlflow.runName"] = name  // as MLflow writes it; run_name filters read it
            return Run(
                info: RunInfo(runID: id, experimentID: "1", runName: name, userID: user, status: RunStatus(rawValue: status)!,
                              startTime: start, endTime: end, artifactURI: "file:///a/\(id)"),
                data: RunData(metrics: metrics.map { Metric(key: $0.key, value: $0.value, timestamp: 1, step: 0) },
                              params: params.map { Param($0.key, $0.value) }, tags: allTags.map { Tag($0.key, $0.value) }),
                inputs: RunInputs(datasetInputs: datasets.map {
                    DatasetInput(tags: $0.context.map { [Tag("mlflow.data.context", $0)] } ?? [],
                                 dataset: Dataset(name: $0.name, digest: $0.digest, sourceType: "local", source: "x"))
                }))
        }

        var json: [String: Any] {
            var allTags = tags
            allTags["mlflow.runName"] = name
            var object: [String: Any] = [
                "id": id, "start": start, "status": status, "name": name, "user": user, "params": params, "tags": allTags,
                "metrics": metrics.mapValues { $0.isNaN ? "NaN" : $0 == .infinity ? "Infinity" : $0 == -.infinity ? "-Infinity" : String($0) },
                "datasets": datasets.map { d -> [String: Any] in
                    var o: [String: Any] = ["name": d.name, "digest": d.digest]
                    if let context = d.context { o["context"] = context }
                    return o
                },
            ]
            if let end { object["end"] = end }
            return object
        }
    }

    static let runs: [RunSpec] = [
        RunSpec(id: "r01", start: 500, end: 900, name: "alpha", metrics: ["rmse": 0.5, "acc": .infinity, "loss": 3],
                params: ["lr": "0.01", "opt": "adam", "empty": ""], tags: ["stage": "dev", "note": "line1\nline2"],
                datasets: [("train_ds", "d1", "training"), ("eval_ds", "d2", "eval")]),
        RunSpec(id: "r02", start: 400, status: "RUNNING", name: "beta", metrics: ["rmse": .nan, "acc": -.infinity, "loss": 3],
                params: ["lr": "0.1", "opt": "Adam"], tags: ["stage": "Dev", "note": "x\n"]),
        RunSpec(id: "r03", start: 400, end: 450, status: "FAILED", name: "gamma", metrics: ["rmse": 2, "loss": 1],
                params: ["lr": "1e-3", "opt": "sgd_m"], tags: ["stage": "prod_1", "path": "a%b"], datasets: [("train_ds", "d3", nil)]),
        RunSpec(id: "r04", start: 300, end: 310, status: "KILLED", name: "delta", user: "bob", metrics: ["rmse": 0.5],
                tags: ["stage": "prod.1", "path": "a.b"]),
        RunSpec(id: "r05", start: 300, end: 305, name: "épsilon", metrics: ["rmse": -1, "acc": 0.9, "loss": 2],
                params: ["lr": "0.01", "opt": "ADAM", "ключ": "значение"], tags: ["stage": "ÉTÉ", "path": "a(b)*"]),
        RunSpec(id: "r06", start: 200, end: 250, name: "zeta", metrics: ["rmse": .infinity, "loss": .nan],
                params: ["lr": "0.001"], tags: ["stage": "dev ", "multi": "a\nb"], datasets: [("other", "d4", "training")]),
        RunSpec(id: "r07", start: 200, end: 250, name: "Eta", metrics: ["acc": 0.9],
                params: ["lr": ""], tags: ["stage": "été"]),
        RunSpec(id: "r08", start: 100, end: 101, status: "FAILED", name: "theta", user: "bob",
                metrics: ["rmse": 1e-9, "acc": 0.9, "loss": -.infinity], params: ["opt": "adam"]),
    ]

    static let filters = [
        "", "metrics.rmse < 1", "metrics.rmse <= 0.5", "metrics.rmse = 0.5", "metrics.rmse != 0.5", "metrics.rmse > -1",
        "metrics.rmse >= -1", "metrics.acc > 0.5", "metrics.acc != 0.9", "metrics.loss < 2.5", "metrics.loss != 3",
        "metrics.rmse > 1e308", "params.lr = '0.01'", "params.lr != '0.01'", "params.lr IS NULL", "params.lr IS NOT NULL",
        "params.lr = ''", "params.lr LIKE '0.0%'", "params.lr LIKE '0._1'", "params.opt ILIKE 'adam'", "params.opt LIKE 'adam'",
        "params.opt LIKE '%_m'", "params.ключ = 'значение'", "tags.stage LIKE 'dev'", "tags.stage ILIKE 'dev%'",
        "tags.stage LIKE 'prod_1'", "tags.stage LIKE 'prod.1'", "tags.stage ILIKE 'été'", "tags.stage = 'été'",
        "tags.path LIKE 'a%b'", "tags.path LIKE 'a(b)*'", "tags.path LIKE '%)*'", "tags.note LIKE 'line1%'",
        "tags.note LIKE '%line2'", "tags.note LIKE '%2'", "tags.note LIKE 'x'", "tags.multi LIKE 'a_b'", "tags.multi LIKE 'a%'",
        "tags.stage IS NULL", "status = 'FAILED'", "status != 'FINISHED'", "attributes.status ILIKE 'f%'",
        "run_id IN ('r01', 'r05', 'zz')", "run_id NOT IN ('r01')", "user_id = 'bob'", "artifact_uri LIKE '%r0_'",
        "start_time >= 300", "created < 300", "end_time > 300", "end_time != 250", "run_name = 'alpha'", "`Run name` ILIKE 'e%'",
        "datasets.name = 'train_ds'", "datasets.name != 'train_ds'", "datasets.digest IN ('d2', 'd4')",
        "datasets.context = 'training'", "datasets.context != 'eval'", "datasets.name LIKE '%_ds'",
        "metrics.rmse < 1 AND params.opt ILIKE 'adam' AND status = 'FINISHED'",
    ]

    static let orders: [[String]] = [
        [], ["metrics.rmse"], ["metrics.rmse DESC"], ["metrics.acc"], ["metrics.acc DESC"], ["metrics.loss DESC"],
        ["params.lr"], ["params.lr DESC"], ["params.opt"], ["tags.stage"], ["tags.stage DESC"], ["start_time"],
        ["created DESC"], ["end_time"], ["end_time DESC"], ["status"], ["run_name DESC"], ["user_id", "metrics.rmse DESC"],
        ["metrics.loss", "params.lr DESC"], ["run_id DESC"], ["artifact_uri"],
    ]

    struct ExperimentSpec {
        var id: String
        var name: String
        var creation: Int64
        var update: Int64
        var tags: [String: String] = [:]

        var experiment: Experiment {
            Experiment(experimentID: id, name: name, creationTime: creation, lastUpdateTime: update,
                       tags: tags.map { Tag($0.key, $0.value) })
        }

        var json: [String: Any] {
            ["id": id, "name": name, "creation_time": creation, "last_update_time": update, "tags": tags]
        }
    }

    static let experiments: [ExperimentSpec] = [
        ExperimentSpec(id: "0", name: "Default", creation: 10, update: 10),
        ExperimentSpec(id: "2", name: "demo-b", creation: 30, update: 50, tags: ["team": "ml"]),
        ExperimentSpec(id: "10", name: "demo-a", creation: 30, update: 40, tags: ["team": "ops"]),
        ExperimentSpec(id: "3", name: "Démo", creation: 20, update: 50),
        ExperimentSpec(id: "123456789012345678", name: "fs-style", creation: 20, update: 60, tags: ["team": "ML"]),
    ]

    static let experimentFilters = [
        "", "name LIKE 'demo%'", "name ILIKE 'd%'", "name = 'Default'", "name != 'Default'", "experiment_id IN ('0', '3')",
        "experiment_id NOT IN ('0')", "experiment_id = '10'", "creation_time > 20", "creation_time = 20", "last_update_time <= 40",
        "tags.team = 'ml'", "tags.team ILIKE 'ml'", "tags.team IS NULL", "tags.team IS NOT NULL", "tags.team != 'ml'",
    ]

    static let experimentOrders: [[String]] = [
        [], ["name"], ["name DESC"], ["creation_time"], ["creation_time DESC"], ["last_update_time DESC"],
        ["experiment_id"], ["experiment_id DESC"], ["last_update_time", "name DESC"],
    ]

    func testRunsFilterAndSortLikeMLflowFileStore() throws {
        let runs = Self.runs.map(\.run)
        let runJSON = Self.runs.map(\.json)
        var searches: [(filter: String, order: [String])] = Self.filters.map { ($0, []) } + Self.orders.map { ("", $0) }
        searches.append(("metrics.rmse > -5", ["metrics.rmse DESC", "params.opt"]))
        let answers = try SearchGrammarDifferentialTests.askMLflow(payload: searches.map {
            ["kind": "run_search", "runs": runJSON, "filter": $0.filter, "order_by": $0.order]
        })
        for (search, answer) in zip(searches, answers) {
            let filter = try SearchGrammar.parseRunFilter(search.filter)
            var found = runs.filter { SearchEvaluator.matches($0, filter) }
            SearchEvaluator.sort(&found, by: try SearchGrammar.parseRunOrderBy(search.order))
            XCTAssertEqual(found.map(\.info.runID), answer["ids"] as? [String],
                           "filter \(search.filter.debugDescription) order_by \(search.order): \(answer["error"] ?? "")")
        }
    }

    func testExperimentsFilterAndSortLikeMLflowFileStore() throws {
        let experiments = Self.experiments.map(\.experiment)
        let json = Self.experiments.map(\.json)
        let searches: [(filter: String, order: [String])] = Self.experimentFilters.map { ($0, []) } + Self.experimentOrders.map { ("", $0) }
        let answers = try SearchGrammarDifferentialTests.askMLflow(payload: searches.map {
            ["kind": "experiment_search", "experiments": json, "filter": $0.filter, "order_by": $0.order]
        })
        for (search, answer) in zip(searches, answers) {
            let filter = try SearchGrammar.parseExperimentFilter(search.filter)
            var found = experiments.filter { SearchEvaluator.matches($0, filter) }
            SearchEvaluator.sort(&found, by: try SearchGrammar.parseExperimentOrderBy(search.order))
            XCTAssertEqual(found.map(\.experimentID), answer["ids"] as? [String],
                           "filter \(search.filter.debugDescription) order_by \(search.order): \(answer["error"] ?? "")")
        }
    }
}
