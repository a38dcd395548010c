import Foundation
import Tracking

/// What one run folder held when it was last read, with the stamps (inode, size, mtime) that
/// prove each part unchanged. Like git's index: checking a stamp is one `fstatat`, reading a
/// file is open, read and close, and a 10k-run store is 400k files (BENCHMARKS.md, "Core").
struct CachedRun {
    /// meta.yaml's stamp and what it said.
    var meta: (stamp: PosixFiles.Stamp, info: RunInfo)?
    /// params/, tags/ and metrics/ as read together by `FileStore.loadRun`.
    var data: (params: CachedFolder, tags: CachedFolder, metrics: CachedFolder)?
}

/// One of a run's key folders: its own stamp and its sub-folders' (a key added or removed
/// changes one of them), and each file's stamp and content.
struct CachedFolder {
    var folders: [Folder]
    var files: [File]

    struct Folder {
        var path: String        // relative to the key folder, "" for itself
        var stamp: PosixFiles.Stamp?  // nil: the key folder did not exist
    }

    struct File {
        var key: String
        /// nil for params, which are checked by their folders only (see `isCurrent`).
        var stamp: PosixFiles.Stamp?
        var value: Value
    }

    enum Value {
        case text(String)
        case metric(MetricFile.Line)
    }

    /// Whether `folder` (relative to the run folder open at `runFD`) still holds what was read.
    /// Params are written once and never changed (MLflow refuses a new value), so for them the
    /// folders' stamps suffice; a tag is rewritten and a metric appended in place, which only
    /// the file's own stamp shows.
    func isCurrent(at runFD: Int32, _ folder: String, checkFiles: Bool) -> Bool {
        for entry in folders {
            guard PosixFiles.stamp(at: runFD, entry.path.isEmpty ? folder : folder + "/" + entry.path) == entry.stamp else {
                return false
            }
        }
        guard checkFiles else { return true }
        return files.allSatisfy { PosixFiles.stamp(at: runFD, folder + "/" + $0.key) == $0.stamp }
    }

    /// The key/value pairs of a params or tags folder, in key order.
    var keyValues: [KeyValue] {
        files.compactMap { file in
            if case .text(let text) = file.value { return KeyValue(file.key, text) }
            return nil
        }
    }

    /// The latest value of each metric, in key order, carrying the run id as MLflow does.
    func metrics(runID: String) -> [Metric] {
        files.compactMap { file in
            if case .metric(let line) = file.value { return line.metric(key: file.key, runID: runID) }
            return nil
        }
    }

    /// Whether every stamp is older than `cutoff` (seconds since the epoch). A file changed in
    /// the same clock tick as it was read could change again without its stamp showing it
    /// (git's "racily clean" case): such a read is not kept.
    func isSettled(before cutoff: Int) -> Bool {
        folders.allSatisfy { ($0.stamp?.mtimeSeconds ?? .min) < cutoff } && files.allSatisfy { ($0.stamp?.mtimeSeconds ?? .min) < cutoff }
    }
}

/// The CachedRun of every run folder read so far, per experiment folder, kept in memory and,
/// when the store has a cache directory, in one file per experiment folder there (never in the
/// store: reading never writes to it). Entries are only trusted after their stamps are checked,
/// so a stale or foreign cache file costs speed, never correctness; a damaged one is ignored.
final class RunCache: Sendable {
    private let directory: String?
    private let state = Locked(State())

    private struct State {
        var experiments: [String: Experiment] = [:]
        /// Entries used after their stamps matched (for tests).
        var hits = 0
    }

    private struct Experiment {
        var runs: [String: CachedRun]
        var dirty = false
        var written: Date?
    }

    /// Seconds a read must lie behind a stamp's mtime to be kept (see `CachedFolder.isSettled`).
    static let settleSeconds = 2
    /// A server or UI rewrites the file at most this often; the CLI writes once, at the end.
    static let persistInterval: TimeInterval = 30

    /// Seconds since the epoch before which a stamp's mtime counts as settled, for a read now.
    static func settledBefore() -> Int { Int(Date().timeIntervalSince1970) - settleSeconds }

    init(directory: String?) {
        self.directory = directory
    }

    func run(_ name: String, in experimentPath: String) -> CachedRun? {
        state.withLock {
            load(experimentPath, into: &$0.experiments)
            return $0.experiments[experimentPath]!.runs[name]
        }
    }

    var hits: Int { state.withLock { $0.hits } }
    func noteHit() { state.withLock { $0.hits += 1 } }

    func update(_ name: String, in experimentPath: String, _ change: (inout CachedRun) -> Void) {
        state.withLock {
            load(experimentPath, into: &$0.experiments)
            // In place: copying the experiment's dictionary per update would be quadratic.
            change(&$0.experiments[experimentPath]!.runs[name, default: CachedRun()])
            $0.experiments[experimentPath]!.dirty = true
        }
    }

    /// Reads the experiment's entries from its cache file, the first time only.
    private func load(_ experimentPath: String, into experiments: inout [String: Experiment]) {
        if experiments[experimentPath] != nil { return }
        var runs: [String: CachedRun] = [:]
        if let file = cacheFile(experimentPath), case .content(let bytes) = PosixFiles.readFile(file) {
            runs = RunCacheCoding.decode(bytes, experimentPath: experimentPath) ?? [:]
            // Marks the file as in use, so that pruning (see `prune`) spares it.
            if !runs.isEmpty { utimensat(AT_FDCWD, file, nil, 0) }
        }

        experiments[experimentPath] = Experiment(runs: runs)
    }

    /// Writes the experiment's cache file when it changed, dropping runs no longer in `liveRuns`.
    func persist(_ experimentPath: String, liveRuns: [String]) {
        guard let file = cacheFile(experimentPath) else { return }
        let snapshot: [String: CachedRun]? = state.withLock { state in
            guard var experiment = state.experiments[experimentPath], experiment.dirty else { return nil }
            if let written = experiment.written, Date().timeIntervalSince(written) < Self.persistInterval { return nil }
            let live = Set(liveRuns)
            experiment.runs = experiment.runs.filter { live.contains($0.key) }
            experiment.dirty = false
            experiment.written = Date()
            state.experiments[experimentPath] = experiment
            return experiment.runs
        }
        guard let snapshot, let directory else { return }
        // Best effort: a cache that cannot be written only means the next process reads files.
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let temporary = file + ".\(getpid()).tmp"
        let bytes = RunCacheCoding.encode(snapshot, experimentPath: experimentPath)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, file) != 0 { unlink(temporary) }
        prune(directory)
    }

    /// Cache files unused for this long belong to stores that moved or were deleted.
    static let unusedDays = 30

    /// Removes cache files (and temporary files left by a crash) that no process read or wrote
    /// for `unusedDays`: nothing else would ever clean up after a store that is gone. Run
    /// after each write; a file only read is marked as used when it is loaded.
    private func prune(_ directory: String) {
        let cutoff = Int(Date().timeIntervalSince1970) - Self.unusedDays * 86_400
        for entry in PosixFiles.list(directory) ?? [] where entry.name.hasSuffix(".runs") || entry.name.hasSuffix(".tmp") {
            let path = directory + "/" + entry.name
            if let stamp = PosixFiles.stamp(path), stamp.mtimeSeconds < cutoff { unlink(path) }
        }
    }

    /// One file per experiment folder, named by a hash of its path (the path is inside too).
    private func cacheFile(_ experimentPath: String) -> String? {
        guard let directory else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in experimentPath.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return directory + "/" + String(hash, radix: 16) + ".runs"
    }

    /// Where a file store keeps its cache unless told otherwise: `MLTUI_CACHE_DIR` (empty turns
    /// the cache off), else `$XDG_CACHE_HOME/mltui/filestore`, else `~/.cache/mltui/filestore`.
    static func defaultDirectory(environment: [String: String]) -> String? {
        if let explicit = environment["MLTUI_CACHE_DIR"] { return explicit.isEmpty ? nil : explicit }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/mltui/filestore" }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return home + "/.cache/mltui/filestore"
    }
}

/// The cache file's bytes: a header naming the format and the experiment folder, then each run.
/// Decoding checks every length; anything unexpected discards the whole file.
enum RunCacheCoding {
    static let magic = Array("mltui-run-cache 2\n".utf8)

    static func encode(_ runs: [String: CachedRun], experimentPath: String) -> [UInt8] {
        var out = Writer()
        out.bytes += magic
        out.string(experimentPath)
        out.int(Int64(runs.count))
        for (name, run) in runs.sorted(by: { $0.key < $1.key }) {
            out.string(name)
            if let meta = run.meta {
                out.byte(1)
                out.stamp(meta.stamp)
                out.info(meta.info)
            } else {
                out.byte(0)
            }
            if let data = run.data {
                out.byte(1)
                for folder in [data.params, data.tags, data.metrics] { out.folder(folder) }
            } else {
                out.byte(0)
            }
        }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8], experimentPath: String) -> [String: CachedRun]? {
        var input = Reader(bytes: bytes)
        guard input.take(magic.count) == magic[...], input.string() == experimentPath,
              let count = input.int(), count >= 0 else { return nil }
        var runs: [String: CachedRun] = [:]
        for _ in 0..<count {
            guard let name = input.string(), let hasMeta = input.byte() else { return nil }
            var run = CachedRun()
            if hasMeta == 1 {
                guard let stamp = input.stamp(), let info = input.info() else { return nil }
                run.meta = (stamp, info)
            }
            guard let hasData = input.byte() else { return nil }
            if hasData == 1 {
                guard let params = input.folder(), let tags = input.folder(), let metrics = input.folder() else { return nil }
                run.data = (params, tags, metrics)
            }
            runs[name] = run
        }
        return input.isAtEnd ? runs : nil
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func byte(_ value: UInt8) { bytes.append(value) }
        mutating func int(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        mutating func string(_ value: String) {
            int(Int64(value.utf8.count))
            bytes += value.utf8
        }
        mutating func optionalString(_ value: String?) {
            if let value { byte(1); string(value) } else { byte(0) }
        }
        mutating func optionalInt(_ value: Int64?) {
            if let value { byte(1); int(value) } else { byte(0) }
        }
        mutating func stamp(_ stamp: PosixFiles.Stamp) {
            int(Int64(bitPattern: stamp.inode)); int(stamp.size)
            int(Int64(stamp.mtimeSeconds)); int(Int64(stamp.mtimeNanoseconds))
        }
        mutating func info(_ info: RunInfo) {
            for text in [info.runID, info.experimentID, info.runName, info.userID, info.status.rawValue,
                         info.artifactURI, info.lifecycleStage.rawValue] { string(text) }
            optionalInt(info.startTime)
            optionalInt(info.endTime)
        }
        mutating func folder(_ folder: CachedFolder) {
            int(Int64(folder.folders.count))
            for entry in folder.folders {
                string(entry.path)
                if let stamp = entry.stamp { byte(1); self.stamp(stamp) } else { byte(0) }
            }
            int(Int64(folder.files.count))
            for file in folder.files {
                string(file.key)
                if let fileStamp = file.stamp { byte(1); stamp(fileStamp) } else { byte(0) }
                switch file.value {
                case .text(let text):
                    byte(0); string(text)
                case .metric(let line):
                    byte(1)
                    int(line.timestamp); int(Int64(bitPattern: line.value.bitPattern)); int(line.step)
                    optionalString(line.datasetName); optionalString(line.datasetDigest)
                }
            }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, count <= bytes.count - position else { return nil }
            defer { position += count }
            return bytes[position..<position + count]
        }
        mutating func byte() -> UInt8? { take(1)?.first }
        mutating func int() -> Int64? {
            guard let slice = take(8) else { return nil }
            var value: Int64 = 0
            for (i, byte) in slice.enumerated() { value |= Int64(byte) << (8 * i) }
            return value
        }
        mutating func count() -> Int? {
            guard let value = int(), value >= 0, value <= Int64(bytes.count) else { return nil }
            return Int(value)
        }
        mutating func string() -> String? {
            guard let length = count(), let slice = take(length) else { return nil }
            return String(decoding: slice, as: UTF8.self)
        }
        mutating func optional<T>(_ read: (inout Reader) -> T?) -> T?? {
            switch byte() {
            case 0: return .some(nil)
            case 1: return read(&self).map { .some($0) }
            default: return nil
            }
        }
        mutating func stamp() -> PosixFiles.Stamp? {
            guard let inode = int(), let size = int(), let seconds = int(), let nanoseconds = int() else { return nil }
            return PosixFiles.Stamp(inode: UInt64(bitPattern: inode), size: size,
                                    mtimeSeconds: Int(seconds), mtimeNanoseconds: Int(nanoseconds))
        }
        mutating func info() -> RunInfo? {
            guard let runID = string(), let experimentID = string(), let runName = string(), let userID = string(),
                  let status = string().flatMap(RunStatus.init(rawValue:)), let artifactURI = string(),
                  let stage = string().flatMap(LifecycleStage.init(rawValue:)),
                  let startTime = optional({ $0.int() }), let endTime = optional({ $0.int() }) else { return nil }
            return RunInfo(runID: runID, experimentID: experimentID, runName: runName, userID: userID, status: status,
                           startTime: startTime, endTime: endTime, artifactURI: artifactURI, lifecycleStage: stage)
        }
        mutating func folder() -> CachedFolder? {
            guard let folderCount = count() else { return nil }
            var folders: [CachedFolder.Folder] = []
            for _ in 0..<folderCount {
                guard let path = string(), let stamp = optional({ $0.stamp() }) else { return nil }
                folders.append(CachedFolder.Folder(path: path, stamp: stamp))
            }
            guard let fileCount = count() else { return nil }
            var files: [CachedFolder.File] = []
            files.reserveCapacity(fileCount)
            for _ in 0..<fileCount {
                guard let key = string(), let stamp = optional({ $0.stamp() }), let kind = byte() else { return nil }
                switch kind {
                case 0:
                    guard let text = string() else { return nil }
                    files.append(CachedFolder.File(key: key, stamp: stamp, value: .text(text)))
                case 1:
                    guard let timestamp = int(), let bits = int(), let step = int(),
                          let datasetName = optional({ $0.string() }), let datasetDigest = optional({ $0.string() }) else { return nil }
                    let line = MetricFile.Line(timestamp: timestamp, value: Double(bitPattern: UInt64(bitPattern: bits)), step: step,
                                               datasetName: datasetName, datasetDigest: datasetDigest)
                    files.append(CachedFolder.File(key: key, stamp: stamp, value: .metric(line)))
                default:
                    return nil
                }
            }
            return CachedFolder(folders: folders, files: files)
        }
    }
}
