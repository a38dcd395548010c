import Foundation
@testable import SQLStore
import Tracking

/// A list of tracking writes run twice: through MLflow's own SqlAlchemyStore
/// (Scripts/sqlite_writes.py) and through mltui's SQLWriter (`apply`), so the two stores and
/// the outcome of every write (ok, or MLflow's error code and message) can be compared.
/// A string field "$name" stands for the id an earlier op saved under `save`.
enum SQLiteWriteOps {
    typealias Op = [String: Any]

    /// Every write method, the defaults MLflow fills in, and the errors each one raises.
    static var all: [Op] {
        let long = String(repeating: "x", count: 7000), longTag = String(repeating: "y", count: 9000)
        let dataset: [String: Any] = ["name": "ds", "digest": "abc123", "source_type": "local", "source": "{\"uri\": \"/data\"}",
                                      "schema": "{\"mlflow_colspec\": []}", "profile": "{\"num_rows\": 3}",
                                      "tags": [["mlflow.data.context", "train"]]]
        return [
            ["op": "create_experiment", "name": "exp-a", "tags": [["team", "ml"]], "save": "a"],
            ["op": "create_experiment", "name": "exp-b", "artifact_location": "/tmp/mltui-custom-root/b", "save": "b"],
            ["op": "create_experiment", "name": "exp-c", "save": "c"],
            ["op": "set_experiment_tag", "id": "$a", "key": "stage", "value": "dev"],
            ["op": "set_experiment_tag", "id": "$a", "key": "drop", "value": "x"],
            ["op": "delete_experiment_tag", "id": "$a", "key": "drop"],
            ["op": "rename_experiment", "id": "$b", "name": "exp-b2"],
            ["op": "create_run", "experiment_id": "$a", "user_id": "alice", "start_time": 1000,
             "tags": [["mlflow.source.name", "train.py"]], "run_name": "first", "save": "r1"],
            ["op": "create_run", "experiment_id": "$a", "start_time": 2000, "save": "r2"],
            ["op": "create_run", "experiment_id": "$a", "start_time": 3000, "tags": [["mlflow.runName", "tagged"]], "save": "r3"],
            ["op": "create_run", "experiment_id": "$c", "start_time": 4000, "run_name": "in-c", "save": "r4"],
            ["op": "log_batch", "run_id": "$r1",
             "metrics": [["loss", 1.5, 1001, 0], ["loss", 0.5, 1002, 1], ["loss", "nan", 1003, 2], ["acc", "inf", 1001, 0],
                         ["acc", "-inf", 1002, 0], ["loss", 1.5, 1001, 0]],
             "params": [["lr", "0.01"], ["long", long]], "tags": [["k", "v"], ["mlflow.runName", "renamed"], ["k", "v2"]]],
            ["op": "log_metric", "run_id": "$r1", "metric": ["loss", 0.25, 1004, 1]],
            ["op": "log_metric", "run_id": "$r1", "metric": ["loss", 0.25, 1004, 1]],
            ["op": "log_metric", "run_id": "$r2", "metric": ["step_back", 3.0, 10, 5]],
            ["op": "log_metric", "run_id": "$r2", "metric": ["step_back", 9.0, 20, 4]],
            ["op": "log_param", "run_id": "$r1", "key": "lr", "value": "0.01"],
            ["op": "log_param", "run_id": "$r1", "key": "long2", "value": long],
            ["op": "set_tag", "run_id": "$r1", "key": "note", "value": longTag],
            ["op": "set_tag", "run_id": "$r2", "key": "mlflow.runName", "value": ""],
            ["op": "delete_tag", "run_id": "$r1", "key": "k"],
            ["op": "update_run", "run_id": "$r1", "status": "FINISHED", "end_time": 5000],
            ["op": "update_run", "run_id": "$r2", "run_name": "second"],
            ["op": "log_inputs", "run_id": "$r1", "datasets": [dataset, dataset]],
            ["op": "log_inputs", "run_id": "$r1", "datasets": [dataset]],
            ["op": "log_inputs", "run_id": "$r2", "datasets": [dataset]],
            ["op": "create_logged_model", "experiment_id": "$a", "name": "model", "source_run_id": "$r1",
             "tags": [["t", "1"], ["gone", "x"]], "params": [["p", "2"]], "model_type": "sklearn", "save": "m1"],
            ["op": "create_logged_model", "experiment_id": "$a", "name": "second", "save": "m2"],
            ["op": "log_outputs", "run_id": "$r1", "models": [["$m1", 2]]],
            ["op": "log_inputs", "run_id": "$r2", "models": ["$m1", "$m1"]],
            ["op": "log_metric", "run_id": "$r1", "metric": ["model_acc", 0.9, 1005, 0, "$m1"]],
            ["op": "finalize_logged_model", "model_id": "$m1", "status": "READY"],
            ["op": "set_logged_model_tags", "model_id": "$m1", "tags": [["t2", "3"], ["t2", "4"]]],
            ["op": "delete_logged_model_tag", "model_id": "$m1", "key": "gone"],
            ["op": "log_logged_model_params", "model_id": "$m1", "params": [["p2", "5"]]],
            ["op": "delete_run", "run_id": "$r3"],
            ["op": "restore_run", "run_id": "$r3"],
            ["op": "delete_run", "run_id": "$r3"],
            ["op": "delete_experiment", "id": "$c"],
            ["op": "create_experiment", "name": "exp-d", "save": "d"],
            ["op": "delete_experiment", "id": "$d"],
            ["op": "restore_experiment", "id": "$d"],
        ] + errors
    }

    /// Writes MLflow refuses, each with its code and message.
    static var errors: [Op] {
        [
            ["op": "log_param", "run_id": "$r1", "key": "lr", "value": "0.02"],
            ["op": "log_batch", "run_id": "$r1", "params": [["lr", "0.5"], ["fresh", "1"], ["long", "y"]]],
            ["op": "set_tag", "run_id": "$r3", "key": "x", "value": "y"],
            ["op": "log_metric", "run_id": "$r4", "metric": ["m", 1.0, 1, 0]],
            ["op": "log_metric", "run_id": "00000000000000000000000000000000", "metric": ["m", 1.0, 1, 0]],
            ["op": "log_metric", "run_id": "$r1", "metric": ["../m", 1.0, 1, 0]],
            ["op": "log_metric", "run_id": "$r1", "metric": ["m", 1.0, -1, 0]],
            ["op": "log_batch", "run_id": "$r1", "metrics": [["ok", 1.0, 1, 0], ["bad key!", 1.0, 1, 0]]],
            ["op": "log_batch", "run_id": "$r1", "params": [["a", "1"], ["a", "2"]]],
            ["op": "create_experiment", "name": "exp-a"],
            ["op": "create_experiment", "name": ""],
            ["op": "create_experiment", "name": "tagged", "tags": [["../t", "v"]]],
            ["op": "rename_experiment", "id": "$c", "name": "exp-c2"],
            ["op": "rename_experiment", "id": "$a", "name": "exp-b2"],
            ["op": "restore_experiment", "id": "$a"],
            ["op": "delete_experiment", "id": "$c"],
            ["op": "delete_experiment", "id": "12345"],
            ["op": "delete_experiment_tag", "id": "$a", "key": "missing"],
            ["op": "set_experiment_tag", "id": "$c", "key": "k", "value": "v"],
            ["op": "set_experiment_tag", "id": "abc", "key": "k", "value": "v"],
            ["op": "delete_tag", "run_id": "$r1", "key": "missing"],
            ["op": "create_run", "experiment_id": "$c", "start_time": 1],
            ["op": "create_run", "experiment_id": "$a", "start_time": 1, "run_name": "x", "tags": [["mlflow.runName", "y"]]],
            ["op": "update_run", "run_id": "$r3", "status": "FAILED"],
            ["op": "log_inputs", "run_id": "$r3", "datasets": []],
            ["op": "log_inputs", "run_id": "$r1", "datasets": [["name": String(repeating: "n", count: 501), "digest": "d",
                                                                "source_type": "local", "source": "s"]]],
            ["op": "log_outputs", "run_id": "$r3", "models": [["$m1", 1]]],
            ["op": "create_logged_model", "experiment_id": "$a", "name": "a/b"],
            ["op": "create_logged_model", "experiment_id": "$c", "name": "m"],
            ["op": "finalize_logged_model", "model_id": "m-missing", "status": "READY"],
            ["op": "delete_logged_model_tag", "model_id": "$m1", "key": "missing"],
            ["op": "set_logged_model_tags", "model_id": "m-missing", "tags": [["a", "b"]]],
            ["op": "create_run", "experiment_id": "$a", "start_time": 1, "tags": [["mlflow.runName", ""]]],
            ["op": "create_run", "experiment_id": "$a", "start_time": 1, "tags": [["k", "1"], ["k", "2"]]],
            ["op": "create_experiment", "name": "dup-tags", "tags": [["k", "1"], ["k", "2"]]],
            ["op": "log_outputs", "run_id": "$r1", "models": [["$m1", 2]]],
            ["op": "log_logged_model_params", "model_id": "$m1", "params": [["p", "again"]]],
            // A model's metric again with another value (its key: model, name, time, step, run),
            // and one for a model that does not exist (a foreign key, enforced as in MLflow).
            ["op": "log_metric", "run_id": "$r1", "metric": ["model_acc", 0.8, 1005, 0, "$m1"]],
            ["op": "log_metric", "run_id": "$r1", "metric": ["model_acc", 0.8, 1006, 0, "m-00000000000000000000000000000000"]],
        ]
    }

    /// Runs `ops` through `writer`, one outcome per op, in the script's shape.
    static func apply(_ ops: [Op], to writer: SQLWriter) async -> [[String: Any]] {
        var saved: [String: String] = [:]
        var outcomes: [[String: Any]] = []
        for op in ops {
            do {
                let result = try await run(op, writer, { v in
                    guard let s = v as? String, s.hasPrefix("$") else { return v as? String }
                    return saved[String(s.dropFirst())]
                })
                if let name = op["save"] as? String, let result { saved[name] = result }
                outcomes.append(["ok": true])
            } catch {
                let e = error.asMLflowError
                outcomes.append(["code": e.code.rawValue, "message": e.message])
            }
        }
        return outcomes
    }

    private static func pairs(_ v: Any?) -> [KeyValue] {
        ((v as? [[String]]) ?? []).map { KeyValue($0[0], $0[1]) }
    }

    private static func metric(_ v: Any?, _ ref: (Any?) -> String?) -> Metric {
        let m = v as! [Any]
        let value = (m[1] as? Double) ?? (m[1] as? Int).map(Double.init) ?? Double(m[1] as! String)!
        return Metric(key: m[0] as! String, value: value, timestamp: Int64(m[2] as! Int), step: Int64(m[3] as! Int),
                      modelID: m.count > 4 ? ref(m[4]) : nil)
    }

    private static func run(_ o: Op, _ w: SQLWriter, _ ref: (Any?) -> String?) async throws -> String? {
        func s(_ key: String) -> String { ref(o[key]) ?? "" }
        switch o["op"] as! String {
        case "create_experiment":
            return try await w.createExperiment(name: s("name"), artifactLocation: o["artifact_location"] as? String, tags: pairs(o["tags"]))
        case "rename_experiment": try await w.renameExperiment(id: s("id"), newName: s("name"))
        case "delete_experiment": try await w.deleteExperiment(id: s("id"))
        case "restore_experiment": try await w.restoreExperiment(id: s("id"))
        case "set_experiment_tag": try await w.setExperimentTag(experimentID: s("id"), key: s("key"), value: s("value"))
        case "delete_experiment_tag": try await w.deleteExperimentTag(experimentID: s("id"), key: s("key"))
        case "create_run":
            let run = try await w.createRun(RunCreation(experimentID: s("experiment_id"), userID: s("user_id"),
                                                        startTime: (o["start_time"] as? Int).map(Int64.init), tags: pairs(o["tags"]),
                                                        runName: o["run_name"] as? String))
            return run.info.runID
        case "update_run":
            _ = try await w.updateRun(id: s("run_id"), status: (o["status"] as? String).flatMap(RunStatus.init(rawValue:)),
                                      endTime: (o["end_time"] as? Int).map(Int64.init), runName: o["run_name"] as? String)
        case "delete_run": try await w.deleteRun(id: s("run_id"))
        case "restore_run": try await w.restoreRun(id: s("run_id"))
        case "log_metric": try await w.logMetric(runID: s("run_id"), metric: metric(o["metric"], ref))
        case "log_param": try await w.logParam(runID: s("run_id"), param: Param(s("key"), s("value")))
        case "set_tag": try await w.setTag(runID: s("run_id"), tag: Tag(s("key"), s("value")))
        case "delete_tag": try await w.deleteTag(runID: s("run_id"), key: s("key"))
        case "log_batch":
            try await w.logBatch(runID: s("run_id"), metrics: ((o["metrics"] as? [Any]) ?? []).map { metric($0, ref) },
                                 params: pairs(o["params"]), tags: pairs(o["tags"]))
        case "log_inputs":
            let datasets = ((o["datasets"] as? [[String: Any]]) ?? []).map { d in
                DatasetInput(tags: pairs(d["tags"]),
                             dataset: Dataset(name: d["name"] as! String, digest: d["digest"] as! String,
                                              sourceType: d["source_type"] as! String, source: d["source"] as! String,
                                              schema: d["schema"] as? String, profile: d["profile"] as? String))
            }
            let models = ((o["models"] as? [Any]) ?? []).map { ModelIO(modelID: ref($0) ?? "") }
            try await w.logInputs(runID: s("run_id"), datasets: datasets, models: models)
        case "log_outputs":
            let models = (o["models"] as! [[Any]]).map { ModelIO(modelID: ref($0[0]) ?? "", step: Int64($0[1] as! Int)) }
            try await w.logOutputs(runID: s("run_id"), models: models)
        case "create_logged_model":
            let model = try await w.createLoggedModel(LoggedModelCreation(
                experimentID: s("experiment_id"), name: o["name"] as? String, sourceRunID: ref(o["source_run_id"]),
                tags: pairs(o["tags"]), params: pairs(o["params"]), modelType: o["model_type"] as? String))
            return model.modelID
        case "finalize_logged_model":
            let status = LoggedModelStatus.allCases.first { $0.rawValue.hasSuffix(s("status")) } ?? .unspecified
            _ = try await w.finalizeLoggedModel(id: s("model_id"), status: status)
        case "set_logged_model_tags": try await w.setLoggedModelTags(id: s("model_id"), tags: pairs(o["tags"]))
        case "delete_logged_model_tag": try await w.deleteLoggedModelTag(id: s("model_id"), key: s("key"))
        case "log_logged_model_params": try await w.logLoggedModelParams(id: s("model_id"), params: pairs(o["params"]))
        default: throw MLflowError(.internalError, "unknown op \(o["op"]!)")
        }
        return nil
    }
}
