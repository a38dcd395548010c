import Tracking

/// Reads the files of one run directory `<experiment>/<run_id>/` (reference §2.2-§2.5). Each
/// reader touches only the files it needs, so a search can read just what its filter uses.
/// Files are opened relative to the run folder's descriptor `fd` (see `FileStore.withRunDirectory`);
/// `path` names them in warnings. Problems with single files are reported through `warn` and
/// the file skipped.
struct RunDirectory {
    let path: String
    let experimentPath: String
    let fd: Int32
    let warn: (String) -> Void

    // MARK: meta.yaml

    /// Parses a run meta.yaml as MLflow's `_read_persisted_run_info_dict` does. `run_name` is the
    /// raw field; the `mlflow.runName` fallback is applied by callers that have the tags.
    static func info(from meta: [String: YAMLNode], directoryName: String) throws -> RunInfo {
        guard let experimentID = meta["experiment_id"]?.string else {
            throw YAMLError(message: "no experiment_id", line: 1)
        }
        let runID = meta["run_id"]?.string ?? meta["run_uuid"]?.string ?? directoryName
        let status: RunStatus
        if let code = meta["status"]?.int64 {
            status = RunStatus(fileStoreCode: Int(code))
        } else if let name = meta["status"]?.string, let named = RunStatus(rawValue: name) {
            status = named
        } else {
            status = .running
        }
        return RunInfo(
            runID: runID,
            experimentID: experimentID,
            runName: meta["run_name"]?.string ?? "",
            userID: meta["user_id"]?.string ?? "",
            status: status,
            startTime: meta["start_time"]?.int64,
            endTime: meta["end_time"]?.int64,
            artifactURI: meta["artifact_uri"]?.string ?? "",
            lifecycleStage: meta["lifecycle_stage"]?.string == "deleted" ? .deleted : .active)
    }

    // MARK: params and tags

    func param(_ key: String) -> String? { value(folder: "params", key: key) }
    func tag(_ key: String) -> String? { value(folder: "tags", key: key) }

    /// A params or tags folder as read now: every `key = file content` pair (keys with `/`
    /// from sub-folders, in key order) with the stamps a cache needs, and whether it read cleanly.
    /// Param files are never rewritten, so they are not stamped one by one (`stampFiles`).
    func readKeyValues(_ folder: String, stampFiles: Bool) -> (folder: CachedFolder, clean: Bool) {
        readStamped(folder, stampFiles: stampFiles) { _, bytes, _ in .text(String(decoding: bytes, as: UTF8.self)) }
    }

    /// The metrics folder as read now: the latest value of every metric (MLflow's rule, see
    /// `MetricFile.latest`), with stamps, and whether every file read without a warning.
    func readLatestMetrics() -> (folder: CachedFolder, clean: Bool) {
        readStamped("metrics", stampFiles: true) { key, bytes, warn in
            latest(bytes, key: key, warn: warn).map { .metric($0) }
        }
    }

    /// Walks `folder` with stamps. Not clean when a file could not be read or parsed without a
    /// warning: such a read is not cached, so the warning comes again the next time.
    private func readStamped(_ folder: String, stampFiles: Bool,
                             _ parse: (String, [UInt8], @escaping (String) -> Void) -> CachedFolder.Value?) -> (folder: CachedFolder, clean: Bool) {
        var record = CachedFolder(folders: [], files: [])
        var clean = true
        let warn = self.warn
        let noting: (String) -> Void = { message in clean = false; warn(message) }
        let complete = withoutActuallyEscaping(parse) { parse in PosixFiles.walk(at: fd, folder, PosixFiles.Visitor(stampFolders: true, stampFiles: stampFiles, folder: { path, stamp in
            record.folders.append(CachedFolder.Folder(path: path, stamp: stamp))
            if stamp == nil { clean = false }
        }, file: { key, result, stamp in
            switch result {
            case .content(let bytes):
                guard let value = parse(key, bytes, noting), stamp != nil || !stampFiles else { clean = false; return }
                record.files.append(CachedFolder.File(key: key, stamp: stamp, value: value))
            case .missing, .isDirectory:
                clean = false  // removed while we read
            case .failed(let reason):
                noting("Skipping unreadable \(folder == "metrics" ? "metric file" : "file") \(path)/\(folder)/\(key): \(reason)")
            }
        })) }
        if !complete { clean = false }
        if record.folders.isEmpty { record.folders = [CachedFolder.Folder(path: "", stamp: nil)] }
        record.files.sort { $0.key < $1.key }
        return (record, clean)
    }

    /// The `key = file content` pairs of a folder (an experiment's tags), sorted by key.
    static func keyValues(in folder: String, warn: (String) -> Void) -> [KeyValue] {
        var out: [KeyValue] = []
        PosixFiles.forEachFile(in: folder) { key, result in
            switch result {
            case .content(let bytes): out.append(KeyValue(key, String(decoding: bytes, as: UTF8.self)))
            case .missing, .isDirectory: break
            case .failed(let reason): warn("Skipping unreadable file \(folder)/\(key): \(reason)")
            }
        }
        return out.sorted { $0.key < $1.key }
    }

    /// A file's content verbatim (reference §2.4: no trailing newline is added or removed).
    func value(folder: String, key: String) -> String? {
        guard RunDirectory.isSafeKey(key) else { return nil }
        let file = folder + "/" + key
        switch PosixFiles.readFile(at: fd, file) {
        case .content(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .missing, .isDirectory: return nil
        case .failed(let reason):
            warn("Skipping unreadable file \(path)/\(file): \(reason)")
            return nil
        }
    }

    /// A key from a filter names a file below the run; it must not climb out of it.
    static func isSafeKey(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix("/")
            && !key.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    // MARK: metrics

    func latestMetric(_ key: String, runID: String) -> Metric? {
        guard RunDirectory.isSafeKey(key) else { return nil }
        switch PosixFiles.readFile(at: fd, "metrics/" + key) {
        case .content(let bytes): return latest(bytes, key: key, warn: warn)?.metric(key: key, runID: runID)
        case .missing, .isDirectory: return nil
        case .failed(let reason):
            warn("Skipping unreadable metric file \(path)/metrics/\(key): \(reason)")
            return nil
        }
    }

    func latest(_ bytes: [UInt8], key: String, warn: (String) -> Void) -> MetricFile.Line? {
        func file() -> String { "\(path)/metrics/\(key)" }  // built only for a warning
        let latest = MetricFile.latest(bytes) { bad in
            warn("Skipping malformed line \(bad.number) of metric file \(file()): \(bad.reason)")
        }
        guard let latest else {
            warn("Skipping metric file \(file()): it holds no complete line")
            return nil
        }
        return latest
    }

    // MARK: inputs and outputs

    /// `inputs/<id>/meta.yaml` records: datasets resolved through the experiment's
    /// `datasets/<id>/meta.yaml`, as `FileStore._get_dataset_inputs` does (a missing dataset is
    /// skipped with a warning there too). In directory order, as MLflow's `os.listdir` gives them.
    func inputs(dataset: (String) -> Dataset?) -> RunInputs {
        var inputs = RunInputs()
        guard let entries = PosixFiles.list(at: fd, "inputs") else { return inputs }
        for entry in entries where entry.isDirectory {
            let metaPath = path + "/inputs/" + entry.name + "/meta.yaml"
            guard let meta = RunDirectory.readMeta(at: fd, "inputs/" + entry.name + "/meta.yaml", path: metaPath, warn: warn) else { continue }
            let sourceID = meta["source_id"]?.string ?? ""
            switch meta["source_type"]?.string {
            case "DATASET":
                guard let found = dataset(experimentPath + "/datasets/" + sourceID + "/meta.yaml") else {
                    warn("Skipping input \(metaPath): dataset '\(sourceID)' not found in \(experimentPath)/datasets")
                    continue
                }
                let tags = (meta["tags"]?.mapping ?? [:]).compactMap { key, value in
                    value.string.map { KeyValue(key, $0) }
                }.sorted { $0.key < $1.key }
                inputs.datasetInputs.append(DatasetInput(tags: tags, dataset: found))
            case "MODEL":
                inputs.modelInputs.append(ModelIO(modelID: sourceID))
            default:
                continue
            }
        }
        return inputs
    }

    /// Model outputs in directory order, as MLflow lists them.
    func outputs() -> RunOutputs {
        var outputs = RunOutputs()
        guard let entries = PosixFiles.list(at: fd, "outputs") else { return outputs }
        for entry in entries where entry.isDirectory {
            let metaPath = path + "/outputs/" + entry.name + "/meta.yaml"
            guard let meta = RunDirectory.readMeta(at: fd, "outputs/" + entry.name + "/meta.yaml", path: metaPath, warn: warn),
                  meta["destination_type"]?.string == "MODEL_OUTPUT",
                  let modelID = meta["destination_id"]?.string else { continue }
            outputs.modelOutputs.append(ModelIO(modelID: modelID, step: meta["step"]?.int64))
        }
        return outputs
    }

    static func dataset(from meta: [String: YAMLNode]) -> Dataset? {
        guard let name = meta["name"]?.string, let digest = meta["digest"]?.string else { return nil }
        return Dataset(name: name, digest: digest, sourceType: meta["source_type"]?.string ?? "",
                       source: meta["source"]?.string ?? "", schema: meta["schema"]?.string,
                       profile: meta["profile"]?.string)
    }

    /// Reads and parses a meta.yaml; missing, empty or unparsable files are reported and give nil.
    static func readMeta(_ file: String, warn: (String) -> Void) -> [String: YAMLNode]? {
        readMeta(PosixFiles.readFile(file), path: file, warn: warn)
    }

    /// `readMeta` of `name` relative to the directory open at `base` (`path` for warnings).
    static func readMeta(at base: Int32, _ name: String, path: String, warn: (String) -> Void) -> [String: YAMLNode]? {
        readMeta(PosixFiles.readFile(at: base, name), path: path, warn: warn)
    }

    /// Parses what reading a meta.yaml gave.
    static func readMeta(_ result: PosixFiles.ReadResult, path file: String, warn: (String) -> Void) -> [String: YAMLNode]? {
        switch result {
        case .content(let bytes):
            do {
                return try MetaYAML.parse(bytes)
            } catch {
                warn("Skipping \(file): \(bytes.isEmpty ? "empty file" : "unreadable YAML (\(error))")")
                return nil
            }
        case .missing:
            warn("Skipping \(file.dropLast("/meta.yaml".count)): no meta.yaml")
            return nil
        case .isDirectory:
            warn("Skipping \(file): is a directory")
            return nil
        case .failed(let reason):
            warn("Skipping unreadable file \(file): \(reason)")
            return nil
        }
    }
}
