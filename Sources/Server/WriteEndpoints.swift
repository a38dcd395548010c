import Hummingbird
import Tracking

/// MLflow's tracking writes (`/api/2.0/mlflow/<name>`), each decoded and checked as its
/// `handlers.py` handler does (`_create_experiment`, `_create_run`, `_log_batch`, ...) and handed
/// to the store through `TrackingWriter`; the store validates keys and values
/// (`mlflow/utils/validation.py`) and answers with MLflow's errors.
struct WriteEndpoints: Sendable {
    let writer: any TrackingWriter

    func handle(_ name: String, body: [UInt8]) async throws -> Response {
        switch name {
        case "experiments/create": return try await createExperiment(body)
        case "experiments/update":
            let r = try request(body, WriteMessages.updateExperiment, [("experiment_id", [.required, .string]), ("new_name", [.string, .required])])
            if !r.string("new_name").isEmpty { try await writer.renameExperiment(id: r.string("experiment_id"), newName: r.string("new_name")) }
        case "experiments/delete":
            try await writer.deleteExperiment(id: try experimentID(body))
        case "experiments/restore":
            try await writer.restoreExperiment(id: try experimentID(body))
        case "experiments/set-experiment-tag": try await setExperimentTag(body)
        case "experiments/delete-experiment-tag":
            let r = try request(body, WriteMessages.experimentTag, [("experiment_id", [.required, .string]), ("key", [.required, .string])])
            try await writer.deleteExperimentTag(experimentID: r.string("experiment_id"), key: r.string("key"))
        case "runs/create": return try await createRun(body)
        case "runs/update": return try await updateRun(body)
        case "runs/delete":
            try await writer.deleteRun(id: try request(body, WriteMessages.runID, Self.runSchema).string("run_id"))
        case "runs/restore":
            try await writer.restoreRun(id: try request(body, WriteMessages.runID, Self.runSchema).string("run_id"))
        case "runs/log-metric": try await logMetric(body)
        case "runs/log-parameter":
            let r = try request(body, WriteMessages.runKeyValue, Self.runSchema + [("key", [.required, .string]), ("value", [.string])])
            try await writer.logParam(runID: r.runID, param: Param(r.string("key"), r.string("value")))
        case "runs/set-tag":
            let r = try request(body, WriteMessages.runKeyValue, Self.runSchema + [("key", [.required, .string]), ("value", [.string])])
            try await writer.setTag(runID: r.runID, tag: Tag(r.string("key"), r.string("value")))
        case "runs/delete-tag":
            let r = try request(body, WriteMessages.deleteTag, Self.runSchema + [("key", [.required, .string])])
            try await writer.deleteTag(runID: r.string("run_id"), key: r.string("key"))
        case "runs/log-batch": try await logBatch(body)
        case "runs/log-inputs": try await logInputs(body)
        case "runs/outputs":
            let r = try request(body, WriteMessages.logOutputs, Self.runSchema + [("models", [.required, .array])])
            let models = r.items("models").map { ModelIO(modelID: $0["model_id"]?.stringValue ?? "", step: $0["step"]?.int64Value ?? 0) }
            try await writer.logOutputs(runID: r.string("run_id"), models: models)
        case "runs/log-model":
            let r = try request(body, WriteMessages.logModel, [("run_id", [.string, .required]), ("model_json", [.string, .required])])
            try await writer.recordLoggedModel(runID: r.string("run_id"), modelJSON: r.string("model_json"))
        default:
            throw MLflowError(.endpointNotFound, "No endpoint \(name)")
        }
        return Responses.json(bytes: Responses.emptyObject)
    }

    static let runSchema: [(String, [ProtoRequest.Check])] = [("run_id", [.required, .string])]

    /// Parses a body and checks it against the handler's schema.
    func request(_ body: [UInt8], _ fields: [(String, ProtoKind)], _ schema: [(String, [ProtoRequest.Check])]) throws -> ProtoRequest {
        let r = ProtoRequest(body: body, fields: fields)
        try r.validate(schema)
        return r
    }

    private func experimentID(_ body: [UInt8]) throws -> String {
        try request(body, WriteMessages.experimentID, [("experiment_id", [.required, .string])]).string("experiment_id")
    }

    private func createExperiment(_ body: [UInt8]) async throws -> Response {
        let r = try request(body, WriteMessages.createExperiment,
                            [("name", [.required, .string]), ("artifact_location", [.string]), ("tags", [.array])])
        let tags = r.message["tags"]?.keyValues ?? []
        try CustomViews.checkCount(tags)
        let location = r.nonEmpty("artifact_location")
        if let location { try ArtifactLocationCheck.validate(location, field: "artifact_location") }
        let id = try await writer.createExperiment(name: r.string("name"), artifactLocation: location, tags: tags)
        var w = JSONWriter()
        w.beginObject(); w.field("experiment_id", id); w.endObject()
        return Responses.json(w)
    }

    private func setExperimentTag(_ body: [UInt8]) async throws {
        let r = try request(body, WriteMessages.experimentTag,
                            [("experiment_id", [.required, .string]), ("key", [.required, .string]), ("value", [.string])])
        let tag = Tag(r.string("key"), r.string("value"))
        if CustomViews.isView(tag.key) {
            try CustomViews.checkNew(tag, on: try await writer.getExperiment(id: r.string("experiment_id")))
        }
        try await writer.setExperimentTag(experimentID: r.string("experiment_id"), key: tag.key, value: tag.value)
    }

    private func createRun(_ body: [UInt8]) async throws -> Response {
        let r = try request(body, WriteMessages.createRun,
                            [("experiment_id", [.string]), ("start_time", [.intLike]), ("run_name", [.string])])
        // Unset fields are the proto's defaults, as the handler passes them: start time 0, user "".
        let creation = RunCreation(experimentID: r.string("experiment_id"), userID: r.string("user_id"),
                                   startTime: r.int64("start_time") ?? 0, tags: r.message["tags"]?.keyValues ?? [],
                                   runName: r.nonEmpty("run_name"))
        return Responses.json(RESTResponse.run(try await writer.createRun(creation)))
    }

    private func updateRun(_ body: [UInt8]) async throws -> Response {
        let r = try request(body, WriteMessages.updateRun,
                            Self.runSchema + [("end_time", [.intLike]), ("status", [.string]), ("run_name", [.string])])
        let status = r.has("status") ? RunStatus(rawValue: r.string("status")) : nil
        let info = try await writer.updateRun(id: r.runID, status: status, endTime: r.int64("end_time"),
                                              runName: r.has("run_name") ? r.string("run_name") : nil)
        var w = JSONWriter()
        w.beginObject(); w.key("run_info"); w.write(info); w.endObject()
        return Responses.json(w)
    }

    private func logMetric(_ body: [UInt8]) async throws {
        let r = try request(body, WriteMessages.logMetric, Self.runSchema + [
            ("key", [.required, .string]), ("value", [.required, .floatLike]), ("timestamp", [.intLike, .required]),
            ("step", [.intLike]), ("model_id", [.string]), ("dataset_name", [.string]), ("dataset_digest", [.string]),
        ])
        let metric = Metric(key: r.string("key"), value: r.double("value") ?? 0, timestamp: r.int64("timestamp") ?? 0,
                            step: r.int64("step") ?? 0, runID: r.nonEmpty("run_id"), datasetName: r.nonEmpty("dataset_name"),
                            datasetDigest: r.nonEmpty("dataset_digest"), modelID: r.nonEmpty("model_id"))
        try await writer.logMetric(runID: r.runID, metric: metric)
    }

    private func logBatch(_ body: [UInt8]) async throws {
        let r = ProtoRequest(body: body, fields: WriteMessages.logBatch)
        // `_validate_batch_log_api_req` measures the parsed body with len(): its field count.
        if case .object(let fields) = r.raw { try WriteValidation.batchLogRequest(topLevelFieldCount: fields.count) }
        try r.validate([
            ("run_id", [.string, .required]),
            ("metrics", [.array, .itemsHave(["key", "value", "timestamp"])]),
            ("params", [.array, .itemsHave(["key"])]),
            ("tags", [.array, .itemsHave(["key"])]),
        ])
        let metrics = r.items("metrics").map { m in
            Metric(key: m["key"]?.stringValue ?? "", value: m["value"]?.parsedDouble ?? 0, timestamp: m["timestamp"]?.int64Value ?? 0,
                   step: m["step"]?.int64Value ?? 0, runID: nonEmpty(m["run_id"]), datasetName: nonEmpty(m["dataset_name"]),
                   datasetDigest: nonEmpty(m["dataset_digest"]), modelID: nonEmpty(m["model_id"]))
        }
        try await writer.logBatch(runID: r.string("run_id"), metrics: metrics,
                                  params: r.message["params"]?.keyValues ?? [], tags: r.message["tags"]?.keyValues ?? [])
    }

    private func logInputs(_ body: [UInt8]) async throws {
        let r = try request(body, WriteMessages.logInputs, Self.runSchema + [("datasets", [.array]), ("models", [.array])])
        let datasets = r.items("datasets").map { input -> DatasetInput in
            let d = input["dataset"] ?? .object([])
            return DatasetInput(tags: input["tags"]?.keyValues ?? [],
                                dataset: Dataset(name: d["name"]?.stringValue ?? "", digest: d["digest"]?.stringValue ?? "",
                                                 sourceType: d["source_type"]?.stringValue ?? "", source: d["source"]?.stringValue ?? "",
                                                 schema: d["schema"]?.stringValue, profile: d["profile"]?.stringValue))
        }
        let models = r.items("models").map { ModelIO(modelID: $0["model_id"]?.stringValue ?? "") }
        try await writer.logInputs(runID: r.string("run_id"), datasets: datasets, models: models)
    }

    private func nonEmpty(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }
}

/// Saved views of the MLflow UI are experiment tags under one prefix, at most 50 per experiment
/// (`handlers.py` `_validate_custom_view_count`, `_validate_custom_view_tag_write`).
enum CustomViews {
    static let prefix = "mlflow.customView.view"
    static let limit = 50

    static func isView(_ key: String) -> Bool { key.hasPrefix(prefix) }

    static func checkCount(_ tags: [Tag]) throws {
        if tags.filter({ isView($0.key) }).count > limit { throw exceeded(nil) }
    }

    /// A new view on an experiment at the limit is refused; overwriting one is not.
    static func checkNew(_ tag: Tag, on experiment: Experiment) throws {
        guard !experiment.tags.contains(where: { $0.key == tag.key }) else { return }
        if experiment.tags.filter({ isView($0.key) }).count >= limit { throw exceeded(experiment.experimentID) }
    }

    static func exceeded(_ experimentID: String?) -> MLflowError {
        let reference = experimentID.map { " for experiment \($0)" } ?? ""
        return .invalidParameter("Unable to create another custom view\(reference); the maximum number of custom views per experiment is \(limit). Delete an existing custom view before creating a new one.")
    }
}
