import Tracking

/// The REST client's writes: each sends the endpoint, method and JSON body MLflow's Python client
/// sends (`mlflow/store/tracking/rest_store.py` `RestStore`), so a server cannot tell mltui from
/// `mlflow`. Validation is the server's: its error answers come back as `MLflowError` with the
/// server's code and message. Retries: see `Retrying`.
extension RESTStore: TrackingWriter {
    // MARK: Experiments

    public func createExperiment(name: String, artifactLocation: String?, tags: [Tag]) async throws -> String {
        let endpoint = "/api/2.0/mlflow/experiments/create"
        let json = try await write(.post, endpoint, retrying: .unlessDelivered) { w in
            w.field("name", name)
            w.field("artifact_location", artifactLocation)
            w.list("tags", tags) { $0.write($1) }
        }
        guard let id = json["experiment_id"]?.stringValue else { throw malformed(endpoint, "no 'experiment_id' in the answer") }
        return id
    }

    public func renameExperiment(id: String, newName: String) async throws {
        try await experimentWrite("/api/2.0/mlflow/experiments/update") { w in
            w.field("experiment_id", id)
            w.field("new_name", newName)
        }
    }

    public func deleteExperiment(id: String) async throws {
        try await experimentWrite("/api/2.0/mlflow/experiments/delete") { $0.field("experiment_id", id) }
    }

    public func restoreExperiment(id: String) async throws {
        try await experimentWrite("/api/2.0/mlflow/experiments/restore") { $0.field("experiment_id", id) }
    }

    public func setExperimentTag(experimentID: String, key: String, value: String) async throws {
        try await experimentWrite("/api/2.0/mlflow/experiments/set-experiment-tag") { w in
            w.field("experiment_id", experimentID)
            w.field("key", key)
            w.field("value", value)
        }
    }

    public func deleteExperimentTag(experimentID: String, key: String) async throws {
        try await experimentWrite("/api/2.0/mlflow/experiments/delete-experiment-tag", retrying: .unlessDelivered) { w in
            w.field("experiment_id", experimentID)
            w.field("key", key)
        }
    }

    /// A write that changes an experiment: the cached copy is stale after it, whatever the answer.
    private func experimentWrite(_ endpoint: String, retrying: Retrying = .asMLflow,
                                 _ body: (inout JSONWriter) -> Void) async throws {
        defer { refresh() }
        _ = try await write(.post, endpoint, retrying: retrying, body)
    }

    // MARK: Runs

    public func createRun(_ request: RunCreation) async throws -> Run {
        let endpoint = "/api/2.0/mlflow/runs/create"
        let json = try await write(.post, endpoint, retrying: .unlessDelivered) { w in
            w.field("experiment_id", request.experimentID)
            w.field("user_id", request.userID)
            w.field("run_name", request.runName)
            w.field("start_time", request.startTime)
            w.list("tags", request.tags) { $0.write($1) }
        }
        return try parsed(json, "run", endpoint, Run.init(json:))
    }

    public func updateRun(id: String, status: RunStatus?, endTime: Int64?, runName: String?) async throws -> RunInfo {
        let endpoint = "/api/2.0/mlflow/runs/update"
        let json = try await write(.post, endpoint) { w in
            w.field("run_uuid", id)
            w.field("status", status?.rawValue)
            w.field("end_time", endTime)
            w.field("run_id", id)
            w.field("run_name", runName)
        }
        // `run_info` has the shape of a run's `info`: read it as one.
        return try parsed(json, "run_info", endpoint) { try Run(json: .object([("info", $0)])).info }
    }

    public func deleteRun(id: String) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/delete") { $0.field("run_id", id) }
    }

    public func restoreRun(id: String) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/restore") { $0.field("run_id", id) }
    }

    public func logMetric(runID: String, metric: Metric) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/log-metric", retrying: .unlessDelivered) { w in
            w.field("run_uuid", runID)
            w.field("key", metric.key)
            w.field("value", metric.value)
            w.field("timestamp", metric.timestamp)
            w.field("step", metric.step)
            w.field("run_id", runID)
            w.field("model_id", metric.modelID)
            w.field("dataset_name", metric.datasetName)
            w.field("dataset_digest", metric.datasetDigest)
        }
    }

    public func logParam(runID: String, param: Param) async throws {
        try await postKeyValue("/api/2.0/mlflow/runs/log-parameter", runID: runID, param)
    }

    public func setTag(runID: String, tag: Tag) async throws {
        try await postKeyValue("/api/2.0/mlflow/runs/set-tag", runID: runID, tag)
    }

    /// `LogParam` and `SetTag` have the same fields: the run (twice, as `RestStore` sends it), key, value.
    private func postKeyValue(_ endpoint: String, runID: String, _ item: KeyValue) async throws {
        _ = try await write(.post, endpoint) { w in
            w.field("run_uuid", runID)
            w.field("key", item.key)
            w.field("value", item.value)
            w.field("run_id", runID)
        }
    }

    public func deleteTag(runID: String, key: String) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/delete-tag", retrying: .unlessDelivered) { w in
            w.field("run_id", runID)
            w.field("key", key)
        }
    }

    /// Sent as given, one request: splitting a batch into MLflow's limits is the caller's
    /// (`MlflowClient.log_batch` splits; `RestStore.log_batch` does not).
    public func logBatch(runID: String, metrics: [Metric], params: [Param], tags: [Tag]) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/log-batch", retrying: metrics.isEmpty ? .asMLflow : .unlessDelivered) { w in
            w.field("run_id", runID)
            w.list("metrics", metrics) { $0.writeBatchMetric($1) }
            w.list("params", params) { $0.write($1) }
            w.list("tags", tags) { $0.write($1) }
        }
    }

    /// A dataset input is recorded once however often it is logged (`SqlAlchemyStore.log_inputs`,
    /// `FileStore.log_inputs` look it up first), so datasets alone are retried as MLflow does.
    public func logInputs(runID: String, datasets: [DatasetInput], models: [ModelIO]) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/log-inputs", retrying: models.isEmpty ? .asMLflow : .unlessDelivered) { w in
            w.field("run_id", runID)
            w.list("datasets", datasets) { $0.write($1) }
            w.list("models", models) { w, model in
                w.beginObject(); w.field("model_id", model.modelID); w.endObject()
            }
        }
    }

    public func logOutputs(runID: String, models: [ModelIO]) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/outputs", retrying: .unlessDelivered) { w in
            w.field("run_id", runID)
            w.list("models", models) { w, model in
                w.beginObject(); w.field("model_id", model.modelID); w.field("step", model.step); w.endObject()
            }
        }
    }

    /// `RestStore.record_logged_model`: `LogModel(run_id, model_json)`; appending twice would
    /// record the model twice, so retried only when undelivered.
    public func recordLoggedModel(runID: String, modelJSON: String) async throws {
        _ = try await write(.post, "/api/2.0/mlflow/runs/log-model", retrying: .unlessDelivered) { w in
            w.field("run_id", runID)
            w.field("model_json", modelJSON)
        }
    }

    // MARK: Requests

    /// A write request with a JSON body built by `body`; answers the parsed response.
    func write(_ method: Method, _ endpoint: String, retrying: Retrying = .asMLflow,
               _ body: (inout JSONWriter) -> Void) async throws -> JSONValue {
        var writer = JSONWriter(pretty: false, reserve: 256)
        writer.beginObject()
        body(&writer)
        writer.endObject()
        return try await call(method, endpoint, body: writer.bytes, retrying: retrying)
    }

    func parsed<T>(_ json: JSONValue, _ field: String, _ endpoint: String, _ make: (JSONValue) throws -> T) throws -> T {
        guard let value = json[field] else { throw malformed(endpoint, "no '\(field)' in the answer") }
        do {
            return try make(value)
        } catch let error as MLflowError {
            throw malformed(endpoint, error.message)
        }
    }
}

extension JSONWriter {
    /// A metric of a `log-batch` body (`Metric.to_proto`): no run id, optional fields omitted.
    mutating func writeBatchMetric(_ metric: Metric) {
        beginObject()
        field("key", metric.key)
        field("value", metric.value)
        field("timestamp", metric.timestamp)
        field("step", metric.step)
        field("model_id", metric.modelID)
        field("dataset_name", metric.datasetName)
        field("dataset_digest", metric.datasetDigest)
        endObject()
    }
}
