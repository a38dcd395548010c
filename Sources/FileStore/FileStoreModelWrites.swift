import Foundation
import Tracking

/// Logged models of the file store (`file_store.py` `create_logged_model` ...
/// `get_logged_model`): `<experiment>/models/<model_id>/` with meta.yaml, `params/`, `tags/`
/// and `metrics/` (lines `timestamp value step run_id [dataset_name dataset_digest]`).
extension FileStore {
    public func createLoggedModel(_ request: LoggedModelCreation) async throws -> LoggedModel {
        let id = try await write { try self.createLoggedModelNow(request) }
        return try await getLoggedModel(id: id)
    }

    public func getLoggedModel(id: String) async throws -> LoggedModel {
        try await BlockingWork.run { try self.loggedModel(id) }
    }

    public func finalizeLoggedModel(id: String, status: LoggedModelStatus) async throws -> LoggedModel {
        try await write {
            var (model, folder) = try self.modelMeta(id)
            model.status = status
            model.lastUpdatedTimestamp = Self.nowMillis()
            // `_make_persisted_model_dict` has no lifecycle_stage: a rewrite drops it.
            try self.writeModelMeta(model, in: folder, lifecycleStage: nil)
        }
        return try await getLoggedModel(id: id)
    }

    public func deleteLoggedModel(id: String) async throws {
        try await write {
            var (model, folder) = try self.modelMeta(id)
            model.lastUpdatedTimestamp = Self.nowMillis()
            try self.writeModelMeta(model, in: folder, lifecycleStage: .deleted)
        }
    }

    public func setLoggedModelTags(id: String, tags: [Tag]) async throws {
        try await write {
            let (_, folder) = try self.modelMeta(id)
            for tag in tags {
                try WriteValidation.tagName(tag.key)
                try StoreFiles.replace(folder + "/tags/" + tag.key, with: tag.value, scratchFolder: folder)
            }
        }
    }

    public func deleteLoggedModelTag(id: String, key: String) async throws {
        try await write {
            try WriteValidation.tagName(key)
            let (_, folder) = try self.modelMeta(id)
            let path = folder + "/tags/" + key
            guard PosixFiles.exists(path) else {
                throw MLflowError.notFound("No tag with key \(PythonText.repr(key)) found for model with ID \(PythonText.repr(id)).")
            }
            try StoreFiles.remove(path)
        }
    }

    public func logLoggedModelParams(id: String, params: [Param]) async throws {
        try await write { try self.writeModelParams(id: id, params: params) }
    }

    // MARK: steps

    private func createLoggedModelNow(_ request: LoggedModelCreation) throws -> String {
        if let name = request.name { try WriteValidation.loggedModelName(name) }
        let experiment = try existingExperiment(request.experimentID)
        guard experiment.lifecycleStage == .active else {
            throw MLflowError(.invalidState, "Could not create model under non-active experiment with ID \(request.experimentID).")
        }
        for param in request.params { _ = try WriteValidation.param(param) }
        let id = "m-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let folder = try experimentFolder(request.experimentID) + "/models/" + id
        let now = Self.nowMillis()
        let model = LoggedModel(modelID: id, experimentID: request.experimentID,
                                name: request.name ?? GeneratedNames.random(),
                                artifactLocation: Self.appendingPath(experiment.artifactLocation ?? "", "models", id, "artifacts"),
                                creationTimestamp: now, lastUpdatedTimestamp: now, modelType: request.modelType,
                                sourceRunID: request.sourceRunID, status: .pending)
        try StoreFiles.makeDirectories(folder + "/metrics")
        try StoreFiles.makeDirectories(folder + "/params")
        try writeModelMeta(model, in: folder, lifecycleStage: .active)
        try writeModelParams(id: id, params: request.params)
        for tag in request.tags {
            try WriteValidation.tagName(tag.key)
            try StoreFiles.replace(folder + "/tags/" + tag.key, with: tag.value, scratchFolder: folder)
        }
        return id
    }

    private func writeModelParams(id: String, params: [Param]) throws {
        for param in params { _ = try WriteValidation.param(param) }
        let (_, folder) = try modelMeta(id)
        for param in params {
            try StoreFiles.replace(folder + "/params/" + param.key, with: param.value, scratchFolder: folder)
        }
    }

    /// `_find_model_root` then `_get_model_dict`: the model's meta.yaml, refused when deleted
    /// unless `allowDeleted`.
    func modelMeta(_ id: String, allowDeleted: Bool = false) throws -> (LoggedModel, String) {
        guard Self.isExperimentID(id) else { throw MLflowError.notFound("Model '\(id)' not found") }
        for dir in experimentDirectories(.all) {
            let folder = dir.path + "/models/" + id
            guard PosixFiles.isDirectory(folder) else { continue }
            guard let (model, stage) = modelMeta(in: folder, experiment: dir) else {
                throw MLflowError(.invalidState, "Model '\(id)' metadata is in invalid state.")
            }
            if stage == LifecycleStage.deleted.rawValue, !allowDeleted {
                throw MLflowError.notFound("Model '\(id)' not found")
            }
            return (model, folder)
        }
        throw MLflowError.notFound("Model '\(id)' not found")
    }

    /// A model folder's meta.yaml and its lifecycle stage; nil (with a warning) when unreadable or
    /// recorded under another experiment, as MLflow's `_list_models` skips it.
    func modelMeta(in folder: String, experiment dir: ExperimentDirectory) -> (LoggedModel, String?)? {
        guard let meta = RunDirectory.readMeta(folder + "/meta.yaml", links: links(dir.path), warn: warn) else { return nil }
        guard meta["experiment_id"]?.string == dir.id else {
            warn("Skipping logged model \(folder): its meta.yaml names experiment \(meta["experiment_id"]?.string ?? "none"), not \(dir.id)")
            return nil
        }
        let status = meta["status"]?.int64.map(LoggedModelStatus.init(number:)) ?? .unspecified
        let model = LoggedModel(
            modelID: meta["model_id"]?.string ?? (folder as NSString).lastPathComponent, experimentID: dir.id,
            name: meta["name"]?.string ?? "",
            artifactLocation: meta["artifact_location"]?.string ?? "",
            creationTimestamp: meta["creation_timestamp"]?.int64 ?? 0,
            lastUpdatedTimestamp: meta["last_updated_timestamp"]?.int64 ?? 0,
            modelType: meta["model_type"]?.string, sourceRunID: meta["source_run_id"]?.string,
            status: status, statusMessage: meta["status_message"]?.string)
        return (model, meta["lifecycle_stage"]?.string)
    }

    /// The model with its tags, params and metrics (for each metric key and dataset, the line
    /// with the greatest step, then timestamp, then value: `_get_model_metrics_from_file`).
    func loggedModel(_ id: String, allowDeleted: Bool = false) throws -> LoggedModel {
        var (model, folder) = try modelMeta(id, allowDeleted: allowDeleted)
        loadModelData(&model, folder: folder)
        return model
    }

    /// Reads a model folder's tags, params and metrics into `model`.
    func loadModelData(_ model: inout LoggedModel, folder: String) {
        let id = model.modelID
        let experimentPath = ((folder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let policy = links(experimentPath)
        model.tags = RunDirectory.keyValues(in: folder + "/tags", links: policy, warn: warn)
        model.params = RunDirectory.keyValues(in: folder + "/params", links: policy, warn: warn)
        for file in RunDirectory.keyValues(in: folder + "/metrics", links: policy, warn: warn) {
            var best: [String: Metric] = [:]
            var order: [String] = []
            for line in file.value.split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 4 || parts.count == 6, let timestamp = Int64(parts[0]),
                      let value = Double(parts[1]) ?? Self.pythonFloat(parts[1]), let step = Int64(parts[2]) else { continue }
                let metric = Metric(key: file.key, value: value, timestamp: timestamp, step: step, runID: parts[3],
                                    datasetName: parts.count == 6 ? parts[4] : nil,
                                    datasetDigest: parts.count == 6 ? parts[5] : nil, modelID: id)
                let group = (metric.datasetName ?? "\u{0}") + "\u{1}" + (metric.datasetDigest ?? "\u{0}")
                if let current = best[group] {
                    if (metric.step, metric.timestamp, metric.value) > (current.step, current.timestamp, current.value) {
                        best[group] = metric
                    }
                } else {
                    best[group] = metric
                    order.append(group)
                }
            }
            model.metrics += order.compactMap { best[$0] }
        }
    }

    private func writeModelMeta(_ model: LoggedModel, in folder: String, lifecycleStage: LifecycleStage?) throws {
        var meta: [String: YAMLValue] = [
            "artifact_location": .string(model.artifactLocation),
            "creation_timestamp": .int(model.creationTimestamp),
            "experiment_id": .string(model.experimentID),
            "last_updated_timestamp": .int(model.lastUpdatedTimestamp),
            "model_id": .string(model.modelID),
            "model_type": .optional(model.modelType),
            "name": .string(model.name),
            "source_run_id": .optional(model.sourceRunID),
            "status": .int(model.status.number),
            "status_message": .optional(model.statusMessage),
        ]
        if let lifecycleStage { meta["lifecycle_stage"] = .string(lifecycleStage.rawValue) }
        try StoreFiles.replace(folder + "/meta.yaml", with: YAMLEmitter.document(meta), scratchFolder: folder)
    }

    /// `LoggedModelStatus.to_int` / `from_int`.
    /// Python's `float()` of what `str(float)` wrote for non-finite values.
    static func pythonFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return nil
        }
    }
}
