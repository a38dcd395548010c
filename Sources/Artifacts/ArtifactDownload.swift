import Foundation
import Tracking

#if canImport(Glibc)
import Glibc
#endif

/// Downloads a run's artifact file or folder as MLflow's `ArtifactRepository.download_artifacts`
/// does (recursive list + per-file download): `path` lands at `<destination>/<path>`. Each file
/// streams into a temporary file beside its target and is renamed into place when complete, so
/// an interrupted download never leaves a half file under the real name. Paths from the store
/// are checked component by component and no symlink under the destination is followed, so a
/// hostile listing cannot write outside `destination`.
public struct ArtifactDownload: Sendable {
    public struct Progress: Sendable {
        public var bytesDone: Int64
        /// Sum of the listed sizes, when every size is known.
        public var bytesTotal: Int64?
        public var filesDone: Int
        public var filesTotal: Int
        var currentPath: String
    }

    public let store: any TrackingStore
    public let owner: ArtifactOwner

    public init(store: any TrackingStore, runID: String) {
        self.init(store: store, owner: .run(runID))
    }

    public init(store: any TrackingStore, owner: ArtifactOwner) {
        self.store = store
        self.owner = owner
    }

    /// Returns the local paths written, in order.
    @discardableResult
    public func download(path: String, to destination: String,
                         progress: @Sendable (Progress) -> Void = { _ in }) async throws -> [String] {
        let parts = try LocalArtifacts.components(of: path)
        let normalized = parts.joined(separator: "/")
        var files = try await allFiles(under: normalized.isEmpty ? nil : normalized)
        var folderOnly = false
        if files.isEmpty && !normalized.isEmpty {
            // Nothing listed: a single file, an empty folder, or nothing at all
            // (MLflow's `ArtifactRepository._is_directory` reads an empty listing the same way).
            let listing = try await store.listArtifacts(of: owner, path: normalized)
            if listing.files.isEmpty {
                do {
                    let content = try await store.openArtifact(of: owner, path: normalized)
                    files = [ArtifactEntry(path: normalized, isDir: false, fileSize: content.size)]
                } catch let error as MLflowError where error.message.contains("is a directory") {
                    folderOnly = true
                }
            } else {
                folderOnly = true
            }
        }
        try makeDirectory(destination)
        if folderOnly { _ = try directory(for: parts, under: destination, includeLast: true); return [] }

        let total = files.allSatisfy { $0.fileSize != nil } ? files.reduce(Int64(0)) { $0 + ($1.fileSize ?? 0) } : nil
        var state = Progress(bytesDone: 0, bytesTotal: total, filesDone: 0, filesTotal: files.count, currentPath: "")
        var written: [String] = []
        for file in files {
            let fileParts = try LocalArtifacts.components(of: file.path)
            guard !fileParts.isEmpty, fileParts.starts(with: parts) else {
                throw MLflowError.invalidParameter("the store listed '\(file.path)' outside '\(path)'; refusing to write it")
            }
            state.currentPath = file.path
            progress(state)
            let parent = try directory(for: Array(fileParts.dropLast()), under: destination, includeLast: true)
            let target = parent + "/" + fileParts.last!
            let content = try await store.openArtifact(of: owner, path: file.path)
            try await write(content, to: target) { chunk in
                state.bytesDone += Int64(chunk)
                progress(state)
            }
            state.filesDone += 1
            progress(state)
            written.append(target)
        }
        return written
    }

    private func allFiles(under path: String?) async throws -> [ArtifactEntry] {
        var files: [ArtifactEntry] = []
        var pending = [path]
        var seen = Set<String>()
        while let next = pending.popLast() {
            for entry in try await store.listArtifacts(of: owner, path: next).files {
                if entry.isDir {
                    // A store answering a folder with itself would loop forever.
                    if seen.insert(entry.path).inserted, entry.path != next { pending.append(entry.path) }
                } else {
                    files.append(entry)
                }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// `<destination>/<parts...>`, creating folders; refuses a symlink or a file in the way.
    private func directory(for parts: [String], under destination: String, includeLast: Bool) throws -> String {
        var current = destination
        for part in parts {
            current += "/" + part
            var info = stat()
            if lstat(current, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw MLflowError.invalidParameter("cannot download into '\(current)': it exists and is not a folder")
                }
            } else {
                try makeDirectory(current)
            }
        }
        return current
    }

    private func makeDirectory(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw MLflowError.invalidParameter("cannot download into '\(path)': it is not a folder")
            }
            return
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw MLflowError.internal("cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Streams `content` into a fresh temporary file beside `target`, then renames it over
    /// `target` (rename replaces a symlink itself, never what it points to).
    private func write(_ content: any ArtifactContent, to target: String, chunk: (Int) -> Void) async throws {
        let temporary = target + ".mltui-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).part"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MLflowError.internal("cannot create '\(temporary)': \(String(cString: strerror(errno)))") }
        var closed = false
        defer { if !closed { close(fd); unlink(temporary) } }
        for try await bytes in content.chunks() {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MLflowError.internal("cannot write '\(target)': \(String(cString: strerror(errno)))")
                }
                offset += n
            }
            chunk(bytes.count)
        }
        closed = true
        guard close(fd) == 0 else { unlink(temporary); throw MLflowError.internal("cannot write '\(target)': \(String(cString: strerror(errno)))") }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MLflowError.internal("cannot move the download into '\(target)': \(reason)")
        }
    }
}
