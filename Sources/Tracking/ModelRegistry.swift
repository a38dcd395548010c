import Foundation

/// MLflow's model registry entities (`mlflow/entities/model_registry/`), as the REST API
/// returns them.

/// A registered model (`RegisteredModel.to_proto`). `latestVersions` holds, per stage, the
/// highest version (`get_latest_versions` with no stages).
public struct RegisteredModel: Sendable, Equatable {
    public var name: String
    public var creationTimestamp: Int64?
    public var lastUpdatedTimestamp: Int64?
    public var description: String?
    public var latestVersions: [ModelVersion]
    public var tags: [Tag]
    public var aliases: [ModelAlias]
    public var deploymentJobID: String?

    public init(name: String, creationTimestamp: Int64? = nil, lastUpdatedTimestamp: Int64? = nil,
                description: String? = nil, latestVersions: [ModelVersion] = [], tags: [Tag] = [],
                aliases: [ModelAlias] = [], deploymentJobID: String? = nil) {
        self.name = name
        self.creationTimestamp = creationTimestamp
        self.lastUpdatedTimestamp = lastUpdatedTimestamp
        self.description = description
        self.latestVersions = latestVersions
        self.tags = tags
        self.aliases = aliases
        self.deploymentJobID = deploymentJobID
    }
}

extension LoggedModel {
    /// Per metric key (sorted), the latest value (by timestamp) on each dataset the model was
    /// evaluated on, datasets in name order (values without a dataset first): what a table shows.
    public var latestMetricsByKey: [(key: String, values: [Double])] {
        var latest: [String: [String: Metric]] = [:]
        for m in metrics {
            let dataset = m.datasetName.map { $0 + "@" + (m.datasetDigest ?? "") } ?? ""
            if let current = latest[m.key]?[dataset], current.timestamp > m.timestamp { continue }
            latest[m.key, default: [:]][dataset] = m
        }
        return latest.keys.sorted().map { key in (key, latest[key]!.sorted { $0.key < $1.key }.map(\.value.value)) }
    }
}

/// An alias of a registered model and the version it points at.
public struct ModelAlias: Sendable, Equatable, Hashable {
    public var alias: String
    public var version: String
    public init(_ alias: String, _ version: String) { self.alias = alias; self.version = version }
}

/// A model version (`ModelVersion.to_proto`: no model id, params or metrics; MLflow leaves them
/// out of the proto).
public struct ModelVersion: Sendable, Equatable {
    public var name: String
    public var version: String
    public var creationTimestamp: Int64
    public var lastUpdatedTimestamp: Int64?
    public var userID: String?
    /// None, Staging, Production, Archived (`Deleted_Internal` never leaves a store).
    public var currentStage: String?
    public var description: String?
    public var source: String?
    public var runID: String?
    /// PENDING_REGISTRATION, FAILED_REGISTRATION or READY.
    public var status: String?
    public var statusMessage: String?
    public var tags: [Tag]
    public var runLink: String?
    public var aliases: [String]
    /// The logged model the version was made from (stores keep it; the REST shape has none).
    public var modelID: String?

    public init(name: String, version: String, creationTimestamp: Int64, lastUpdatedTimestamp: Int64? = nil,
                userID: String? = nil, currentStage: String? = nil, description: String? = nil, source: String? = nil,
                runID: String? = nil, status: String? = nil, statusMessage: String? = nil, tags: [Tag] = [],
                runLink: String? = nil, aliases: [String] = [], modelID: String? = nil) {
        self.name = name
        self.version = version
        self.creationTimestamp = creationTimestamp
        self.lastUpdatedTimestamp = lastUpdatedTimestamp
        self.userID = userID
        self.currentStage = currentStage
        self.description = description
        self.source = source
        self.runID = runID
        self.status = status
        self.statusMessage = statusMessage
        self.tags = tags
        self.runLink = runLink
        self.aliases = aliases
        self.modelID = modelID
    }

    public var versionNumber: Int64 { Int64(version) ?? 0 }

    /// The logged model a `models:/m-…` source names (MLflow 3's `register_model`), else `modelID`.
    public var loggedModelID: String? {
        if let modelID, !modelID.isEmpty { return modelID }
        guard let source, source.hasPrefix("models:/m-") else { return nil }
        let id = source.dropFirst("models:/".count).prefix { $0 != "/" }
        return String(id)
    }
}

/// The registry's stages (`mlflow/entities/model_registry/model_version_stages.py`).
public enum ModelStage {
    public static let all = ["None", "Staging", "Production", "Archived"]
    /// What a deleted version's stage becomes in the file store and SQL tables.
    public static let deletedInternal = "Deleted_Internal"

    /// `get_canonical_stage`: case-insensitive, nil for an unknown stage.
    public static func canonical(_ stage: String) -> String? {
        all.first { $0.lowercased() == stage.lowercased() }
    }
}

/// One (experiment, dataset, context) a run of the experiment used (`_DatasetSummary`).
public struct DatasetSummary: Sendable, Equatable, Hashable, Comparable {
    public var experimentID: String
    public var name: String
    public var digest: String
    public var context: String?

    public init(experimentID: String, name: String, digest: String, context: String?) {
        self.experimentID = experimentID
        self.name = name
        self.digest = digest
        self.context = context
    }

    /// MLflow returns them in no order (a Python set, a SQL DISTINCT); mltui sorts them.
    public static func < (a: DatasetSummary, b: DatasetSummary) -> Bool {
        (a.experimentID, a.name, a.digest, a.context ?? "") < (b.experimentID, b.name, b.digest, b.context ?? "")
    }
}

/// A request for `logged-models/search` (`handlers.py` `_search_logged_models`).
public struct LoggedModelSearch: Sendable, Equatable {
    public struct DatasetFilter: Sendable, Equatable {
        public var name: String
        public var digest: String?
        /// The REST handler passes a digest key even when unset; MLflow's SQL store then matches
        /// only metrics without a digest.
        public var digestGiven: Bool
        public init(name: String, digest: String? = nil, digestGiven: Bool = false) {
            self.name = name
            self.digest = digest
            self.digestGiven = digestGiven || digest != nil
        }
    }

    public struct Order: Sendable, Equatable {
        public var fieldName: String
        public var ascending: Bool
        public var datasetName: String?
        public var datasetDigest: String?
        public init(fieldName: String, ascending: Bool = true, datasetName: String? = nil, datasetDigest: String? = nil) {
            self.fieldName = fieldName
            self.ascending = ascending
            self.datasetName = datasetName
            self.datasetDigest = datasetDigest
        }
    }

    public var experimentIDs: [String]
    public var filter: String
    public var datasets: [DatasetFilter]
    public var maxResults: Int?
    public var orderBy: [Order]
    public var pageToken: String?

    /// `SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT`.
    public static let defaultMaxResults = 100

    public init(experimentIDs: [String], filter: String = "", datasets: [DatasetFilter] = [], maxResults: Int? = nil,
                orderBy: [Order] = [], pageToken: String? = nil) {
        self.experimentIDs = experimentIDs
        self.filter = filter
        self.datasets = datasets
        self.maxResults = maxResults
        self.orderBy = orderBy
        self.pageToken = pageToken
    }
}

/// A request for `registered-models/search` or `model-versions/search`.
public struct RegistrySearch: Sendable, Equatable {
    public var filter: String
    public var orderBy: [String]
    public var maxResults: Int
    public var pageToken: String?

    /// The proto defaults: `SearchRegisteredModels.max_results` 100, `SearchModelVersions` 200,000.
    public static let registeredModelsDefault = 100
    public static let modelVersionsDefault = 200_000

    public init(filter: String = "", orderBy: [String] = [], maxResults: Int, pageToken: String? = nil) {
        self.filter = filter
        self.orderBy = orderBy
        self.maxResults = maxResults
        self.pageToken = pageToken
    }
}

/// The reads of MLflow 3's other half: logged models, the model registry and datasets. The file
/// store, the SQLite store and the REST client implement it; every method throws `MLflowError`
/// with the code MLflow's store raises.
public protocol ModelStore: Sendable {
    func searchLoggedModels(_ request: LoggedModelSearch) async throws -> Page<LoggedModel>
    /// `allowDeleted`: the `allow_deleted` query flag of `logged-models/{id}`.
    func loggedModel(id: String, allowDeleted: Bool) async throws -> LoggedModel
    /// Entries under `path` (nil = the root) of a logged model's artifacts.
    func listLoggedModelArtifacts(id: String, path: String?) async throws -> ArtifactListing
    func openLoggedModelArtifact(id: String, path: String) async throws -> any ArtifactContent

    func searchRegisteredModels(_ request: RegistrySearch) async throws -> Page<RegisteredModel>
    func registeredModel(name: String) async throws -> RegisteredModel
    /// Per requested stage (all when empty), its highest version.
    func latestVersions(name: String, stages: [String]) async throws -> [ModelVersion]
    func searchModelVersions(_ request: RegistrySearch) async throws -> Page<ModelVersion>
    func modelVersion(name: String, version: String) async throws -> ModelVersion
    func modelVersion(name: String, alias: String) async throws -> ModelVersion
    func modelVersionDownloadURI(name: String, version: String) async throws -> String

    /// The datasets runs of these experiments used, each with its context, at most 1,000.
    func searchDatasets(experimentIDs: [String]) async throws -> [DatasetSummary]
}

extension ModelStore {
    public func allLoggedModels(_ request: LoggedModelSearch) async throws -> [LoggedModel] {
        try await allPages(request, token: \.pageToken, searchLoggedModels)
    }

    public func allRegisteredModels(_ request: RegistrySearch) async throws -> [RegisteredModel] {
        try await allPages(request, token: \.pageToken, searchRegisteredModels)
    }

    public func allModelVersions(_ request: RegistrySearch) async throws -> [ModelVersion] {
        try await allPages(request, token: \.pageToken, searchModelVersions)
    }
}

extension TrackingStore {
    /// The store's model reads; every store mltui opens has them.
    public var models: any ModelStore {
        get throws {
            guard let store = self as? any ModelStore else {
                throw MLflowError(.notImplemented, "\(uri) has no model registry reads")
            }
            return store
        }
    }
}

/// The registry's argument checks (`mlflow/utils/validation.py` `_validate_model_name`,
/// `_validate_model_version`, `_validate_model_alias_name`), shared by both local stores.
public enum RegistryValidation {
    public static func name(_ name: String) throws {
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw MLflowError.invalidParameter(WriteValidation.missingValue("name"))
        }
        if name.contains("/") || name.contains(":") {
            throw MLflowError.invalidParameter("Invalid model name '\(name)'. Names cannot contain '/' or ':'.")
        }
        if WriteValidation.pathNotUnique(name) {
            throw MLflowError.invalidParameter(WriteValidation.invalidValue("name", name, WriteValidation.badPathMessage(name)))
        }
    }

    /// `int(version)`: surrounding whitespace and a sign are fine, as in Python.
    public static func version(_ version: String) throws -> Int64 {
        guard let number = Int64(version.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw MLflowError.invalidParameter("Parameter 'version' must be an integer, got '\(version)'.")
        }
        return number
    }

    /// `_validate_model_alias_name`: word characters and dashes, at most 255.
    public static func alias(_ alias: String) throws {
        if alias.isEmpty { throw MLflowError.invalidParameter("Registered model alias name cannot be empty.") }
        let allowed = alias.unicodeScalars.allSatisfy { $0 == "-" || $0 == "_" || CharacterSet.alphanumerics.contains($0) }
        guard allowed else {
            throw MLflowError.invalidParameter("Invalid alias name: '\(alias)'. Names may only contain alphanumerics, underscores (_), and dashes (-).")
        }
        if alias.unicodeScalars.count > 255 {
            throw MLflowError.invalidParameter(WriteValidation.exceedsMaximumLength("Registered model alias name", 255))
        }
    }

    public static func versionNotFound(_ name: String, _ version: String) -> MLflowError {
        .notFound("Model Version (name=\(name), version=\(version)) not found")
    }

    public static func modelNotFound(_ name: String) -> MLflowError {
        .notFound("Registered Model with name=\(name) not found")
    }

    public static func aliasNotFound(_ alias: String) -> MLflowError {
        .invalidParameter("Registered model alias \(alias) not found.")
    }
}

/// Whose artifacts: a run's, or a logged model's (MLflow 3 keeps model files beside the run).
public enum ArtifactOwner: Hashable, Sendable, CustomStringConvertible {
    case run(String)
    case loggedModel(String)

    public var id: String {
        switch self {
        case .run(let id), .loggedModel(let id): return id
        }
    }

    public var description: String {
        switch self {
        case .run(let id): return "run \(id)"
        case .loggedModel(let id): return "model \(id)"
        }
    }
}

extension TrackingStore {
    public func listArtifacts(of owner: ArtifactOwner, path: String?) async throws -> ArtifactListing {
        switch owner {
        case .run(let id): return try await listArtifacts(runID: id, path: path)
        case .loggedModel(let id): return try await models.listLoggedModelArtifacts(id: id, path: path)
        }
    }

    public func openArtifact(of owner: ArtifactOwner, path: String) async throws -> any ArtifactContent {
        switch owner {
        case .run(let id): return try await openArtifact(runID: id, path: path)
        case .loggedModel(let id): return try await models.openLoggedModelArtifact(id: id, path: path)
        }
    }
}
