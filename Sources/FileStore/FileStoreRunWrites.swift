import Foundation
import Hashing
import Tracking

/// Run writes of the file store (`file_store.py` `create_run` ... `log_outputs`).
extension FileStore {
    static let runNameTag = "mlflow.runName"

    public func createRun(_ request: RunCreation) async throws -> Run {
        let id = try await write { try self.createRunNow(request) }
        return try await getRun(id: id)
    }

    public func updateRun(id: String, status: RunStatus?, endTime: Int64?, runName: String?) async throws -> RunInfo {
        try await write {
            try WriteValidation.runID(id)
            let run = try self.activeRun(id)
            return try self.updateRunInfo(run, status: status, endTime: endTime, runName: runName)
        }
    }

    public func deleteRun(id: String) async throws {
        try await write {
            let run = try self.locateRun(id)
            var info = Self.copied(run.info)
            info.lifecycleStage = .deleted
            try self.writeRunMeta(info, in: run.path, deletedTime: Self.nowMillis())
        }
    }

    public func restoreRun(id: String) async throws {
        try await write {
            let run = try self.locateRun(id)
            var info = Self.copied(run.info)
            info.lifecycleStage = .active
            try self.writeRunMeta(info, in: run.path, deletedTime: nil)
        }
    }

    public func logMetric(runID: String, metric: Metric) async throws {
        try await write {
            try WriteValidation.runID(runID)
            try WriteValidation.metric(metric)
            let run = try self.activeRun(runID)
            try self.appendMetric(metric, to: run)
        }
    }

    public func logParam(runID: String, param: Param) async throws {
        try await write {
            try WriteValidation.runID(runID)
            let param = try WriteValidation.param(param)
            let run = try self.activeRun(runID)
            try self.writeParam(param, to: run)
        }
    }

    public func setTag(runID: String, tag: Tag) async throws {
        try await write {
            try WriteValidation.runID(runID)
            try WriteValidation.tagName(tag.key)
            let run = try self.activeRun(runID)
            try self.writeTag(tag, to: run)
            if tag.key == Self.runNameTag {
                _ = try self.updateRunInfo(run, status: nil, endTime: nil, runName: tag.value)
            }
        }
    }

    public func deleteTag(runID: String, key: String) async throws {
        try await write {
            try WriteValidation.runID(runID)
            let run = try self.activeRun(runID)
            try WriteValidation.tagName(key)
            let path = run.path + "/tags/" + key
            guard PosixFiles.exists(path) else {
                throw MLflowError.notFound("No tag with name: \(key) in run with id \(runID)")
            }
            try StoreFiles.remove(path)
        }
    }

    public func logBatch(runID: String, metrics: [Metric], params: [Param], tags: [Tag]) async throws {
        try await write {
            let batch = try WriteValidation.logBatch(runID: runID, metrics: metrics, params: params, tags: tags)
            let run = try self.activeRun(runID)
            do {
                for param in batch.params { try self.writeParam(param, to: run) }
                for metric in metrics { try self.appendMetric(metric, to: run) }
                var current = run
                for tag in batch.tags {
                    if tag.key == Self.runNameTag {
                        current.info = try self.updateRunInfo(current, status: nil, endTime: nil, runName: tag.value)
                    }
                    try self.writeTag(tag, to: current)
                }
            } catch let error as MLflowError {
                // `log_batch` reports any failure past validation as INTERNAL_ERROR.
                throw MLflowError.internal(error.message)
            }
        }
    }

    public func logInputs(runID: String, datasets: [DatasetInput], models: [ModelIO]) async throws {
        try await write {
            try WriteValidation.runID(runID)
            let run = try self.activeRun(runID)
            for input in datasets { try self.writeDatasetInput(input, to: run) }
            for model in models {
                let inputID = Self.md5Hex(model.modelID + run.info.runID)
                let folder = run.path + "/inputs/" + inputID
                guard !PosixFiles.exists(folder) else { continue }
                try StoreFiles.makeDirectories(folder)
                try StoreFiles.replace(folder + "/meta.yaml", with: YAMLEmitter.document([
                    "source_type": .string("MODEL"), "source_id": .string(model.modelID),
                    // MLflow records the source id as the destination too (`_FileStoreInput.write_yaml`).
                    "destination_type": .string("RUN"), "destination_id": .string(model.modelID),
                    "tags": .mapping([:]),
                ]), scratchFolder: folder)
            }
        }
    }

    public func logOutputs(runID: String, models: [ModelIO]) async throws {
        try await write {
            try WriteValidation.runID(runID)
            let run = try self.activeRun(runID)
            for model in models {
                let folder = run.path + "/outputs/" + model.modelID
                guard !PosixFiles.exists(folder) else { continue }
                try StoreFiles.makeDirectories(folder)
                try StoreFiles.replace(folder + "/meta.yaml", with: YAMLEmitter.document([
                    "source_type": .string("RUN_OUTPUT"), "source_id": .string(model.modelID),
                    "destination_type": .string("MODEL_OUTPUT"), "destination_id": .string(model.modelID),
                    "tags": .mapping([:]), "step": .int(model.step ?? 0),
                ]), scratchFolder: folder)
            }
        }
    }

    // MARK: steps

    private func createRunNow(_ request: RunCreation) throws -> String {
        let experimentID = request.experimentID
        let experiment = try existingExperiment(experimentID)
        guard experiment.lifecycleStage == .active else {
            throw MLflowError(.invalidState, "Could not create run under non-active experiment with ID \(experimentID).")
        }
        var tags = request.tags
        let tagName = tags.first { $0.key == Self.runNameTag }?.value
        if let runName = request.runName, !runName.isEmpty, let tagName, !tagName.isEmpty, runName != tagName {
            throw MLflowError.invalidParameter("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='\(runName)', mlflow.runName='\(tagName)').")
        }
        let name = [request.runName, tagName].compactMap { $0 }.first { !$0.isEmpty } ?? GeneratedNames.random()
        if tagName?.isEmpty ?? true { tags.append(Tag(Self.runNameTag, name)) }
        let runID = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let folder = try experimentFolder(experimentID) + "/" + runID
        // The run's `set_tag(mlflow.runName)` rewrites meta.yaml through a RunInfo proto
        // (`_copy_with_overrides`): an absent start time is then written as 0.
        let info = RunInfo(runID: runID, experimentID: experimentID, runName: name, userID: request.userID,
                           status: .running, startTime: request.startTime ?? 0, endTime: nil,
                           artifactURI: Self.appendingPath(experiment.artifactLocation ?? "", runID, "artifacts"),
                           lifecycleStage: .active)
        // Everything before meta.yaml: the run appears to readers whole.
        for sub in ["metrics", "params", "artifacts"] { try StoreFiles.makeDirectories(folder + "/" + sub) }
        let run = IndexedRun(info: info, path: folder, experimentPath: (folder as NSString).deletingLastPathComponent)
        for tag in tags { try writeTag(tag, to: run) }
        try writeRunMeta(info, in: folder, deletedTime: nil)
        return runID
    }

    /// `update_run_info`: nil or empty fields stay; a new name also sets `mlflow.runName`.
    private func updateRunInfo(_ run: IndexedRun, status: RunStatus?, endTime: Int64?, runName: String?) throws -> RunInfo {
        var info = Self.copied(run.info)
        if let status { info.status = status }
        if let endTime, endTime != 0 { info.endTime = endTime }
        if let runName, !runName.isEmpty {
            info.runName = runName
            try writeTag(Tag(Self.runNameTag, runName), to: run)
        }
        try writeRunMeta(info, in: run.path, deletedTime: nil)
        return info
    }

    /// `record_logged_model`: the run checked before the model is (`get_tags_dict`); the tag
    /// written whole, without validation.
    public func recordLoggedModel(runID: String, modelJSON: String) async throws {
        let fields = try LoggedModelHistory.fields(modelJSON: modelJSON)
        try await write {
            try WriteValidation.runID(runID)
            let run = try self.activeRun(runID)
            let entry = try LoggedModelHistory.entry(fields)
            let path = run.path + "/tags/" + LoggedModelHistory.tagKey
            var previous: String?
            switch PosixFiles.readFile(path) {
            case .content(let bytes): previous = String(decoding: bytes, as: UTF8.self)
            case .missing: break
            case .isDirectory, .failed, .refused: throw MLflowError.internal("Cannot read \(path)")
            }
            do {
                try self.writeTag(Tag(LoggedModelHistory.tagKey, try LoggedModelHistory.appending(entry, to: previous)), to: run)
            } catch let error as MLflowError {
                throw MLflowError.internal(error.message)  // `record_logged_model` reports INTERNAL_ERROR
            }
        }
    }

    /// `_get_run_info` then `check_run_is_active`.
    private func activeRun(_ id: String) throws -> IndexedRun {
        let run = try locateRun(id)
        guard run.info.lifecycleStage == .active else {
            throw MLflowError.invalidParameter("The run \(id) must be in 'active' lifecycle_stage.")
        }
        return run
    }

    /// `_log_run_metric` and, for a metric of a logged model, `_log_model_metric`.
    private func appendMetric(_ metric: Metric, to run: IndexedRun) throws {
        var line = "\(metric.timestamp) \(PythonText.repr(metric.value)) \(metric.step)"
        var dataset = ""
        if let name = metric.datasetName, let digest = metric.datasetDigest { dataset = " \(name) \(digest)" }
        try StoreFiles.append(run.path + "/metrics/" + metric.key, line: line + dataset + "\n")
        if let modelID = metric.modelID {
            line += " " + run.info.runID
            try StoreFiles.append(run.experimentPath + "/models/" + modelID + "/metrics/" + metric.key, line: line + dataset + "\n")
        }
    }

    /// `_log_run_param`: a param is written once; the same value again is fine.
    private func writeParam(_ param: Param, to run: IndexedRun) throws {
        let path = run.path + "/params/" + param.key
        if let current = StoreFiles.read(path) {
            guard current == param.value else {
                throw MLflowError.invalidParameter("Changing param values is not allowed. Param with key='\(param.key)' was already logged with value='\(current)' for run ID='\(run.info.runID)'. Attempted logging new value '\(param.value)'.")
            }
        }
        try StoreFiles.replace(path, with: param.value, scratchFolder: run.path)
    }

    private func writeTag(_ tag: Tag, to run: IndexedRun) throws {
        try StoreFiles.replace(run.path + "/tags/" + tag.key, with: tag.value, scratchFolder: run.path)
    }

    /// `log_inputs` for one dataset: the dataset once per experiment, the input once per run.
    private func writeDatasetInput(_ input: DatasetInput, to run: IndexedRun) throws {
        let dataset = input.dataset
        let datasetID = Self.md5Hex(dataset.name + dataset.digest)
        let datasetFolder = run.experimentPath + "/datasets/" + datasetID
        if !PosixFiles.exists(datasetFolder) {
            try StoreFiles.makeDirectories(datasetFolder)
            try StoreFiles.replace(datasetFolder + "/meta.yaml", with: YAMLEmitter.document([
                "name": .string(dataset.name), "digest": .string(dataset.digest),
                "source_type": .string(dataset.sourceType), "source": .string(dataset.source),
                "schema": .optional(dataset.schema), "profile": .optional(dataset.profile),
            ]), scratchFolder: datasetFolder)
        }
        let inputFolder = run.path + "/inputs/" + Self.md5Hex(datasetID + run.info.runID)
        guard !PosixFiles.exists(inputFolder) else { return }
        var tags: [String: YAMLValue] = [:]
        for tag in input.tags { tags[tag.key] = .string(tag.value) }
        try StoreFiles.makeDirectories(inputFolder)
        try StoreFiles.replace(inputFolder + "/meta.yaml", with: YAMLEmitter.document([
            "source_type": .string("DATASET"), "source_id": .string(datasetID),
            "destination_type": .string("RUN"), "destination_id": .string(datasetID),
            "tags": .mapping(tags),
        ]), scratchFolder: inputFolder)
    }

    /// `_make_persisted_run_info_dict`, as `write_yaml` lays it out.
    func writeRunMeta(_ info: RunInfo, in folder: String, deletedTime: Int64?) throws {
        var meta: [String: YAMLValue] = [
            "artifact_uri": .string(info.artifactURI),
            "end_time": .optional(info.endTime),
            "entry_point_name": .string(""),
            "experiment_id": .string(info.experimentID),
            "lifecycle_stage": .string(info.lifecycleStage.rawValue),
            "run_id": .string(info.runID),
            "run_name": .string(info.runName),
            "source_name": .string(""),
            "source_type": .int(4),  // SourceType.LOCAL
            "source_version": .string(""),
            "start_time": .optional(info.startTime),
            "status": .int(Self.statusCode(info.status)),
            "tags": .emptyList,
            "user_id": .string(info.userID),
        ]
        if let deletedTime { meta["deleted_time"] = .int(deletedTime) }
        try StoreFiles.replace(folder + "/meta.yaml", with: YAMLEmitter.document(meta), scratchFolder: folder)
    }

    /// A RunInfo as `_copy_with_overrides` hands it back (through its proto): an absent start
    /// time reads 0, an end time of 0 none.
    static func copied(_ info: RunInfo) -> RunInfo {
        var info = info
        if info.startTime == nil { info.startTime = 0 }
        if info.endTime == 0 { info.endTime = nil }
        return info
    }

    /// `RunStatus` as the file store's meta.yaml records it.
    static func statusCode(_ status: RunStatus) -> Int64 {
        switch status {
        case .running: return 1
        case .scheduled: return 2
        case .finished: return 3
        case .failed: return 4
        case .killed: return 5
        }
    }

    static func md5Hex(_ text: String) -> String {
        Digest.md5Hex(Array(text.utf8))
    }
}
