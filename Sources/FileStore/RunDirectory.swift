import Tracking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the files of one run directory `<experiment>/<run_id>/` as `FileStore._get_run_info`,
/// `_get_all_metrics`, `_get_all_params`, `_get_all_tags` and `_get_all_inputs` do. Each reader
/// touches only the files it needs, so a search can read just what its filter uses. Files are
/// opened relative to the run folder's descriptor `fd` (see `FileStore.withRunDirectory`); `path`
/// names them in warnings. Problems with single files are reported through `warn` and the file
/// skipped.
struct RunDirectory {
    let path: String
    let experimentPath: String
    let fd: Int32
    /// Where links below the run may lead (see `PosixFiles.LinkPolicy`).
    let links: PosixFiles.LinkPolicy
    let warn: (String) -> Void
    /// The store's memo, for what earlier reads of metric files found (nil: read every file whole).
    var memo: Locked<FileStore.Memo>? = nil

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
        readStamped(folder, stampFiles: stampFiles) { key, found, _, warn in
            switch found.read(limit: PosixFiles.valueLimit) {
            case .content(let bytes): return .text(String(decoding: bytes, as: UTF8.self))
            case .refused(let reason): warn("Skipping \(path)/\(folder)/\(key): \(reason)")
            case .failed(let reason): warn("Skipping unreadable file \(path)/\(folder)/\(key): \(reason)")
            case .missing, .isDirectory: break
            }
            return nil
        }
    }

    /// The metrics folder as read now: the latest value of every metric (MLflow's rule, see
    /// `MetricFile.latest`), with stamps, and whether every file read without a warning. Each
    /// file is streamed (`MetricFile.latest(reading:)`), never held whole in memory.
    func readLatestMetrics() -> (folder: CachedFolder, clean: Bool) {
        readStamped("metrics", stampFiles: true) { key, found, stamp, warn in
            latest(found, key: key, stamp: stamp, warn: warn).map { .metric($0) }
        }
    }

    /// Walks `folder` with stamps. Not clean when a file or folder could not be read, or was
    /// parsed or skipped with a warning: such a read is not cached, so the warning comes again
    /// the next time.
    private func readStamped(_ folder: String, stampFiles: Bool,
                             _ parse: (String, PosixFiles.Found, PosixFiles.Stamp?, @escaping (String) -> Void) -> CachedFolder.Value?) -> (folder: CachedFolder, clean: Bool) {
        var record = CachedFolder(folders: [], files: [])
        var clean = true
        let warn = self.warn
        let noting: (String) -> Void = { message in clean = false; warn(message) }
        let top = path + "/" + folder
        let complete = withoutActuallyEscaping(parse) { parse in
            PosixFiles.walk(at: fd, folder, path: top, PosixFiles.Visitor(stampFolders: true, stampFiles: stampFiles, links: links, folder: { path, stamp in
                record.folders.append(CachedFolder.Folder(path: path, stamp: stamp))
                if stamp == nil { clean = false }
            }, problem: { relative, reason in
                noting("Skipping folder \(relative.isEmpty ? top : top + "/" + relative): \(reason)")
            }, file: { key, found, stamp in
                if case .failed(.missing) = found { clean = false; return }  // removed while we read
                guard let value = parse(key, found, stamp, noting), stamp != nil || !stampFiles else { clean = false; return }
                record.files.append(CachedFolder.File(key: key, stamp: stamp, value: value))
            }))
        }
        if !complete { clean = false }
        if record.folders.isEmpty { record.folders = [CachedFolder.Folder(path: "", stamp: nil)] }
        record.files.sort { $0.key < $1.key }
        return (record, clean)
    }

    /// The `key = file content` pairs of a folder (an experiment's tags), sorted by key.
    static func keyValues(in folder: String, links: PosixFiles.LinkPolicy, warn: (String) -> Void) -> [KeyValue] {
        var out: [KeyValue] = []
        PosixFiles.forEachFile(in: folder, links: links, problem: { relative, reason in
            warn("Skipping folder \(relative.isEmpty ? folder : folder + "/" + relative): \(reason)")
        }) { key, result in
            switch result {
            case .content(let bytes): out.append(KeyValue(key, String(decoding: bytes, as: UTF8.self)))
            case .missing, .isDirectory: break
            case .refused(let reason): warn("Skipping \(folder)/\(key): \(reason)")
            case .failed(let reason): warn("Skipping unreadable file \(folder)/\(key): \(reason)")
            }
        }
        return out.sorted { $0.key < $1.key }
    }

    /// A file's content verbatim: `FileStore._log_run_param` writes no trailing newline and
    /// `_get_param_from_file` reads the whole file back.
    func value(folder: String, key: String) -> String? {
        guard RunDirectory.isSafeKey(key) else { return nil }
        let opened = PosixFiles.openKeyFile(at: fd, folder: folder, key: key, path: path, links: links)
        let result: PosixFiles.ReadResult
        switch opened {
        case .file(let file, _): result = PosixFiles.readAndClose(file, limit: PosixFiles.valueLimit)
        case .failed(let failure): result = failure
        }
        switch result {
        case .content(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .missing, .isDirectory: return nil
        case .refused(let reason):
            warn("Skipping \(path)/\(folder)/\(key): \(reason)")
            return nil
        case .failed(let reason):
            warn("Skipping unreadable file \(path)/\(folder)/\(key): \(reason)")
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
        let opened = PosixFiles.openKeyFile(at: fd, folder: "metrics", key: key, path: path, links: links)
        defer { if case .file(let file, _) = opened { close(file) } }
        switch opened {
        case .file(let file, _): return latest(.open(file), key: key, warn: warn)?.metric(key: key, runID: runID)
        case .failed(let result): return latest(.failed(result), key: key, warn: warn)?.metric(key: key, runID: runID)
        }
    }

    /// The latest line of a metric file a walk or a lookup found, streamed; nil (with a
    /// warning) when it could not be read or holds no well-formed line.
    func latest(_ found: PosixFiles.Found, key: String, stamp: PosixFiles.Stamp? = nil, warn: (String) -> Void) -> MetricFile.Line? {
        func file() -> String { "\(path)/metrics/\(key)" }  // built only for a warning
        let fd: Int32
        switch found {
        case .open(let open): fd = open
        case .failed(.refused(let reason)): warn("Skipping metric file \(file()): \(reason)"); return nil
        case .failed(.failed(let reason)): warn("Skipping unreadable metric file \(file()): \(reason)"); return nil
        case .failed: return nil
        }
        // A metric file only grows (`FileStore._log_run_metric` appends): what an earlier read
        // found is carried over and only the bytes appended since are read.
        // The walk stamped the open file; a lookup by key stamps it here.
        let status = memo == nil ? nil : stamp ?? PosixFiles.stamp(of: fd)
        let known = status == nil ? nil : memo?.withLock({ $0.latestSoFar[file()] })
        let resumed = known.flatMap { known -> FileStore.LatestSoFar? in
            guard let status, known.inode == status.inode, Int(status.size) >= known.end,
                  HistoryCursors.fingerprint(fd: fd, before: known.end) == known.fingerprint,
                  lseek(fd, off_t(known.end), SEEK_SET) == off_t(known.end) else { return nil }
            return known
        }
        let (latest, error, read, tail) = MetricFile.latest(reading: fd, seed: resumed?.best) { bad in
            let place = resumed.map { "line \(bad.number) after byte \($0.end)" } ?? "line \(bad.number)"
            warn("Skipping malformed \(place) of metric file \(file()): \(bad.reason)")
        }
        if error == nil, let latest, tail.last ?? 0x0A == 0x0A, let memo, let status {
            // The 32 bytes before the new end: the last ones read, after those before the resume.
            let kept = FileStore.LatestSoFar(inode: status.inode, end: (resumed?.end ?? 0) + read, best: latest,
                                             fingerprint: Array(((resumed?.fingerprint ?? []) + tail).suffix(32)))
            memo.withLock { $0.keep(file(), kept) }
        }
        if let error {
            warn("Skipping unreadable metric file \(file()): \(error)")
            return nil
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
        let (listed, problem) = PosixFiles.listing(at: fd, "inputs")
        if let problem { warn("Skipping folder \(path)/inputs: \(problem)") }
        guard let entries = listed else { return inputs }
        for entry in entries where entry.isDirectory && followable(entry, in: "inputs") {
            let metaPath = path + "/inputs/" + entry.name + "/meta.yaml"
            guard let meta = RunDirectory.readMeta(at: fd, "inputs/" + entry.name + "/meta.yaml", path: metaPath, links: links, warn: warn) else { continue }
            let sourceID = meta["source_id"]?.string ?? ""
            // The id names a folder of the experiment: it must not climb out of it.
            guard !sourceID.contains("/"), sourceID != "..", sourceID != "." else {
                warn("Skipping input \(metaPath): source_id '\(sourceID)' is not a dataset id")
                continue
            }
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
        let (listed, problem) = PosixFiles.listing(at: fd, "outputs")
        if let problem { warn("Skipping folder \(path)/outputs: \(problem)") }
        guard let entries = listed else { return outputs }
        for entry in entries where entry.isDirectory && followable(entry, in: "outputs") {
            let metaPath = path + "/outputs/" + entry.name + "/meta.yaml"
            guard let meta = RunDirectory.readMeta(at: fd, "outputs/" + entry.name + "/meta.yaml", path: metaPath, links: links, warn: warn),
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

    /// A folder entry of the run that is a link: followed only where the policy allows.
    private func followable(_ entry: PosixFiles.Entry, in folder: String) -> Bool {
        guard entry.isLink else { return true }
        if case .failure(let refusal) = links.target(of: path + "/" + folder + "/" + entry.name) {
            warn("Skipping \(path)/\(folder)/\(entry.name): \(refusal.reason)")
            return false
        }
        return true
    }

    /// Reads and parses a meta.yaml; missing, empty or unparsable files are reported and give nil.
    static func readMeta(_ file: String, links: PosixFiles.LinkPolicy, warn: (String) -> Void) -> [String: YAMLNode]? {
        readMeta(PosixFiles.readRegular(at: AT_FDCWD, file, path: { file }, links: links), path: file, warn: warn)
    }

    /// `readMeta` of `name` relative to the directory open at `base` (`path` for warnings and
    /// links).
    static func readMeta(at base: Int32, _ name: String, path: String, links: PosixFiles.LinkPolicy, warn: (String) -> Void) -> [String: YAMLNode]? {
        readMeta(PosixFiles.readRegular(at: base, name, path: { path }, links: links), path: path, warn: warn)
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
        case .refused(let reason):
            warn("Skipping \(file): \(reason)")
            return nil
        }
    }
}
