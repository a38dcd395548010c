import Foundation
import Artifacts
import Tracking

/// Reads an MLflow file store (`mlruns/`) as MLflow 3.17.2's `FileStore`
/// (`mlflow/store/tracking/file_store.py`) lays it out and answers. Corrupt or half-written files
/// are skipped with a warning naming the path (through `warn`, once per message) instead of failing
/// the whole store.
///
/// Speed (10k runs = ~400k small files): POSIX I/O only; run directory listings and parsed run
/// meta.yaml files are cached for the life of the object and revalidated with one stat each;
/// a search reads only the files its filter and order touch, then loads full runs for the page.
public final class FileStore: TrackingStore, Sendable {
    public let root: String
    public var uri: String { "file://" + root }
    /// `root` with every link resolved: links inside the store may only lead below it (or below
    /// their own experiment's folder, see `PosixFiles.LinkPolicy`).
    let resolvedRoot: String

    private let warnSink: @Sendable (String) -> Void
    /// What this object read before, each entry checked by its stamp before use.
    let memo = Locked(Memo())
    /// What earlier reads found in each run folder, checked by stamps before use (see RunCache).
    private let runCache: RunCache
    /// Where new experiments keep artifacts when none is given (see FileStoreWriter.swift).
    let artifactRoot: String?
    /// One write at a time in this process (param immutability and name checks, then the write).
    let writeLock = NSLock()

    /// `cacheDirectory`: where to keep the run cache between processes (outside the store);
    /// nil keeps it in memory only.
    /// `artifactRoot`: for writes, the default artifact root of new experiments (nil: the store's
    /// folder, as MLflow's client writing a file store directly resolves it).
    public init(root: String, warn: @escaping @Sendable (String) -> Void, cacheDirectory: String? = nil,
                artifactRoot: String? = nil) throws {
        var path = root
        if !path.hasPrefix("/") {
            path = FileManager.default.currentDirectoryPath + "/" + path
        }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard PosixFiles.isDirectory(path) else {
            guard PosixFiles.exists(path) else {
                throw MLflowError.notFound("No store at '\(path)': no such file or folder (a file store is a folder such as ./mlruns, an SQLite store a file: sqlite:///path.db)")
            }
            throw MLflowError.notFound("File store '\(path)' is not a directory")
        }
        self.root = path
        self.resolvedRoot = PosixFiles.resolve(path) ?? path
        self.warnSink = warn
        self.runCache = RunCache(directory: cacheDirectory)
        self.artifactRoot = artifactRoot
    }

    /// How many meta.yaml and run-data reads the run cache answered (for tests).
    var runCacheHits: Int { runCache.hits }

    /// The cache directory for a store opened by a user (see `RunCache.defaultDirectory`).
    public static func defaultCacheDirectory(environment: [String: String]) -> String? {
        RunCache.defaultDirectory(environment: environment)
    }

    struct Memo {
        /// Problems already reported.
        var warned: Set<String> = []
        var listings: [String: (stamp: PosixFiles.Stamp, runs: [String])] = [:]
        var metas: [String: (stamp: PosixFiles.Stamp, info: RunInfo?)] = [:]
        var datasets: [String: Dataset] = [:]
        var historyCursors = HistoryCursors()
        /// Best-of summaries per metric file (see `FileStore.metricSummaries`).
        var summaries: [String: CachedSummary] = [:]
        /// The latest value of each metric file read, to resume from (`RunDirectory.latest`).
        var latestSoFar: [String: LatestSoFar] = [:]

        mutating func keep(_ file: String, _ found: LatestSoFar) {
            if latestSoFar.count >= 8192, latestSoFar[file] == nil { latestSoFar.removeAll() }
            latestSoFar[file] = found
        }
    }

    /// A metric file's latest line over its first `end` bytes (which end a line), with the
    /// inode and the bytes before `end` that prove a later read sees the same file, only longer.
    struct LatestSoFar {
        var inode: UInt64
        var end: Int
        var best: MetricFile.Line
        var fingerprint: [UInt8]
    }

    /// Reports each distinct problem once: the UI searches again on every keystroke.
    func warn(_ message: String) {
        if memo.withLock({ $0.warned.insert(message).inserted }) { warnSink(message) }
    }

    /// Where links below the experiment folder `experimentPath` may lead.
    func links(_ experimentPath: String?) -> PosixFiles.LinkPolicy {
        PosixFiles.LinkPolicy(root: resolvedRoot, experiment: experimentPath)
    }

    // MARK: experiments

    struct ExperimentDirectory {
        var id: String
        var path: String
    }

    /// Active experiments are the folders of the root except `.trash` and `models` (the model
    /// registry); deleted ones the folders of `.trash` (`FileStore._get_active_experiments`,
    /// `_get_deleted_experiments`).
    func experimentDirectories(_ view: ViewType) -> [ExperimentDirectory] {
        var out: [ExperimentDirectory] = []
        if view != .deletedOnly, let entries = listing(root) {
            for entry in entries.sorted(by: { $0.name < $1.name })
            where entry.isDirectory && !entry.name.hasSuffix(".trash") && entry.name != "models" && !entry.name.hasPrefix(".")
                && followable(entry, in: root) {
                out.append(ExperimentDirectory(id: entry.name, path: root + "/" + entry.name))
            }
        }
        if view != .activeOnly, let entries = listing(root + "/.trash") {
            for entry in entries.sorted(by: { $0.name < $1.name }) where entry.isDirectory && !entry.name.hasPrefix(".")
                && followable(entry, in: root + "/.trash") {
                out.append(ExperimentDirectory(id: entry.name, path: root + "/.trash/" + entry.name))
            }
        }
        return out
    }

    /// The entries of a folder of the store; a folder that exists but cannot be listed is reported.
    private func listing(_ folder: String) -> [PosixFiles.Entry]? {
        let (entries, problem) = PosixFiles.listing(folder)
        if let problem { warn("Skipping folder \(folder): \(problem)") }
        return entries
    }

    /// Whether an experiment folder entry may be used: a link only when it does not loop.
    private func followable(_ entry: PosixFiles.Entry, in parent: String) -> Bool {
        guard entry.isLink else { return true }
        if case .failure(let refusal) = PosixFiles.experimentLink(parent + "/" + entry.name) {
            warn("Skipping \(parent)/\(entry.name): \(refusal.reason)")
            return false
        }
        return true
    }

    /// The folder of an experiment id: the root first, then `.trash` (`_get_experiment_path`).
    func experimentDirectory(id: String) -> ExperimentDirectory? {
        guard !id.isEmpty, !id.contains("/"), !id.hasPrefix("."), id != "models" else { return nil }
        for parent in [root, root + "/.trash"] where PosixFiles.isDirectory(parent + "/" + id) {
            if PosixFiles.isLink(parent + "/" + id), case .failure(let refusal) = PosixFiles.experimentLink(parent + "/" + id) {
                warn("Skipping \(parent)/\(id): \(refusal.reason)")
                return nil
            }
            return ExperimentDirectory(id: id, path: parent + "/" + id)
        }
        return nil
    }

    /// An experiment from its folder, or nil (with a warning) when its meta.yaml is missing,
    /// empty or names another id: MLflow skips those too (`_get_experiment`).
    func readExperiment(_ dir: ExperimentDirectory) -> Experiment? {
        let metaPath = dir.path + "/meta.yaml"
        guard let meta = RunDirectory.readMeta(metaPath, links: links(dir.path), warn: warn) else { return nil }
        guard let id = meta["experiment_id"]?.string else {
            warn("Skipping experiment \(dir.path): meta.yaml has no experiment_id")
            return nil
        }
        guard id == dir.id else {
            warn("Skipping experiment \(dir.path): meta.yaml records experiment_id '\(id)'")
            return nil
        }
        return Experiment(
            experimentID: id,
            name: meta["name"]?.string ?? "",
            artifactLocation: meta["artifact_location"]?.string,
            lifecycleStage: meta["lifecycle_stage"]?.string == "deleted" ? .deleted : .active,
            creationTime: meta["creation_time"]?.int64,
            lastUpdateTime: meta["last_update_time"]?.int64,
            tags: RunDirectory.keyValues(in: dir.path + "/tags", links: links(dir.path), warn: warn),
            // Absent in stores written before MLflow 3.x workspaces: MLflow answers "default".
            workspace: meta["workspace"]?.string ?? "default")
    }

    public func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> {
        try await BlockingWork.run { try self.searchExperiments(request) }
    }

    private func searchExperiments(_ request: ExperimentSearch) throws -> Page<Experiment> {
        guard request.maxResults >= 1 else {
            throw MLflowError.invalidParameter("Invalid value \(request.maxResults) for parameter 'max_results' supplied. It must be a positive integer")
        }
        guard request.maxResults <= RunSearch.maxResultsLimit else {
            throw MLflowError.invalidParameter("Invalid value \(request.maxResults) for parameter 'max_results' supplied. It must be at most \(RunSearch.maxResultsLimit)")
        }
        let filter = try SearchGrammar.parseExperimentFilter(request.filter)
        let order = try SearchGrammar.parseExperimentOrderBy(request.orderBy)
        let offset = try PageToken.offset(request.pageToken)
        var experiments = experimentDirectories(request.viewType).compactMap(readExperiment)
        if !filter.isEmpty { experiments = experiments.filter { SearchEvaluator.matches($0, filter) } }
        SearchEvaluator.sort(&experiments, by: order)
        let window = PageToken.window(total: experiments.count, offset: offset, maxResults: request.maxResults)
        return Page(items: Array(experiments[window.range]), nextPageToken: window.next)
    }

    public func getExperiment(id: String) async throws -> Experiment {
        try await BlockingWork.run { try self.experiment(id: id) }
    }

    private func experiment(id: String) throws -> Experiment {
        guard let dir = experimentDirectory(id: id), let experiment = readExperiment(dir) else {
            throw MLflowError.notFound("Could not find experiment with ID \(id)")  // the file store's own wording
        }
        return experiment
    }

    public func getExperimentByName(_ name: String) async throws -> Experiment {
        try await BlockingWork.run { try self.experiment(named: name) }
    }

    private func experiment(named name: String) throws -> Experiment {
        // MLflow searches ALL view types with `name = '<name>'` in the default order.
        var found = experimentDirectories(.all).compactMap(readExperiment).filter { $0.name == name }
        found.sort { a, b in
            if a.creationTime != b.creationTime { return (a.creationTime ?? .min) > (b.creationTime ?? .min) }
            return a.experimentID < b.experimentID
        }
        guard let experiment = found.first else {
            throw MLflowError.notFound("Could not find experiment with name '\(name)'")
        }
        return experiment
    }

    // MARK: run index

    /// The run folder names of an experiment folder, cached until the folder changes.
    /// Reserved folders (`tags`, `datasets`, `traces`, `models`) are not runs; a stray file
    /// where a run folder should be is reported.
    func runDirectoryNames(_ experimentPath: String) -> [String] {
        guard let stamp = PosixFiles.stamp(experimentPath) else { return [] }
        if let cached = memo.withLock({ $0.listings[experimentPath] }), cached.stamp == stamp { return cached.runs }
        var runs: [String] = []
        // A folder that could not be listed is not remembered as empty (a chmod does not change
        // the stamp).
        guard let entries = listing(experimentPath) else { return [] }
        for entry in entries {
            if entry.isDirectory {
                guard !["tags", "datasets", "traces", "models"].contains(entry.name) else { continue }
                if entry.isLink, case .failure(let refusal) = links(experimentPath).target(of: experimentPath + "/" + entry.name) {
                    warn("Skipping \(experimentPath)/\(entry.name): \(refusal.reason)")
                    continue
                }
                runs.append(entry.name)
            } else if entry.name != "meta.yaml" && !entry.name.hasPrefix(".") {
                warn("Skipping \(experimentPath)/\(entry.name): a file where a run folder is expected")
            }
        }
        memo.withLock { $0.listings[experimentPath] = (stamp, runs) }
        return runs
    }

    /// A run's meta.yaml as RunInfo, cached while the file is unchanged (MLflow rewrites it as
    /// a whole on every update). nil, with a warning, for a missing, empty or corrupt file.
    /// `name` is the run folder's name, relative to the directory open at `base` (the
    /// experiment folder, or AT_FDCWD with `runPath` itself).
    func runInfo(at base: Int32, _ relativeRun: String, experimentPath: String, name: String) -> RunInfo? {
        readRunInfo(at: base, relativeRun, experimentPath: experimentPath, name: name).info
    }

    /// How long, and with what pause between reads, a run meta.yaml found empty or cut short
    /// just after it was modified is read again: MLflow rewrites it in place on every update
    /// (`FileStore._overwrite_run_info` truncates, then writes), and its own reader retries such
    /// a read too (`FileStore._read_yaml`: twice, after 0.1 s and 0.2 s). A client logging in a
    /// loop on a busy machine leaves it empty a good part of the time, so this tries more often
    /// and for longer; a file that stays broken is reported, and one not modified in the last
    /// seconds at once.
    static let metaRetryBudget: useconds_t = 1_000_000
    static let metaRetryPause: useconds_t = 10_000

    /// `runInfo`, with the warning given when it is nil (`missing`: there is no meta.yaml).
    func readRunInfo(at base: Int32, _ relativeRun: String, experimentPath: String,
                     name: String) -> (info: RunInfo?, problem: String?, missing: Bool) {
        let runPath = experimentPath + "/" + name
        let metaName = relativeRun + "/meta.yaml"
        let cached = memo.withLock { $0.metas[runPath] }
        // Revalidating a known file is one stat; reading it anew only when it changed.
        if let cached, let stamp = PosixFiles.stamp(at: base, metaName), cached.stamp == stamp {
            return (cached.info, cached.info == nil ? "\(runPath)/meta.yaml cannot be read" : nil, false)
        }
        if cached == nil, let kept = runCache.run(name, in: experimentPath)?.meta,
           let stamp = PosixFiles.stamp(at: base, metaName), kept.stamp == stamp {
            memo.withLock { $0.metas[runPath] = (stamp, kept.info) }
            runCache.noteHit()
            return (kept.info, nil, false)
        }
        var waited: useconds_t = 0
        while true {
            let read = readRunMeta(at: base, metaName, runPath: runPath, experimentPath: experimentPath, name: name)
            if read.mayBeBeingWritten, waited < Self.metaRetryBudget {
                usleep(Self.metaRetryPause)
                waited += Self.metaRetryPause
                continue
            }
            if let problem = read.problem { warn(problem) }
            guard let stamp = read.stamp else { return (nil, read.problem, read.missing) }
            // An empty file is most likely being written right now: do not cache that.
            if read.info != nil || stamp.size > 0 {
                memo.withLock { $0.metas[runPath] = (stamp, read.info) }
            }
            if let info = read.info, stamp.mtimeSeconds < RunCache.settledBefore() {
                runCache.update(name, in: experimentPath) { $0.meta = (stamp, info) }
            }
            return (read.info, read.problem, false)
        }
    }

    /// One read of a run meta.yaml: the RunInfo, or the warning, and whether the file looks
    /// like one being rewritten right now (empty or unparsable, and modified just now).
    private func readRunMeta(at base: Int32, _ metaName: String, runPath: String, experimentPath: String,
                             name: String) -> (info: RunInfo?, stamp: PosixFiles.Stamp?, problem: String?, missing: Bool, mayBeBeingWritten: Bool) {
        let metaPath = runPath + "/meta.yaml"
        let fd: Int32, stamp: PosixFiles.Stamp
        switch PosixFiles.openRegular(at: base, metaName, path: { metaPath }, links: links(experimentPath)) {
        case .file(let file, let info):
            fd = file
            stamp = PosixFiles.Stamp(info)
        case .failed(.missing):
            return (nil, nil, "Skipping run folder \(runPath): no meta.yaml", true, false)
        case .failed(.failed(let reason)):
            return (nil, nil, "Skipping run folder \(runPath): cannot read meta.yaml: \(reason)", false, false)
        case .failed(.refused(let reason)):
            return (nil, nil, "Skipping run folder \(runPath): meta.yaml is \(reason)", false, false)
        case .failed:
            return (nil, nil, "Skipping run folder \(runPath): meta.yaml is a directory", false, false)
        }
        let recent = stamp.mtimeSeconds >= RunCache.settledBefore()
        switch PosixFiles.readAndClose(fd, limit: PosixFiles.valueLimit) {
        case .content(let bytes):
            guard !bytes.isEmpty else { return (nil, stamp, "Skipping \(metaPath): empty file", false, recent) }
            do {
                let meta = try MetaYAML.parse(bytes)
                do {
                    return (try RunDirectory.info(from: meta, directoryName: name), stamp, nil, false, false)
                } catch {
                    return (nil, stamp, "Skipping run folder \(runPath): meta.yaml has no experiment_id", false, recent)
                }
            } catch {
                return (nil, stamp, "Skipping \(metaPath): unreadable YAML (\(error))", false, recent)
            }
        case .failed(let reason):
            return (nil, stamp, "Skipping run folder \(runPath): cannot read meta.yaml: \(reason)", false, false)
        case .refused(let reason):
            return (nil, stamp, "Skipping run folder \(runPath): meta.yaml is \(reason)", false, false)
        case .missing, .isDirectory:
            return (nil, stamp, "Skipping run folder \(runPath): no meta.yaml", false, false)
        }
    }

    struct IndexedRun {
        var info: RunInfo
        var path: String
        var experimentPath: String

        /// The run folder's name.
        var name: String { String(path.dropFirst(experimentPath.count + 1)) }
    }

    /// The runs of the given experiments in the view, from meta.yaml only. Unknown experiment
    /// ids are dropped silently, as MLflow does; runs recording another experiment id are skipped.
    func indexedRuns(experimentIDs: [String], view: ViewType) -> [IndexedRun] {
        var seen = Set<String>()
        var out: [IndexedRun] = []
        for id in experimentIDs where seen.insert(id).inserted {
            guard let dir = experimentDirectory(id: id) else { continue }
            let names = runDirectoryNames(dir.path)
            let experimentFD = PosixFiles.openDirectory(dir.path)
            defer { if experimentFD >= 0 { close(experimentFD) } }
            let infos = parallelMap(names.count) { i in
                self.runInfo(at: experimentFD, names[i], experimentPath: dir.path, name: names[i])
            }
            for (i, info) in infos.enumerated() {
                guard let info else { continue }
                guard info.experimentID == id else {
                    warn("Skipping run \(dir.path)/\(names[i]): meta.yaml records experiment_id '\(info.experimentID)'")
                    continue
                }
                if view.includes(info.lifecycleStage) {
                    out.append(IndexedRun(info: info, path: dir.path + "/" + names[i], experimentPath: dir.path))
                }
            }
        }
        return out
    }

    /// Calls `body` with the run's folder open: its files are then opened relative to it.
    /// With `open` false no file is read through it (nothing to open the folder for).
    /// `experiments` holds experiment folders open for this search (see `openExperiments`):
    /// the run folder is then found by its name alone, not by a walk of its whole path.
    func withRunDirectory<T>(_ run: IndexedRun, in experiments: [String: Int32] = [:], open: Bool = true,
                             _ body: (RunDirectory) -> T) -> T {
        var fd: Int32 = -1
        if open, let base = experiments[run.experimentPath], base >= 0 {
            fd = openat(base, run.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } else if open {
            fd = PosixFiles.openDirectory(run.path)
        }
        defer { if fd >= 0 { close(fd) } }
        return body(RunDirectory(path: run.path, experimentPath: run.experimentPath, fd: fd,
                                 links: links(run.experimentPath), warn: warn, memo: memo))
    }

    func cachedDataset(_ metaPath: String) -> Dataset? {
        if let cached = memo.withLock({ $0.datasets[metaPath] }) { return cached }
        let experiment = metaPath.range(of: "/datasets/", options: .backwards).map { String(metaPath[..<$0.lowerBound]) }
        guard let meta = RunDirectory.readMeta(metaPath, links: links(experiment), warn: warn),
              let dataset = RunDirectory.dataset(from: meta) else {
            return nil
        }
        memo.withLock { $0.datasets[metaPath] = dataset }
        return dataset
    }

    /// Everything of one run, as `FileStore._get_run_from_info` assembles it.
    func loadRun(_ run: IndexedRun, in experiments: [String: Int32] = [:]) -> Run {
        withRunDirectory(run, in: experiments) { loadRun(run, files: $0) }
    }

    /// Opens the experiment folders of `runs` for one search; `closeExperiments` after.
    private func openExperiments(_ runs: [IndexedRun]) -> [String: Int32] {
        var folders: [String: Int32] = [:]
        for run in runs where folders[run.experimentPath] == nil {
            folders[run.experimentPath] = PosixFiles.openDirectory(run.experimentPath)
        }
        return folders
    }

    private func closeExperiments(_ folders: [String: Int32]) {
        for fd in folders.values where fd >= 0 { close(fd) }
    }

    private func loadRun(_ run: IndexedRun, files: RunDirectory) -> Run {
        var info = run.info
        let (params, tags, metrics) = runData(run, files: files)
        let tagList = tags.keyValues
        if info.runName.isEmpty, let name = tagList.first(where: { $0.key == "mlflow.runName" })?.value {
            info.runName = name
        }
        return Run(info: info,
                   data: RunData(metrics: metrics.metrics(runID: info.runID), params: params.keyValues, tags: tagList),
                   inputs: files.inputs(dataset: cachedDataset),
                   outputs: files.outputs())
    }

    /// A run's params, tags and latest metrics: from the run cache when every stamp still
    /// matches, else read (and kept when the read was clean and the files have settled).
    private func runData(_ run: IndexedRun, files: RunDirectory) -> (CachedFolder, CachedFolder, CachedFolder) {
        let name = run.name
        if let kept = runCache.run(name, in: run.experimentPath)?.data,
           kept.params.isCurrent(at: files.fd, "params", checkFiles: false),
           kept.tags.isCurrent(at: files.fd, "tags", checkFiles: true),
           kept.metrics.isCurrent(at: files.fd, "metrics", checkFiles: true) {
            runCache.noteHit()
            return kept
        }
        let params = files.readKeyValues("params", stampFiles: false), tags = files.readKeyValues("tags", stampFiles: true)
        let metrics = files.readLatestMetrics()
        let cutoff = RunCache.settledBefore()
        // A run folder that could not be opened reads as empty: never remember that.
        if files.fd >= 0, params.clean && tags.clean && metrics.clean,
           [params.folder, tags.folder, metrics.folder].allSatisfy({ $0.isSettled(before: cutoff) }) {
            runCache.update(name, in: run.experimentPath) { $0.data = (params.folder, tags.folder, metrics.folder) }
        }
        return (params.folder, tags.folder, metrics.folder)
    }

    // MARK: runs

    public func searchRuns(_ request: RunSearch) async throws -> Page<Run> {
        try await BlockingWork.run { try self.searchRuns(request) }
    }

    private func searchRuns(_ request: RunSearch) throws -> Page<Run> {
        guard request.maxResults >= 1 else {
            throw MLflowError.invalidParameter("Invalid value \(request.maxResults) for parameter 'max_results' supplied. It must be a positive integer")
        }
        guard request.maxResults <= RunSearch.maxResultsLimit else {
            throw MLflowError.invalidParameter("Invalid value for request parameter max_results. It must be at most \(RunSearch.maxResultsLimit), but got value \(request.maxResults)")
        }
        // Only "" is no filter: MLflow refuses a blank one ("Invalid filter '   '. Could not be parsed.").
        let filter = try SearchGrammar.parseRunFilter(request.filter)
        let order = try SearchGrammar.parseRunOrderBy(request.orderBy)
        let offset = try PageToken.offset(request.pageToken)

        let indexed = indexedRuns(experimentIDs: request.experimentIDs, view: request.viewType)
        let needed = SearchFields(filter: filter, order: order)
        let experiments = openExperiments(indexed)
        defer { closeExperiments(experiments) }
        var candidates = parallelMap(indexed.count) { i in
            self.withRunDirectory(indexed[i], in: experiments, open: !needed.isEmpty) { files in
                RunCandidate(run: indexed[i], index: i, fields: needed, files: files, dataset: self.cachedDataset)
            }
        }
        if !filter.isEmpty {
            let prepared = SearchEvaluator.RunFilter(filter)
            candidates = candidates.filter { prepared.matches($0) }
        }
        SearchEvaluator.sort(&candidates, by: order)

        let window = PageToken.window(total: candidates.count, offset: offset, maxResults: request.maxResults)
        let page = Array(candidates[window.range])
        let runs = parallelMap(page.count) { i in self.loadRun(indexed[page[i].index], in: experiments) }
        for path in Set(indexed.map(\.experimentPath)) {
            runCache.persist(path, liveRuns: runDirectoryNames(path))
        }
        return Page(items: runs, nextPageToken: window.next)
    }

    /// Finds a run folder in any experiment, active or deleted (`_find_run_root`); `directories`
    /// are `experimentDirectories(.all)` when already listed (many runs located at once).
    func locateRun(_ id: String, in directories: [ExperimentDirectory]? = nil) throws -> IndexedRun {
        guard let first = id.unicodeScalars.first, first.properties.isAlphabetic || ("0"..."9").contains(first),
              first.isASCII, id.count <= 256,
              id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) else {
            throw MLflowError.invalidParameter("Invalid value \"\(id)\" for parameter 'run_id' supplied.")
        }
        for dir in directories ?? experimentDirectories(.all) {
            let path = dir.path + "/" + id
            guard PosixFiles.isDirectory(path) else { continue }
            if PosixFiles.isLink(path), case .failure(let refusal) = links(dir.path).target(of: path) {
                throw MLflowError(.invalidState, "Run '\(id)' metadata is in invalid state: \(path) is \(refusal.reason)")
            }
            let read = readRunInfo(at: AT_FDCWD, path, experimentPath: dir.path, name: id)
            if read.missing { continue }
            guard let info = read.info else {
                throw MLflowError(.invalidState, "Run '\(id)' metadata is in invalid state: \(read.problem ?? "\(path)/meta.yaml cannot be read")")
            }
            guard info.experimentID == dir.id, info.runID == id else {
                throw MLflowError(.invalidState, "Run '\(id)' metadata is in invalid state.")
            }
            return IndexedRun(info: info, path: path, experimentPath: dir.path)
        }
        throw MLflowError.notFound("Run '\(id)' not found")
    }

    public func getRun(id: String) async throws -> Run {
        try await BlockingWork.run { self.loadRun(try self.locateRun(id)) }
    }

    // MARK: artifacts

    /// The repository of a run's artifacts, chosen from its artifact URI as MLflow does
    /// (`artifact_repository_registry.py` `get_artifact_repository`).
    /// When a local location is missing but the run's own `artifacts/` folder exists (a store
    /// copied from another machine), that folder is used.
    func artifactRepository(_ run: IndexedRun) throws -> any ArtifactRepository {
        let uri = run.info.artifactURI
        let fallback = run.path + "/artifacts"
        if uri.isEmpty { return LocalArtifacts(root: fallback) }
        guard var local = LocalArtifacts.localPath(of: uri) else {
            return try Artifacts.artifactRepository(for: uri, trackingURI: nil)
        }
        if !local.hasPrefix("/") { local = FileManager.default.currentDirectoryPath + "/" + local }
        if !PosixFiles.isDirectory(local) && PosixFiles.isDirectory(fallback) { local = fallback }
        return LocalArtifacts(root: local)
    }

    public func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
        let (run, repository) = try await BlockingWork.run {
            let run = try self.locateRun(runID)
            return (run.info, try self.artifactRepository(run))
        }
        _ = try LocalArtifacts.components(of: path)
        return ArtifactListing(rootURI: run.artifactURI, files: try await repository.listOffThePool(path: path))
    }

    public func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
        _ = try LocalArtifacts.components(of: path)
        let repository = try await BlockingWork.run { try self.artifactRepository(try self.locateRun(runID)) }
        return try await repository.open(path: path)
    }
}
