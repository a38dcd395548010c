import Artifacts
import Hummingbird
import Tracking

/// MLflow 3's model reads over REST: logged models (`handlers.py` `_search_logged_models`,
/// `_get_logged_model`, `_list_logged_model_artifacts`, `get_logged_model_artifact_handler`),
/// the registry (`_search_registered_models`, `_get_registered_model`,
/// `_get_model_version_by_alias`, `_get_latest_versions`, `_search_model_versions`,
/// `_get_model_version`, `_get_model_version_download_uri`) and `_search_datasets_handler`.
struct ModelEndpoints: Sendable {
    let models: any ModelStore

    /// Read endpoints under `/api/2.0/mlflow/` and `/ajax-api/2.0/mlflow/`, with their methods.
    static let reads: [String: [HTTPRequest.Method]] = [
        "registered-models/search": [.get],
        "registered-models/get": [.get],
        "registered-models/alias": [.get],
        "registered-models/get-latest-versions": [.post, .get],
        "model-versions/search": [.get],
        "model-versions/get": [.get],
        "model-versions/get-download-uri": [.get],
    ]

    /// Routes MLflow registers under `/ajax-api/` only (the UI's).
    static let ajaxReads: [String: [HTTPRequest.Method]] = [
        "experiments/search-datasets": [.post],
    ]

    /// `logged-models/<id>/artifacts/directories|files`, UI routes (`/ajax-api/` only).
    static func modelArtifactRoute(_ name: String) -> (id: String, files: Bool)? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "logged-models", parts[2] == "artifacts", !parts[1].isEmpty,
              parts[3] == "directories" || parts[3] == "files" else { return nil }
        return (parts[1], parts[3] == "files")
    }

    func handle(_ name: String, _ p: RequestParameters, body: [UInt8]) async throws -> Response {
        switch name {
        case "registered-models/search":
            let page = try await models.searchRegisteredModels(try registrySearch(p, limit: 1000, default: RegistrySearch.registeredModelsDefault))
            return Responses.json(RESTResponse.registeredModels(page.items, nextPageToken: page.nextPageToken))
        case "registered-models/get":
            return Responses.json(RESTResponse.registeredModel(try await models.registeredModel(name: try required(p, "name"))))
        case "registered-models/alias":
            let version = try await models.modelVersion(name: try required(p, "name"), alias: try required(p, "alias"))
            return Responses.json(RESTResponse.modelVersion(version))
        case "registered-models/get-latest-versions":
            let r = ProtoRequest(body: body.isEmpty ? Array("{}".utf8) : body, fields: WriteMessages.latestVersions)
            let name = p.string("name") ?? r.nonEmpty("name")
            let stages = p.strings("stages").isEmpty ? r.items("stages").compactMap(\.stringValue) : p.strings("stages")
            guard let name, !name.isEmpty else { throw RequestParameters.missing("name") }
            return Responses.json(RESTResponse.modelVersions(try await models.latestVersions(name: name, stages: stages)))
        case "model-versions/search":
            let page = try await models.searchModelVersions(try registrySearch(p, limit: 200_000, default: RegistrySearch.modelVersionsDefault))
            return Responses.json(RESTResponse.modelVersions(page.items, nextPageToken: page.nextPageToken))
        case "model-versions/get":
            let version = try await models.modelVersion(name: try required(p, "name"), version: try required(p, "version"))
            return Responses.json(RESTResponse.modelVersion(version))
        case "model-versions/get-download-uri":
            // No schema: unset fields reach the store as "".
            let uri = try await models.modelVersionDownloadURI(name: p.string("name") ?? "", version: p.string("version") ?? "")
            var w = JSONWriter()
            w.beginObject(); w.field("artifact_uri", uri); w.endObject()
            return Responses.json(w)
        default:
            throw MLflowError(.endpointNotFound, "No endpoint \(name)")
        }
    }

    func searchLoggedModels(body: [UInt8]) async throws -> Response {
        let r = ProtoRequest(body: body, fields: WriteMessages.searchLoggedModels)
        try r.validate([("experiment_ids", [.array, .required]), ("filter", [.string]), ("datasets", [.array]),
                        ("max_results", [.intLike]), ("order_by", [.array]), ("page_token", [.string])])
        let request = LoggedModelSearch(
            experimentIDs: r.items("experiment_ids").compactMap(\.stringValue),
            filter: r.string("filter"),
            // The handler always passes a digest key (None when unset), which MLflow's SQL store
            // then requires to be NULL.
            datasets: r.items("datasets").map { .init(name: $0["dataset_name"]?.stringValue ?? "",
                                                      digest: $0["dataset_digest"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                                                      digestGiven: true) },
            // The proto's default is 50 (`SearchLoggedModels.max_results`).
            maxResults: r.int64("max_results").map { Int($0) } ?? 50,
            orderBy: r.items("order_by").map { o in
                .init(fieldName: o["field_name"]?.stringValue ?? "", ascending: o["ascending"]?.boolValue ?? true,
                      datasetName: o["dataset_name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                      datasetDigest: o["dataset_digest"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
            },
            pageToken: r.nonEmpty("page_token"))
        let page = try await models.searchLoggedModels(request)
        return Responses.json(RESTResponse.loggedModels(page.items, nextPageToken: page.nextPageToken))
    }

    func loggedModel(id: String, _ p: RequestParameters) async throws -> Response {
        let allowDeleted = p.string("allow_deleted")?.lowercased() == "true"
        return Responses.json(RESTResponse.loggedModel(try await models.loggedModel(id: id, allowDeleted: allowDeleted)))
    }

    func listModelArtifacts(id: String, _ p: RequestParameters) async throws -> Response {
        let path = p.string("artifact_directory_path").flatMap { $0.isEmpty ? nil : $0 }
        let listing = try await models.listLoggedModelArtifacts(id: id, path: try path.map { try ArtifactPath.validated($0) })
        return Responses.json(RESTResponse.artifacts(listing))
    }

    func searchDatasets(body: [UInt8]) async throws -> Response {
        let r = ProtoRequest(body: body, fields: WriteMessages.searchDatasets)
        let ids = r.items("experiment_ids").compactMap(\.stringValue)
        guard !ids.isEmpty else {
            throw MLflowError.invalidParameter("SearchDatasets request must specify at least one experiment_id.")
        }
        guard ids.count <= 20 else {
            throw MLflowError.invalidParameter("SearchDatasets request cannot specify more than 20 experiment_ids. Received \(ids.count) experiment_ids.")
        }
        return Responses.json(RESTResponse.datasetSummaries(try await models.searchDatasets(experimentIDs: ids)))
    }

    private func required(_ p: RequestParameters, _ name: String) throws -> String {
        guard let value = p.string(name), !value.isEmpty else { throw RequestParameters.missing(name) }
        return value
    }

    /// `max_results` checked as the handler does (`_assert_intlike`, at most `limit`), then the store.
    private func registrySearch(_ p: RequestParameters, limit: Int, default defaultMax: Int) throws -> RegistrySearch {
        let maxResults = try p.integer("max_results") ?? defaultMax
        guard maxResults <= limit else {
            // A query string's value is a str to the handler's check.
            let shown = p.string("max_results").map { "\"\($0)\"" } ?? String(maxResults)
            throw RequestParameters.invalidValue("max_results", shown, type: p.string("max_results") != nil ? "str" : "int")
        }
        return RegistrySearch(filter: p.string("filter") ?? "", orderBy: p.strings("order_by"), maxResults: maxResults,
                              pageToken: p.string("page_token").flatMap { $0.isEmpty ? nil : $0 })
    }
}
