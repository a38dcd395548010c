import Tracking

/// Reads the files of one run directory `<experiment>/<run_id>/` (reference §2.2-§2.5). Each
/// reader touches only the files it needs, so a search can read just what its filter uses.
/// Problems with single files are reported through `warn` (with the path) and the file skipped.
struct RunDirectory {
    let path: String
    let experimentPath: String
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

    func params() -> [Param] { keyValues("params") }
    func tags() -> [Tag] { keyValues("tags") }

    func param(_ key: String) -> String? { value(folder: "params", key: key) }
    func tag(_ key: String) -> String? { value(folder: "tags", key: key) }

    /// All `key = file content` pairs under a folder, keys with `/` from sub-folders, sorted by key.
    func keyValues(_ folder: String) -> [KeyValue] {
        RunDirectory.keyValues(in: path + "/" + folder, warn: warn)
    }

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

    func value(folder: String, key: String) -> String? {
        guard RunDirectory.isSafeKey(key) else { return nil }
        return RunDirectory.readText(path + "/" + folder + "/" + key, warn: warn)
    }

    /// A file's content verbatim (reference §2.4: no trailing newline is added or removed).
    static func readText(_ file: String, warn: (String) -> Void) -> String? {
        switch PosixFiles.readFile(file) {
        case .content(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .missing, .isDirectory: return nil
        case .failed(let reason):
            warn("Skipping unreadable file \(file): \(reason)")
            return nil
        }
    }

    /// A key from a filter names a file below the run; it must not climb out of it.
    static func isSafeKey(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix("/")
            && !key.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    // MARK: metrics

    /// The latest value of every metric (one per key, sorted by key), each carrying the run id as
    /// a file-backed MLflow server returns it (`FileStore._get_metric_from_line` sets run_id).
    func latestMetrics(runID: String) -> [Metric] {
        let folder = path + "/metrics"
        var out: [Metric] = []
        PosixFiles.forEachFile(in: folder) { key, result in
            switch result {
            case .content(let bytes):
                if let metric = latest(bytes, file: folder + "/" + key, key: key, runID: runID) { out.append(metric) }
            case .missing, .isDirectory: break
            case .failed(let reason): warn("Skipping unreadable metric file \(folder)/\(key): \(reason)")
            }
        }
        return out.sorted { $0.key < $1.key }
    }

    func latestMetric(_ key: String, runID: String) -> Metric? {
        guard RunDirectory.isSafeKey(key) else { return nil }
        let file = path + "/metrics/" + key
        guard let bytes = metricBytes(file) else { return nil }
        return latest(bytes, file: file, key: key, runID: runID)
    }

    func latest(_ bytes: [UInt8], file: String, key: String, runID: String) -> Metric? {
        let latest = MetricFile.latest(bytes) { bad in
            warn("Skipping malformed line \(bad.number) of metric file \(file): \(bad.reason)")
        }
        guard let latest else {
            warn("Skipping metric file \(file): it holds no complete line")
            return nil
        }
        return latest.metric(key: key, runID: runID)
    }

    func metricBytes(_ file: String) -> [UInt8]? {
        switch PosixFiles.readFile(file) {
        case .content(let bytes): return bytes
        case .missing, .isDirectory: return nil
        case .failed(let reason):
            warn("Skipping unreadable metric file \(file): \(reason)")
            return nil
        }
    }

    // MARK: inputs and outputs

    /// `inputs/<id>/meta.yaml` records: datasets resolved through the experiment's
    /// `datasets/<id>/meta.yaml`, as `FileStore._get_dataset_inputs` does (a missing dataset is
    /// skipped with a warning there too). In directory order, as MLflow's `os.listdir` gives them.
    func inputs(dataset: (String) -> Dataset?) -> RunInputs {
        var inputs = RunInputs()
        let folder = path + "/inputs"
        guard let entries = PosixFiles.list(folder) else { return inputs }
        for entry in entries where entry.isDirectory {
            let metaPath = folder + "/" + entry.name + "/meta.yaml"
            guard let meta = RunDirectory.readMeta(metaPath, warn: warn) else { continue }
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
        let folder = path + "/outputs"
        guard let entries = PosixFiles.list(folder) else { return outputs }
        for entry in entries where entry.isDirectory {
            let metaPath = folder + "/" + entry.name + "/meta.yaml"
            guard let meta = RunDirectory.readMeta(metaPath, warn: warn),
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
        switch PosixFiles.readFile(file) {
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
