import Hummingbird
import Tracking

/// MLflow 3.x's logged-model routes (`/api/2.0/mlflow/logged-models/...`) as the Python client
/// uses them when it logs a model (`handlers.py` `_create_logged_model`, `_get_logged_model`,
/// `_finalize_logged_model`, `_set_logged_model_tags`, `_delete_logged_model_tag`,
/// `_log_logged_model_params`). `logged-models/search` stays a read (TrackingEndpoints).
struct LoggedModelEndpoints: Sendable {
    let writes: WriteEndpoints
    var writer: any TrackingWriter { writes.writer }

    /// The route a `logged-models/...` name and method select, nil when there is none.
    enum Route: Equatable {
        case create
        case get(String)
        case finalize(String)
        case delete(String)
        case setTags(String)
        case deleteTag(String, String)
        case logParams(String)
    }

    static func route(_ name: String, _ method: HTTPRequest.Method) -> Route? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == "logged-models" else { return nil }
        switch (parts.count, method) {
        case (1, .post): return .create
        case (2, _) where parts[1] == "search" || parts[1].isEmpty: return nil
        case (2, .get): return .get(parts[1])
        case (2, .patch): return .finalize(parts[1])
        case (2, .delete): return .delete(parts[1])
        case (3, .patch) where parts[2] == "tags": return .setTags(parts[1])
        case (3, .post) where parts[2] == "params": return .logParams(parts[1])
        case (4, .delete) where parts[2] == "tags": return .deleteTag(parts[1], parts[3])
        default: return nil
        }
    }

    /// Whether the route changes the store (a read-only server or user is refused).
    static func isWrite(_ route: Route) -> Bool {
        if case .get = route { return false }
        return true
    }

    func handle(_ route: Route, body: [UInt8]) async throws -> Response {
        switch route {
        case .create:
            let r = try writes.request(body, WriteMessages.createLoggedModel, [
                ("experiment_id", [.string, .required]), ("name", [.string]), ("model_type", [.string]),
                ("source_run_id", [.string]), ("params", [.array]), ("tags", [.array]),
            ])
            // As the handler passes them: an unset name is None (generated), an unset model type
            // or source run the proto's "", which MLflow's stores keep.
            let creation = LoggedModelCreation(experimentID: r.string("experiment_id"), name: r.nonEmpty("name"),
                                               sourceRunID: r.string("source_run_id"), tags: r.message["tags"]?.keyValues ?? [],
                                               params: r.message["params"]?.keyValues ?? [], modelType: r.string("model_type"))
            return Self.model(try await writer.createLoggedModel(creation))
        case .get(let id):
            return Self.model(try await writer.getLoggedModel(id: id))
        case .finalize:
            // The handler finalizes the model the body names, not the path's.
            let r = try writes.request(body, WriteMessages.finalizeLoggedModel,
                                       [("model_id", [.string, .required]), ("status", [.intLike, .required])])
            let status = LoggedModelStatus(rawValue: r.string("status")) ?? .unspecified
            return Self.model(try await writer.finalizeLoggedModel(id: r.string("model_id"), status: status))
        case .delete(let id):
            try await writer.deleteLoggedModel(id: id)
        case .setTags(let id):
            let r = try writes.request(body, WriteMessages.loggedModelTags, [("tags", [.array])])
            try await writer.setLoggedModelTags(id: id, tags: r.message["tags"]?.keyValues ?? [])
        case .deleteTag(let id, let key):
            try await writer.deleteLoggedModelTag(id: id, key: key)
        case .logParams(let id):
            let r = try writes.request(body, WriteMessages.loggedModelParams, [("model_id", [.string, .required]), ("params", [.array])])
            try await writer.logLoggedModelParams(id: id, params: r.message["params"]?.keyValues ?? [])
        }
        return Responses.json(bytes: Responses.emptyObject)
    }

    static func model(_ model: LoggedModel) -> Response {
        Responses.json(RESTResponse.loggedModel(model))
    }
}
