import Tracking

/// MLflow 3.x logged models over REST, as `RestStore` calls them: `POST logged-models`,
/// `GET`/`PATCH logged-models/{id}`, `PATCH .../tags`, `DELETE .../tags/{key}`,
/// `POST .../params`.
extension RESTStore {
    /// Params per request (`_MLFLOW_CREATE_LOGGED_MODEL_PARAMS_BATCH_SIZE` and
    /// `_MLFLOW_LOG_LOGGED_MODEL_PARAMS_BATCH_SIZE`, both 100 in `mlflow/environment_variables.py`).
    static let loggedModelParamsPerRequest = 100

    /// The first 100 params go with the creation, the rest follow in batches and the model is
    /// read again, as `RestStore.create_logged_model` does.
    public func createLoggedModel(_ request: LoggedModelCreation) async throws -> LoggedModel {
        let endpoint = "/api/2.0/mlflow/logged-models"
        let first = Array(request.params.prefix(Self.loggedModelParamsPerRequest))
        let json = try await write(.post, endpoint, retrying: .unlessDelivered) { w in
            w.field("experiment_id", request.experimentID)
            w.field("name", request.name)
            w.field("model_type", request.modelType)
            w.field("source_run_id", request.sourceRunID)
            w.list("params", first) { $0.write($1) }
            w.list("tags", request.tags) { $0.write($1) }
        }
        let model = try parsed(json, "model", endpoint, LoggedModel.init(json:))
        guard request.params.count > first.count else { return model }
        try await logLoggedModelParams(id: model.modelID, params: Array(request.params.dropFirst(first.count)))
        return try await getLoggedModel(id: model.modelID)
    }

    public func getLoggedModel(id: String) async throws -> LoggedModel {
        try await loggedModel(id: id, allowDeleted: false)
    }

    public func finalizeLoggedModel(id: String, status: LoggedModelStatus) async throws -> LoggedModel {
        let endpoint = Self.loggedModelEndpoint(id)
        let json = try await write(.patch, endpoint) { w in
            w.field("model_id", id)
            w.field("status", status.rawValue)
        }
        return try parsed(json, "model", endpoint, LoggedModel.init(json:))
    }

    public func setLoggedModelTags(id: String, tags: [Tag]) async throws {
        _ = try await write(.patch, Self.loggedModelEndpoint(id) + "/tags") { w in
            w.list("tags", tags) { $0.write($1) }
        }
    }

    /// `RestStore.delete_logged_model`: DELETE with the id in the body too.
    public func deleteLoggedModel(id: String) async throws {
        _ = try await write(.delete, Self.loggedModelEndpoint(id), retrying: .unlessDelivered) { w in
            w.field("model_id", id)
        }
    }

    public func deleteLoggedModelTag(id: String, key: String) async throws {
        // No body, as `RestStore.delete_logged_model_tag` sends none.
        _ = try await call(.delete, Self.loggedModelEndpoint(id) + "/tags/" + QueryString.escape(key),
                           retrying: .unlessDelivered)
    }

    public func logLoggedModelParams(id: String, params: [Param]) async throws {
        let endpoint = Self.loggedModelEndpoint(id) + "/params"
        for start in stride(from: 0, to: params.count, by: Self.loggedModelParamsPerRequest) {
            let batch = params[start..<min(start + Self.loggedModelParamsPerRequest, params.count)]
            _ = try await write(.post, endpoint) { w in
                w.field("model_id", id)
                w.list("params", Array(batch)) { $0.write($1) }
            }
        }
    }

    /// `mlflow/utils/rest_utils.py` `get_logged_model_endpoint`; the id is escaped, which changes
    /// nothing for MLflow's `m-<hex>` ids.
    static func loggedModelEndpoint(_ id: String) -> String {
        "/api/2.0/mlflow/logged-models/" + QueryString.escape(id)
    }
}

