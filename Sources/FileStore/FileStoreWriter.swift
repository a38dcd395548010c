import Foundation
import Tracking

/// The file store's writes: the files, bytes, checks and error messages of MLflow 3.17.2's
/// `FileStore` (`mlflow/store/tracking/file_store.py`), each file put in place whole
/// (`StoreFiles`). Runs, metrics, inputs and outputs: FileStoreRunWrites.swift; logged models:
/// FileStoreModelWrites.swift.
extension FileStore: TrackingWriter {
    static let defaultExperimentID = "0"

    /// Runs one write on a blocking-work thread, one at a time in this process.
    func write<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run {
            self.writeLock.lock()
            defer { self.writeLock.unlock() }
            return try body()
        }
    }

    // MARK: experiments

    public func createExperiment(name: String, artifactLocation: String?, tags: [Tag]) async throws -> String {
        try await write { try self.createExperimentNow(name: name, artifactLocation: artifactLocation, tags: tags) }
    }

    public func renameExperiment(id: String, newName: String) async throws {
        try await write { try self.renameExperimentNow(id: id, newName: newName) }
    }

    public func deleteExperiment(id: String) async throws {
        try await write { try self.deleteExperimentNow(id: id) }
    }

    public func restoreExperiment(id: String) async throws {
        try await write { try self.restoreExperimentNow(id: id) }
    }

    public func setExperimentTag(experimentID: String, key: String, value: String) async throws {
        try await write { try self.setExperimentTagNow(experimentID: experimentID, key: key, value: value) }
    }

    public func deleteExperimentTag(experimentID: String, key: String) async throws {
        try await write {
            try WriteValidation.tagName(key)
            let experiment = try self.existingExperiment(experimentID)
            guard experiment.lifecycleStage == .active else {
                throw MLflowError.invalidParameter("The experiment \(experiment.experimentID) must be in the 'active' lifecycle_stage to delete tags")
            }
            let path = try self.experimentFolder(experimentID) + "/tags/" + key
            guard PosixFiles.exists(path) else {
                throw MLflowError.notFound("No tag with name: \(key) in experiment with id \(experimentID)")
            }
            try StoreFiles.remove(path)
        }
    }

    /// `FileStore._create_default_experiment`: what MLflow writes into a store on first use.
    static func createStore(root: String, artifactRoot: String?) throws {
        try StoreFiles.makeDirectories(root)
        let store = try FileStore(root: root, warn: { _ in }, artifactRoot: artifactRoot)
        if !PosixFiles.exists(store.root + "/" + defaultExperimentID + "/meta.yaml") {
            try store.writeNewExperiment(id: defaultExperimentID, name: "Default", artifactLocation: nil, tags: [])
        }
        try StoreFiles.makeDirectories(store.root + "/.trash")
    }

    private func createExperimentNow(name: String, artifactLocation: String?, tags: [Tag]) throws -> String {
        try WriteValidation.experimentName(name)
        if let artifactLocation, !artifactLocation.isEmpty {
            try WriteValidation.experimentArtifactLocationLength(artifactLocation)
        }
        for tag in tags { try WriteValidation.experimentTag(tag) }
        try requireExperimentNameFree(name)
        let id = Self.newExperimentID()
        try writeNewExperiment(id: id, name: name, artifactLocation: artifactLocation, tags: tags)
        return id
    }

    /// `_create_experiment_with_id`, with the tags written before meta.yaml so the experiment
    /// appears to readers whole.
    private func writeNewExperiment(id: String, name: String, artifactLocation: String?, tags: [Tag]) throws {
        let location: String
        if let artifactLocation, !artifactLocation.isEmpty {
            location = Self.resolveIfLocal(artifactLocation)
        } else {
            location = Self.appendingPath(Self.resolveIfLocal(artifactRoot ?? root), id)
        }
        let folder = root + "/" + id
        try StoreFiles.makeDirectories(folder)
        for tag in tags {
            try StoreFiles.replace(folder + "/tags/" + tag.key, with: tag.value, scratchFolder: folder)
        }
        let now = Self.nowMillis()
        let experiment = Experiment(experimentID: id, name: name, artifactLocation: location, lifecycleStage: .active,
                                    creationTime: now, lastUpdateTime: now, workspace: "default")
        try writeExperimentMeta(experiment, in: folder, withTags: false)
    }

    private func renameExperimentNow(id: String, newName: String) throws {
        try WriteValidation.experimentName(newName)
        var experiment = try existingExperiment(id)
        try requireExperimentNameFree(newName)
        experiment.name = newName
        experiment.lastUpdateTime = Self.nowMillis()
        guard experiment.lifecycleStage == .active else {
            // A plain Exception in MLflow: the server answers it as INTERNAL_ERROR.
            throw MLflowError.internal("Cannot rename experiment in non-active lifecycle stage. Current stage: \(experiment.lifecycleStage.rawValue)")
        }
        try writeExperimentMeta(experiment, in: root + "/" + id, withTags: true)
    }

    private func deleteExperimentNow(id: String) throws {
        guard id != Self.defaultExperimentID else {
            throw MLflowError.internal("Cannot delete the default experiment '0'. This is an internally reserved experiment.")
        }
        let folder = root + "/" + id
        guard Self.isExperimentID(id), PosixFiles.isDirectory(folder) else {
            throw MLflowError.notFound("Could not find experiment with ID \(id)")
        }
        var experiment = try existingExperiment(id)
        experiment.lifecycleStage = .deleted
        let now = Self.nowMillis()
        experiment.lastUpdateTime = now
        for run in indexedRuns(experimentIDs: [id], view: .activeOnly) {
            var info = Self.copied(run.info)
            info.lifecycleStage = .deleted
            try writeRunMeta(info, in: run.path, deletedTime: now)
        }
        try writeExperimentMeta(experiment, in: folder, withTags: true)
        try StoreFiles.makeDirectories(root + "/.trash")
        try StoreFiles.move(folder, into: root + "/.trash")
    }

    private func restoreExperimentNow(id: String) throws {
        let trashed = root + "/.trash/" + id
        guard Self.isExperimentID(id), PosixFiles.isDirectory(trashed) else {
            throw MLflowError.notFound("Could not find deleted experiment with ID \(id)")
        }
        guard !PosixFiles.isDirectory(root + "/" + id) else {
            throw MLflowError(.resourceAlreadyExists, "Cannot restore experiment with ID \(id). An experiment with same ID already exists.")
        }
        try StoreFiles.move(trashed, into: root)
        var experiment = try existingExperiment(id)
        experiment.lifecycleStage = .active
        experiment.lastUpdateTime = Self.nowMillis()
        for run in indexedRuns(experimentIDs: [id], view: .deletedOnly) {
            var info = Self.copied(run.info)
            info.lifecycleStage = .active
            try writeRunMeta(info, in: run.path, deletedTime: nil)
        }
        try writeExperimentMeta(experiment, in: root + "/" + id, withTags: true)
    }

    private func setExperimentTagNow(experimentID: String, key: String, value: String) throws {
        try WriteValidation.experimentTag(Tag(key, value))
        let experiment = try existingExperiment(experimentID)
        guard experiment.lifecycleStage == .active else {
            throw MLflowError.invalidParameter("The experiment \(experiment.experimentID) must be in the 'active' lifecycle_stage to set tags")
        }
        let folder = try experimentFolder(experimentID)
        try StoreFiles.replace(folder + "/tags/" + key, with: value, scratchFolder: folder)
    }

    /// `_validate_experiment_does_not_exist`.
    private func requireExperimentNameFree(_ name: String) throws {
        guard let existing = experimentDirectories(.all).compactMap(readExperiment).first(where: { $0.name == name }) else {
            return
        }
        if existing.lifecycleStage == .deleted {
            throw MLflowError(.resourceAlreadyExists, "Experiment \(PythonText.repr(existing.name)) already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this experiment name again.")
        }
        throw MLflowError(.resourceAlreadyExists, "Experiment '\(existing.name)' already exists.")
    }

    /// `_get_experiment`: active or deleted, with its tags.
    func existingExperiment(_ id: String) throws -> Experiment {
        try WriteValidation.experimentID(id)
        guard let dir = experimentDirectory(id: id), let experiment = readExperiment(dir) else {
            throw MLflowError.notFound("Could not find experiment with ID \(id)")
        }
        return experiment
    }

    func experimentFolder(_ id: String) throws -> String {
        guard let dir = experimentDirectory(id: id) else {
            throw MLflowError.notFound("Could not find experiment with ID \(id)")
        }
        return dir.path
    }

    /// `dict(experiment)` as `overwrite_yaml` writes it; a new experiment's meta.yaml has no
    /// `tags` (they live in `tags/`), a rewritten one lists them.
    private func writeExperimentMeta(_ experiment: Experiment, in folder: String, withTags: Bool) throws {
        var meta: [String: YAMLValue] = [
            "artifact_location": .optional(experiment.artifactLocation),
            "creation_time": .optional(experiment.creationTime),
            "effective_trace_archival_retention": .null,
            "experiment_id": .string(experiment.experimentID),
            "last_update_time": .optional(experiment.lastUpdateTime),
            "lifecycle_stage": .string(experiment.lifecycleStage.rawValue),
            "name": .string(experiment.name),
            "trace_location": .null,
            "workspace": .string(experiment.workspace ?? "default"),
        ]
        if withTags {
            var tags: [String: YAMLValue] = [:]
            for tag in experiment.tags { tags[tag.key] = .string(tag.value) }
            meta["tags"] = .mapping(tags)
        }
        try StoreFiles.replace(folder + "/meta.yaml", with: YAMLEmitter.document(meta), scratchFolder: folder)
    }

    // MARK: MLflow's helpers

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `name_utils._generate_unique_integer_id`: the last 18 digits of a random number, each
    /// leading zero made up for by one more random digit, read as an integer.
    static func newExperimentID() -> String {
        var digits = (0..<18).map { _ in Character(String(Int.random(in: 0...9))) }
        let zeros = digits.prefix(while: { $0 == "0" }).count
        digits += (0..<zeros).map { _ in Character(String(Int.random(in: 0...9))) }
        let text = String(digits.drop(while: { $0 == "0" }))
        return text.isEmpty ? "0" : text
    }

    static func isExperimentID(_ id: String) -> Bool {
        !id.isEmpty && !id.contains("/") && !id.hasPrefix(".") && id != "models"
    }

    /// `uri.resolve_uri_if_local`: a path without a scheme becomes absolute; URIs stay.
    static func resolveIfLocal(_ location: String) -> String {
        if location.contains(":") && !location.hasPrefix("/") { return location }
        if location.hasPrefix("/") { return location }
        return FileManager.default.currentDirectoryPath + "/" + location
    }

    /// `uri.append_to_uri_path`.
    static func appendingPath(_ base: String, _ parts: String...) -> String {
        var out = base
        for part in parts {
            out += out.hasSuffix("/") ? part : "/" + part
        }
        return out
    }
}

extension FileStore {
    /// The store at `root` opened for writing; with `createIfMissing` a missing folder becomes a
    /// new store as MLflow's `FileStore.__init__` makes one (the Default experiment, `.trash`).
    public static func openForWriting(root: String, createIfMissing: Bool, artifactRoot: String?,
                                      warn: @escaping @Sendable (String) -> Void,
                                      cacheDirectory: String? = nil) throws -> FileStore {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        if createIfMissing && !PosixFiles.exists(absolute) {
            try createStore(root: absolute, artifactRoot: artifactRoot)
        }
        return try FileStore(root: absolute, warn: warn, cacheDirectory: cacheDirectory, artifactRoot: artifactRoot)
    }
}
