import Foundation
import Artifacts
import Tracking

/// Logged models, the model registry and dataset summaries of an MLflow SQL store
/// (`SqlAlchemyStore.search_logged_models`, `get_logged_model`, `_search_datasets`, and the
/// registry's `SqlAlchemyStore`), rows of the default workspace. Searches run in memory over the
/// rows (`RegistrySearching`, `LoggedModelSearching`) with the SQL store's semantics.
extension SQLTrackingStore: ModelStore {
    public func searchLoggedModels(_ request: LoggedModelSearch) async throws -> Page<LoggedModel> {
        let ids = try request.experimentIDs.map(parseExperimentID)
        // A store from before MLflow 3 has no logged models; the search still checks its arguments.
        guard features.loggedModels else { return try LoggedModelSearching.search([], request, kind: .sql) }
        let (models, collation) = try await BlockingWork.run {
            try self.read { db, _ in
                let models = try Self.loggedModels(db, where: "lifecycle_stage != 'deleted' AND experiment_id IN (\(Self.placeholders(ids.count)))",
                                                   ids.map(SQLValue.int))
                let texts = models.flatMap { [$0.name, $0.modelID] + [$0.modelType, $0.sourceRunID].compactMap { $0 } }
                return (models, try Self.collationRanks(Set(texts), db))
            }
        }
        let page = try LoggedModelSearching.search(models, request, kind: .sql, collation: collation)
        try Self.checkTypedComparisons(request, features.dialect)   // the query runs after validation
        return page
    }

    /// `status` is an INTEGER column. SQLite compares it with any text (never equal); PostgreSQL
    /// refuses text that is not an integer, and MLflow's server answers that failure as 400.
    static func checkTypedComparisons(_ request: LoggedModelSearch, _ dialect: SQLDialect) throws {
        guard dialect == .postgres, let filter = try? SearchGrammar.parseLoggedModelFilter(request.filter) else { return }
        for c in filter where c.key.kind == .attribute && c.key.key == "status" {
            let texts: [String]
            switch c.value {
            case .string(let s): texts = [s]
            case .list(let l): texts = l
            default: texts = []
            }
            if let bad = texts.first(where: { Int32($0.trimmingCharacters(in: .whitespaces)) == nil }) {
                throw MLflowError(.badRequest, "invalid input syntax for type integer: \"\(bad)\"")
            }
        }
    }

    public func loggedModel(id: String, allowDeleted: Bool) async throws -> LoggedModel {
        guard features.loggedModels else { throw MLflowError.notFound("Logged model with ID '\(id)' not found.") }
        return try await BlockingWork.run { try self.read { db, _ in try Self.loggedModel(id, allowDeleted: allowDeleted, db) } }
    }

    public func listLoggedModelArtifacts(id: String, path: String?) async throws -> ArtifactListing {
        let model = try await loggedModel(id: id, allowDeleted: false)
        _ = try LocalArtifacts.components(of: path)
        let repository = try modelArtifacts(model)
        return ArtifactListing(rootURI: model.artifactLocation, files: try await repository.listOffThePool(path: path))
    }

    public func openLoggedModelArtifact(id: String, path: String) async throws -> any ArtifactContent {
        let model = try await loggedModel(id: id, allowDeleted: false)
        _ = try LocalArtifacts.components(of: path)
        return try await modelArtifacts(model).open(path: path)
    }

    private func modelArtifacts(_ model: LoggedModel) throws -> any ArtifactRepository {
        let local = localArtifacts(model.artifactLocation, experimentID: model.experimentID,
                                   fallback: "mlruns/\(model.experimentID)/models/\(model.modelID)/artifacts")
        return try local ?? artifactRepository(for: model.artifactLocation, trackingURI: nil)
    }

    /// `get_logged_model`: the model with its tags, params and every metric row.
    static func loggedModel(_ id: String, allowDeleted: Bool, _ db: any SQLConnection) throws -> LoggedModel {
        let stage = allowDeleted ? "" : " AND lifecycle_stage != 'deleted'"
        guard let model = try loggedModels(db, where: "model_id = ?" + stage, [.text(id)]).first else {
            throw MLflowError.notFound("Logged model with ID '\(id)' not found.")
        }
        return model
    }

    static func loggedModels(_ db: any SQLConnection, where condition: String, _ bindings: [SQLValue]) throws -> [LoggedModel] {
        var models = try db.query("SELECT * FROM logged_models WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(), bindings,
                                  columns: LoggedModelColumns.init, row: { $1.model($0) })
        guard !models.isEmpty else { return [] }
        let scope = "model_id IN (SELECT model_id FROM logged_models WHERE \(condition))"
        var tags: [String: [Tag]] = [:], params: [String: [Param]] = [:], metrics: [String: [Metric]] = [:]
        _ = try db.query("SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE " + scope + " ORDER BY " + db.dialect.rowOrder(), bindings,
                     columns: { c in (try c["model_id"], try c["tag_key"], try c["tag_value"]) }) { row, c in
            tags[row.text(c.0), default: []].append(Tag(row.text(c.1), row.text(c.2)))
        }
        _ = try db.query("SELECT model_id, param_key, param_value FROM logged_model_params WHERE " + scope + " ORDER BY " + db.dialect.rowOrder(), bindings,
                     columns: { c in (try c["model_id"], try c["param_key"], try c["param_value"]) }) { row, c in
            params[row.text(c.0), default: []].append(Param(row.text(c.1), row.text(c.2)))
        }
        _ = try db.query("""
            SELECT model_id, metric_name, metric_value, metric_timestamp_ms, metric_step, run_id, dataset_name, dataset_digest
            FROM logged_model_metrics WHERE
            """ + " " + scope + " ORDER BY " + db.dialect.rowOrder(), bindings, columns: { c in
                (try c["model_id"], try c["metric_name"], try c["metric_value"], try c["metric_timestamp_ms"],
                 try c["metric_step"], try c["run_id"], try c["dataset_name"], try c["dataset_digest"])
            }) { row, c in
                let id = row.text(c.0)
                metrics[id, default: []].append(Metric(key: row.text(c.1), value: row.double(c.2), timestamp: row.int(c.3),
                                                       step: row.int(c.4), runID: row.optionalText(c.5),
                                                       datasetName: row.optionalText(c.6), datasetDigest: row.optionalText(c.7),
                                                       modelID: id))
            }
        for i in models.indices {
            let id = models[i].modelID
            models[i].tags = tags[id] ?? []
            models[i].params = params[id] ?? []
            models[i].metrics = metrics[id] ?? []
        }
        return models
    }

    /// Where PostgreSQL's collation puts each text, for sorting in memory as its ORDER BY
    /// would (ICU's en-US puts "empty" before "Support"); nil on SQLite, whose BINARY collation
    /// is the code point order the searches use anyway.
    static func collationRanks(_ texts: Set<String>, _ db: any SQLConnection) throws -> CollationRanks? {
        guard db.dialect == .postgres, !texts.isEmpty, texts.count <= 30_000 else { return nil }
        let values = Array(texts)
        let sorted = try db.values("SELECT t FROM (VALUES \(values.map { _ in "(?)" }.joined(separator: ", "))) AS v(t) ORDER BY t",
                                   values.map(SQLValue.text)) { $0.text($1) }
        return Dictionary(sorted.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func placeholders(_ count: Int) -> String {
        count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ", ")
    }

    // MARK: registry

    public func searchRegisteredModels(_ request: RegistrySearch) async throws -> Page<RegisteredModel> {
        let (models, collation) = try await BlockingWork.run {
            try self.read { db, _ in
                let models = try self.registeredModels(db, name: nil)
                return (models, try Self.collationRanks(Set(models.map(\.name)), db))
            }
        }
        return try RegistrySearching.searchRegisteredModels(models, request, kind: .sql, collation: collation)
    }

    public func registeredModel(name: String) async throws -> RegisteredModel {
        try RegistryValidation.name(name)
        let models = try await BlockingWork.run { try self.read { db, _ in try self.registeredModels(db, name: name) } }
        guard let model = models.first else { throw RegistryValidation.modelNotFound(name) }
        return model
    }

    public func latestVersions(name: String, stages: [String]) async throws -> [ModelVersion] {
        let model = try await registeredModel(name: name)
        let versions = try await BlockingWork.run { try self.read { db, _ in try self.modelVersions(db, name: name) } }
        return try RegistrySearching.inFirstSeenOrder(try RegistrySearching.latestVersions(versions, stages: stages), of: versions).map { v in
            var v = v
            v.aliases = model.aliases.filter { $0.version == v.version }.map(\.alias)
            return v
        }
    }

    public func searchModelVersions(_ request: RegistrySearch) async throws -> Page<ModelVersion> {
        let (versions, collation) = try await BlockingWork.run {
            try self.read { db, _ in
                let versions = try self.modelVersions(db, name: nil)
                return (versions, try Self.collationRanks(Set(versions.map(\.name)), db))
            }
        }
        // `SqlModelVersion.to_mlflow_entity` in a search: no aliases.
        return try RegistrySearching.searchModelVersions(versions.map { var v = $0; v.aliases = []; return v }, request, kind: .sql,
                                                         collation: collation)
    }

    public func modelVersion(name: String, version: String) async throws -> ModelVersion {
        try RegistryValidation.name(name)
        let number = try RegistryValidation.version(version)
        let versions = try await BlockingWork.run { try self.read { db, _ in try self.modelVersions(db, name: name) } }
        guard let found = versions.first(where: { $0.versionNumber == number && $0.currentStage != ModelStage.deletedInternal }) else {
            throw RegistryValidation.versionNotFound(name, String(number))
        }
        return found
    }

    public func modelVersion(name: String, alias: String) async throws -> ModelVersion {
        try RegistryValidation.name(name)
        try RegistryValidation.alias(alias)
        if alias.lowercased() == "latest" {
            guard let latest = try await latestVersions(name: name, stages: []).max(by: { $0.versionNumber < $1.versionNumber }) else {
                throw MLflowError.notFound("Latest version not found for model \(name).")
            }
            return latest
        }
        let model = try await registeredModel(name: name)
        guard let target = model.aliases.first(where: { $0.alias == alias }) else { throw RegistryValidation.aliasNotFound(alias) }
        return try await modelVersion(name: name, version: target.version)
    }

    public func modelVersionDownloadURI(name: String, version: String) async throws -> String {
        try RegistryValidation.name(name)
        let number = try RegistryValidation.version(version)
        let location = try await BlockingWork.run {
            try self.read { db, _ -> String? in
                guard self.features.registry else { return nil }
                return try db.query("""
                    SELECT storage_location, source FROM model_versions
                    WHERE \(self.registryCondition(name: true)) AND version = ? AND current_stage != 'Deleted_Internal'
                    """, [.text(name), .int(number)], columns: { c in (try c["storage_location"], try c["source"]) }) { row, c in
                    row.optionalText(c.0).flatMap { $0.isEmpty ? nil : $0 } ?? row.optionalText(c.1) ?? ""
                }.first
            }
        }
        guard let location else { throw RegistryValidation.versionNotFound(name, String(number)) }
        return location
    }

    /// Registered models with tags, aliases and latest versions; one by name, or all.
    /// The registry rows of the default workspace (every row in a store from before workspaces).
    func registryCondition(name: Bool) -> String {
        let workspace = features.registryWorkspace ? "workspace = 'default'" : "1 = 1"
        return name ? workspace + " AND name = ?" : workspace
    }

    func registeredModels(_ db: any SQLConnection, name: String?) throws -> [RegisteredModel] {
        guard features.registry else { return [] }
        let condition = registryCondition(name: name != nil)
        let bindings: [SQLValue] = name.map { [.text($0)] } ?? []
        var models = try db.query("SELECT name, creation_time, last_updated_time, description FROM registered_models WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(),
                                  bindings, columns: { c in (try c["name"], try c["creation_time"], try c["last_updated_time"], try c["description"]) }) { row, c in
            RegisteredModel(name: row.text(c.0), creationTimestamp: row.optionalInt(c.1), lastUpdatedTimestamp: row.optionalInt(c.2),
                            description: row.optionalText(c.3))
        }
        guard !models.isEmpty else { return [] }
        var tags: [String: [Tag]] = [:], aliases: [String: [ModelAlias]] = [:]
        _ = try db.query("SELECT name, \"key\", value FROM registered_model_tags WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(), bindings,
                     columns: { c in (try c["name"], try c["key"], try c["value"]) }) { row, c in
            tags[row.text(c.0), default: []].append(Tag(row.text(c.1), row.optionalText(c.2) ?? ""))
        }
        if features.aliases {
            _ = try db.query("SELECT name, alias, version FROM registered_model_aliases WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(), bindings,
                             columns: { c in (try c["name"], try c["alias"], try c["version"]) }) { row, c in
                aliases[row.text(c.0), default: []].append(ModelAlias(row.text(c.1), String(row.int(c.2))))
            }
        }
        let versions = Dictionary(grouping: try modelVersions(db, name: name), by: \.name)
        for i in models.indices {
            let n = models[i].name
            models[i].tags = tags[n] ?? []
            models[i].aliases = aliases[n] ?? []
            // `SqlRegisteredModel.to_mlflow_entity`: latest versions carry no aliases.
            let latest = (try? RegistrySearching.latestVersions(versions[n] ?? [], stages: [])) ?? []
            models[i].latestVersions = RegistrySearching.inFirstSeenOrder(latest, of: versions[n] ?? []).map { var v = $0; v.aliases = []; return v }
        }
        return models
    }

    /// Model versions with their tags and aliases (deleted ones included: callers filter).
    func modelVersions(_ db: any SQLConnection, name: String?) throws -> [ModelVersion] {
        guard features.registry else { return [] }
        let condition = registryCondition(name: name != nil)
        let bindings: [SQLValue] = name.map { [.text($0)] } ?? []
        var versions = try db.query("SELECT * FROM model_versions WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(), bindings, columns: ModelVersionColumns.init) { row, c in
            c.version(row)
        }
        var tags: [String: [Tag]] = [:], aliases: [String: [String]] = [:]
        _ = try db.query("SELECT name, version, \"key\", value FROM model_version_tags WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(), bindings,
                     columns: { c in (try c["name"], try c["version"], try c["key"], try c["value"]) }) { row, c in
            tags[row.text(c.0) + "\u{0}" + String(row.int(c.1)), default: []].append(Tag(row.text(c.2), row.optionalText(c.3) ?? ""))
        }
        if features.aliases {
            _ = try db.query("SELECT name, alias, version FROM registered_model_aliases WHERE " + condition + " ORDER BY " + db.dialect.rowOrder(), bindings,
                             columns: { c in (try c["name"], try c["alias"], try c["version"]) }) { row, c in
                aliases[row.text(c.0) + "\u{0}" + String(row.int(c.2)), default: []].append(row.text(c.1))
            }
        }
        for i in versions.indices {
            let key = versions[i].name + "\u{0}" + versions[i].version
            versions[i].tags = tags[key] ?? []
            versions[i].aliases = aliases[key] ?? []
        }
        return versions
    }

    // MARK: datasets

    /// `_search_datasets`: distinct (experiment, name, digest, context) of the experiments' run
    /// inputs, at most 1,000.
    public func searchDatasets(experimentIDs: [String]) async throws -> [DatasetSummary] {
        let ids = try experimentIDs.map(parseExperimentID)
        guard features.datasets else { return [] }
        return try await BlockingWork.run {
            try self.read { db, _ in
                try db.query("""
                    SELECT DISTINCT d.experiment_id, d.name, d.digest, t.value
                    FROM datasets d JOIN inputs i ON i.source_id = d.dataset_uuid
                    LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = 'mlflow.data.context'
                    WHERE d.experiment_id IN (\(Self.placeholders(ids.count)))
                    LIMIT 1000
                    """, ids.map(SQLValue.int), columns: { c in (try c["experiment_id"], try c["name"], try c["digest"], try c["value"]) }) { row, c in
                    DatasetSummary(experimentID: String(row.int(c.0)), name: row.text(c.1), digest: row.text(c.2),
                                   context: row.optionalText(c.3))
                }.sorted()
            }
        }
    }
}

/// The columns of a `model_versions` row, by name.
struct ModelVersionColumns {
    let name, version, created, updated, description, userID, stage, source, runID, status, statusMessage, runLink: SQLColumn

    init(_ c: SQLColumns) throws {
        name = try c["name"]; version = try c["version"]; created = try c["creation_time"]; updated = try c["last_updated_time"]
        description = try c["description"]; userID = try c["user_id"]; stage = try c["current_stage"]; source = try c["source"]
        runID = try c["run_id"]; status = try c["status"]; statusMessage = try c["status_message"]; runLink = try c["run_link"]
    }

    func version(_ row: SQLRow) -> ModelVersion {
        ModelVersion(name: row.text(name), version: String(row.int(version)), creationTimestamp: row.optionalInt(created) ?? 0,
                     lastUpdatedTimestamp: row.optionalInt(updated), userID: row.optionalText(userID),
                     currentStage: row.optionalText(stage), description: row.optionalText(description),
                     source: row.optionalText(source), runID: row.optionalText(runID), status: row.optionalText(status),
                     statusMessage: row.optionalText(statusMessage), runLink: row.optionalText(runLink))
    }
}

/// A store opened to write reads models through its reader.
extension SQLWriter: ModelStore {
    public func searchLoggedModels(_ request: LoggedModelSearch) async throws -> Page<LoggedModel> { try await store.searchLoggedModels(request) }
    public func loggedModel(id: String, allowDeleted: Bool) async throws -> LoggedModel {
        try await loggedModel(id, includeDeleted: allowDeleted)
    }
    public func listLoggedModelArtifacts(id: String, path: String?) async throws -> ArtifactListing {
        try await store.listLoggedModelArtifacts(id: id, path: path)
    }
    public func openLoggedModelArtifact(id: String, path: String) async throws -> any ArtifactContent {
        try await store.openLoggedModelArtifact(id: id, path: path)
    }
    public func searchRegisteredModels(_ request: RegistrySearch) async throws -> Page<RegisteredModel> { try await store.searchRegisteredModels(request) }
    public func registeredModel(name: String) async throws -> RegisteredModel { try await store.registeredModel(name: name) }
    public func latestVersions(name: String, stages: [String]) async throws -> [ModelVersion] {
        try await store.latestVersions(name: name, stages: stages)
    }
    public func searchModelVersions(_ request: RegistrySearch) async throws -> Page<ModelVersion> { try await store.searchModelVersions(request) }
    public func modelVersion(name: String, version: String) async throws -> ModelVersion { try await store.modelVersion(name: name, version: version) }
    public func modelVersion(name: String, alias: String) async throws -> ModelVersion { try await store.modelVersion(name: name, alias: alias) }
    public func modelVersionDownloadURI(name: String, version: String) async throws -> String {
        try await store.modelVersionDownloadURI(name: name, version: version)
    }
    public func searchDatasets(experimentIDs: [String]) async throws -> [DatasetSummary] { try await store.searchDatasets(experimentIDs: experimentIDs) }
}
