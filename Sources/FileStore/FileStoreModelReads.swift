import Foundation
import Artifacts
import Tracking

/// Logged models, the model registry and dataset summaries of a file store, as MLflow's
/// `FileStore` (`file_store.py` `search_logged_models`, `_search_datasets`) and its registry
/// `FileStore` (`mlflow/store/model_registry/file_store.py`: `<root>/models/<name>/meta.yaml`,
/// `tags/`, `aliases/<alias>` holding a version number, `version-<n>/meta.yaml` and `tags/`)
/// read them. Unreadable entries are skipped with a warning.
extension FileStore: ModelStore {
    public func searchLoggedModels(_ request: LoggedModelSearch) async throws -> Page<LoggedModel> {
        let models = try await BlockingWork.run { () -> [LoggedModel] in
            var models: [LoggedModel] = []
            for id in request.experimentIDs {
                guard let dir = self.experimentDirectory(id: id) else { continue }
                models += self.loggedModels(in: dir)
            }
            return models
        }
        return try LoggedModelSearching.search(models, request, kind: .file)
    }

    /// `_list_models`: the experiment's model folders, deleted ones and ones recorded under
    /// another experiment left out.
    func loggedModels(in dir: ExperimentDirectory) -> [LoggedModel] {
        let folder = dir.path + "/models"
        let (entries, problem) = PosixFiles.listing(folder)
        if let problem, PosixFiles.exists(folder) { warn("Skipping folder \(folder): \(problem)") }
        var models: [LoggedModel] = []
        for entry in (entries ?? []).sorted(by: { $0.name < $1.name }) where entry.isDirectory && !entry.name.hasPrefix(".") {
            let path = folder + "/" + entry.name
            guard let (model, stage) = modelMeta(in: path, experiment: dir) else { continue }
            guard stage != LifecycleStage.deleted.rawValue else { continue }
            var full = model
            loadModelData(&full, folder: path)
            models.append(full)
        }
        return models
    }

    public func loggedModel(id: String, allowDeleted: Bool) async throws -> LoggedModel {
        try await BlockingWork.run { try self.loggedModel(id, allowDeleted: allowDeleted) }
    }

    public func listLoggedModelArtifacts(id: String, path: String?) async throws -> ArtifactListing {
        let (model, repository) = try await BlockingWork.run { try self.modelArtifacts(id) }
        _ = try LocalArtifacts.components(of: path)
        return ArtifactListing(rootURI: model.artifactLocation, files: try await repository.listOffThePool(path: path))
    }

    public func openLoggedModelArtifact(id: String, path: String) async throws -> any ArtifactContent {
        _ = try LocalArtifacts.components(of: path)
        let (_, repository) = try await BlockingWork.run { try self.modelArtifacts(id) }
        return try await repository.open(path: path)
    }

    /// The model's artifact repository; a missing local location falls back to the model's own
    /// `artifacts/` folder in the store (a store copied from another machine), as for runs.
    private func modelArtifacts(_ id: String) throws -> (LoggedModel, any ArtifactRepository) {
        let (model, folder) = try modelMeta(id)
        let fallback = folder + "/artifacts"
        guard var local = LocalArtifacts.localPath(of: model.artifactLocation) else {
            return (model, try Artifacts.artifactRepository(for: model.artifactLocation, trackingURI: nil))
        }
        if !local.hasPrefix("/") { local = FileManager.default.currentDirectoryPath + "/" + local }
        if !PosixFiles.isDirectory(local) && PosixFiles.isDirectory(fallback) { local = fallback }
        return (model, LocalArtifacts(root: local))
    }

    // MARK: registry

    var registryFolder: String { root + "/models" }

    public func searchRegisteredModels(_ request: RegistrySearch) async throws -> Page<RegisteredModel> {
        let models = try await BlockingWork.run { self.registeredModelFolders().compactMap(self.registeredModel(at:)) }
        return try RegistrySearching.searchRegisteredModels(models, request, kind: .file)
    }

    /// The registry file store's own name rules on top of MLflow's (`file_store.py` `_validate_model_name`).
    private func checkName(_ name: String) throws {
        try RegistryValidation.name(name)
        if name.contains("%") {
            throw MLflowError.invalidParameter("Invalid name: '\(name)'. Registered model name cannot contain '%' character")
        }
    }

    public func registeredModel(name: String) async throws -> RegisteredModel {
        try checkName(name)
        return try await BlockingWork.run {
            guard let model = self.registeredModel(at: self.registryFolder + "/" + name) else { throw RegistryValidation.modelNotFound(name) }
            return model
        }
    }

    public func latestVersions(name: String, stages: [String]) async throws -> [ModelVersion] {
        _ = try await registeredModel(name: name)
        return try await BlockingWork.run {
            try RegistrySearching.latestVersions(self.modelVersions(at: self.registryFolder + "/" + name), stages: stages)
        }
    }

    public func searchModelVersions(_ request: RegistrySearch) async throws -> Page<ModelVersion> {
        let versions = try await BlockingWork.run { self.registeredModelFolders().flatMap(self.modelVersions(at:)) }
        return try RegistrySearching.searchModelVersions(versions, request, kind: .file)
    }

    public func modelVersion(name: String, version: String) async throws -> ModelVersion {
        try await storedVersion(name: name, version: version).version
    }

    public func modelVersion(name: String, alias: String) async throws -> ModelVersion {
        try checkName(name)
        try RegistryValidation.alias(alias)
        if alias.lowercased() == "latest" {
            let latest = try await latestVersions(name: name, stages: []).max { $0.versionNumber < $1.versionNumber }
            guard let latest else { throw MLflowError.notFound("Latest version not found for model \(name).") }
            return try await modelVersion(name: name, version: latest.version)
        }
        let model = try await registeredModel(name: name)
        guard let target = model.aliases.first(where: { $0.alias == alias }) else { throw RegistryValidation.aliasNotFound(alias) }
        return try await modelVersion(name: name, version: target.version)
    }

    /// `storage_location` when the version has one, else its source.
    public func modelVersionDownloadURI(name: String, version: String) async throws -> String {
        let stored = try await storedVersion(name: name, version: version)
        return stored.storageLocation ?? stored.version.source ?? ""
    }

    /// `_fetch_file_model_version_if_exists`.
    private func storedVersion(name: String, version: String) async throws -> (version: ModelVersion, storageLocation: String?) {
        try checkName(name)
        let number = try RegistryValidation.version(version)
        return try await BlockingWork.run {
            let modelFolder = self.registryFolder + "/" + name
            guard PosixFiles.isDirectory(modelFolder) else { throw RegistryValidation.modelNotFound(name) }
            let folder = modelFolder + "/version-\(number)"
            guard let found = self.modelVersion(at: folder, aliases: self.aliases(of: modelFolder)),
                  found.version.currentStage != ModelStage.deletedInternal else {
                throw RegistryValidation.versionNotFound(name, String(number))
            }
            return found
        }
    }

    private func registeredModelFolders() -> [String] {
        let (entries, problem) = PosixFiles.listing(registryFolder)
        if let problem, PosixFiles.exists(registryFolder) { warn("Skipping folder \(registryFolder): \(problem)") }
        return (entries ?? []).filter(\.isDirectory).map { registryFolder + "/" + $0.name }.sorted()
    }

    /// A registered model folder with its tags, aliases and latest versions; nil (with a warning
    /// when the folder exists) when its meta.yaml cannot be read.
    private func registeredModel(at folder: String) -> RegisteredModel? {
        guard PosixFiles.isDirectory(folder) else { return nil }
        guard let meta = RunDirectory.readMeta(folder + "/meta.yaml", links: links(nil), warn: warn) else { return nil }
        guard let name = meta["name"]?.string else {
            warn("Skipping registered model \(folder): its meta.yaml has no name")
            return nil
        }
        let aliases = aliases(of: folder)
        return RegisteredModel(name: name, creationTimestamp: meta["creation_timestamp"]?.int64,
                               lastUpdatedTimestamp: meta["last_updated_timestamp"]?.int64,
                               description: meta["description"]?.string,
                               latestVersions: (try? RegistrySearching.latestVersions(modelVersions(at: folder), stages: [])) ?? [],
                               tags: RunDirectory.keyValues(in: folder + "/tags", links: links(nil), warn: warn),
                               aliases: aliases,
                               deploymentJobID: meta["deployment_job_id"]?.string)
    }

    private func aliases(of modelFolder: String) -> [ModelAlias] {
        RunDirectory.keyValues(in: modelFolder + "/aliases", links: links(nil), warn: warn).map { ModelAlias($0.key, $0.value) }
    }

    /// Every `version-<n>` folder of a registered model (deleted ones included: callers filter).
    private func modelVersions(at modelFolder: String) -> [ModelVersion] {
        let (entries, _) = PosixFiles.listing(modelFolder)
        let aliases = aliases(of: modelFolder)
        return (entries ?? []).filter { $0.isDirectory && $0.name.hasPrefix("version-") }.sorted { $0.name < $1.name }
            .compactMap { modelVersion(at: modelFolder + "/" + $0.name, aliases: aliases)?.version }
    }

    private func modelVersion(at folder: String, aliases: [ModelAlias]) -> (version: ModelVersion, storageLocation: String?)? {
        guard PosixFiles.isDirectory(folder) else { return nil }
        guard let meta = RunDirectory.readMeta(folder + "/meta.yaml", links: links(nil), warn: warn) else { return nil }
        guard let name = meta["name"]?.string, let version = meta["version"]?.string else {
            warn("Skipping model version \(folder): its meta.yaml has no name or version")
            return nil
        }
        let v = ModelVersion(name: name, version: version, creationTimestamp: meta["creation_timestamp"]?.int64 ?? 0,
                             lastUpdatedTimestamp: meta["last_updated_timestamp"]?.int64, userID: meta["user_id"]?.string,
                             currentStage: meta["current_stage"]?.string, description: meta["description"]?.string,
                             source: meta["source"]?.string, runID: meta["run_id"]?.string, status: meta["status"]?.string,
                             statusMessage: meta["status_message"]?.string,
                             tags: RunDirectory.keyValues(in: folder + "/tags", links: links(nil), warn: warn),
                             runLink: meta["run_link"]?.string,
                             aliases: aliases.filter { $0.version == version }.map(\.alias),
                             modelID: meta["model_id"]?.string)
        return (v, meta["storage_location"]?.string)
    }

    // MARK: datasets

    /// `_search_datasets`: the (name, digest, context) of every run input of the experiments,
    /// deleted runs included; an unknown experiment is an error, as MLflow's.
    public func searchDatasets(experimentIDs: [String]) async throws -> [DatasetSummary] {
        var summaries = Set<DatasetSummary>()
        for id in experimentIDs {
            _ = try await getExperiment(id: id)
            let runs = try await allRuns(RunSearch(experimentIDs: [id], viewType: .all, maxResults: RunSearch.maxResultsLimit))
            for run in runs {
                for input in run.inputs.datasetInputs {
                    summaries.insert(DatasetSummary(experimentID: id, name: input.dataset.name, digest: input.dataset.digest,
                                                    context: input.context))
                }
            }
        }
        return Array(summaries.sorted().prefix(1000))
    }
}
