import Foundation
import Tracking

/// Logged models, the registry and dataset summaries over REST, as MLflow's `RestStore` and
/// registry `RestStore` call them (`logged-models/search`, `registered-models/...`,
/// `model-versions/...`; dataset summaries from the UI's `ajax-api` route).
extension RESTStore: ModelStore {
    public func searchLoggedModels(_ request: LoggedModelSearch) async throws -> Page<LoggedModel> {
        var body = JSONWriter(pretty: false)
        body.beginObject()
        body.list("experiment_ids", request.experimentIDs) { $0.value($1) }
        if !request.filter.isEmpty { body.field("filter", request.filter) }
        body.list("datasets", request.datasets) { w, d in
            w.beginObject(); w.field("dataset_name", d.name); w.field("dataset_digest", d.digest); w.endObject()
        }
        if let max = request.maxResults { body.field("max_results", Int64(max)) }
        body.list("order_by", request.orderBy) { w, o in
            w.beginObject()
            w.field("field_name", o.fieldName)
            w.field("ascending", o.ascending)
            w.field("dataset_name", o.datasetName)
            w.field("dataset_digest", o.datasetDigest)
            w.endObject()
        }
        if let token = request.pageToken, !token.isEmpty { body.field("page_token", token) }
        body.endObject()
        let endpoint = "/api/2.0/mlflow/logged-models/search"
        let json = try await call(.post, endpoint, body: body.bytes)
        return Page(items: try items(json, "models", endpoint, LoggedModel.init(json:)), nextPageToken: nextToken(json))
    }

    public func loggedModel(id: String, allowDeleted: Bool) async throws -> LoggedModel {
        let endpoint = Self.loggedModelEndpoint(id)
        let json = try await call(.get, endpoint, query: allowDeleted ? [("allow_deleted", "true")] : [])
        return try single(json, "model", endpoint, LoggedModel.init(json:))
    }

    /// The server lists the model's artifacts wherever they are (`_list_logged_model_artifacts`).
    public func listLoggedModelArtifacts(id: String, path: String?) async throws -> ArtifactListing {
        let endpoint = "/ajax-api/2.0/mlflow/logged-models/" + QueryString.escape(id) + "/artifacts/directories"
        let json = try await call(.get, endpoint, query: path.flatMap { $0.isEmpty ? nil : [("artifact_directory_path", $0)] } ?? [])
        return ArtifactListing(rootURI: json["root_uri"]?.stringValue, files: try items(json, "files", endpoint, ArtifactEntry.init(json:)))
    }

    public func openLoggedModelArtifact(id: String, path: String) async throws -> any ArtifactContent {
        try await RemoteArtifact.open(store: self, endpoint: "/ajax-api/2.0/mlflow/logged-models/" + QueryString.escape(id) + "/artifacts/files",
                                      query: [("artifact_file_path", path)])
    }

    public func searchRegisteredModels(_ request: RegistrySearch) async throws -> Page<RegisteredModel> {
        let endpoint = "/api/2.0/mlflow/registered-models/search"
        let json = try await call(.get, endpoint, query: Self.registryQuery(request))
        return Page(items: try items(json, "registered_models", endpoint, RegisteredModel.init(json:)), nextPageToken: nextToken(json))
    }

    public func registeredModel(name: String) async throws -> RegisteredModel {
        let endpoint = "/api/2.0/mlflow/registered-models/get"
        return try single(try await call(.get, endpoint, query: [("name", name)]), "registered_model", endpoint, RegisteredModel.init(json:))
    }

    public func latestVersions(name: String, stages: [String]) async throws -> [ModelVersion] {
        let endpoint = "/api/2.0/mlflow/registered-models/get-latest-versions"
        let json = try await call(.get, endpoint, query: [("name", name)] + stages.map { ("stages", $0) })
        return try items(json, "model_versions", endpoint, ModelVersion.init(json:))
    }

    public func searchModelVersions(_ request: RegistrySearch) async throws -> Page<ModelVersion> {
        let endpoint = "/api/2.0/mlflow/model-versions/search"
        let json = try await call(.get, endpoint, query: Self.registryQuery(request))
        return Page(items: try items(json, "model_versions", endpoint, ModelVersion.init(json:)), nextPageToken: nextToken(json))
    }

    public func modelVersion(name: String, version: String) async throws -> ModelVersion {
        let endpoint = "/api/2.0/mlflow/model-versions/get"
        let json = try await call(.get, endpoint, query: [("name", name), ("version", version)])
        return try single(json, "model_version", endpoint, ModelVersion.init(json:))
    }

    public func modelVersion(name: String, alias: String) async throws -> ModelVersion {
        let endpoint = "/api/2.0/mlflow/registered-models/alias"
        let json = try await call(.get, endpoint, query: [("name", name), ("alias", alias)])
        return try single(json, "model_version", endpoint, ModelVersion.init(json:))
    }

    public func modelVersionDownloadURI(name: String, version: String) async throws -> String {
        let endpoint = "/api/2.0/mlflow/model-versions/get-download-uri"
        let json = try await call(.get, endpoint, query: [("name", name), ("version", version)])
        return try single(json, "artifact_uri", endpoint) { value in
            guard let text = value.stringValue else { throw MLflowError.malformed("artifact_uri is not a string") }
            return text
        }
    }

    /// The UI's route (`/ajax-api/.../experiments/search-datasets`, not under `/api/`), 20
    /// experiments a request at most.
    public func searchDatasets(experimentIDs: [String]) async throws -> [DatasetSummary] {
        let endpoint = "/ajax-api/2.0/mlflow/experiments/search-datasets"
        var summaries: [DatasetSummary] = []
        for start in stride(from: 0, to: experimentIDs.count, by: 20) {
            var body = JSONWriter(pretty: false)
            body.beginObject()
            body.list("experiment_ids", Array(experimentIDs[start..<min(start + 20, experimentIDs.count)])) { $0.value($1) }
            body.endObject()
            let json = try await call(.post, endpoint, body: body.bytes)
            summaries += try items(json, "dataset_summaries", endpoint, DatasetSummary.init(json:))
        }
        return summaries.sorted()
    }

    static func registryQuery(_ request: RegistrySearch) -> [(String, String)] {
        var query: [(String, String)] = [("max_results", String(request.maxResults))]
        if !request.filter.isEmpty { query.append(("filter", request.filter)) }
        query += request.orderBy.map { ("order_by", $0) }
        if let token = request.pageToken, !token.isEmpty { query.append(("page_token", token)) }
        return query
    }
}
