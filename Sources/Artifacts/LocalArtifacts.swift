import Foundation
import Tracking

#if canImport(Glibc)
import Glibc
#endif

/// A run's artifact directory on the local filesystem (or the server's artifacts destination),
/// read as MLflow's `LocalArtifactRepository` reads it (mlflow/store/artifact/local_artifact_repo.py).
public struct LocalArtifacts: ArtifactRepository {
    /// Absolute directory holding the run's artifacts.
    public let root: String

    public init(root: String) { self.root = root }

    public var rootURI: String { root }

    /// The local directory an artifact URI names: a plain absolute path or a `file://` URI.
    /// nil for every other scheme (mlflow-artifacts:, s3:, ...), which need a server.
    public static func localPath(of uri: String) -> String? {
        if uri.hasPrefix("/") { return uri }
        guard uri.lowercased().hasPrefix("file:") else { return nil }
        // file:///abs, file:/abs, file://localhost/abs; percent-escapes decoded.
        var rest = String(uri.dropFirst(5))
        if rest.hasPrefix("//") {
            rest.removeFirst(2)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let host = rest[..<slash]
            guard host.isEmpty || host == "localhost" else { return nil }
            rest = String(rest[slash...])
        }
        guard rest.hasPrefix("/") else { return nil }
        return rest.removingPercentEncoding ?? rest
    }

    /// The error for an artifact root this reader cannot reach on its own.
    static func unreachable(_ uri: String) -> MLflowError {
        MLflowError(.notImplemented, "artifacts at '\(uri)' are served by the tracking server; open the server's URI (http://...) to browse them")
    }

    /// A request path checked as MLflow checks it (`ArtifactPath.validated`) and split into its
    /// components ("" = the root), with empty and `.` components dropped as `os.path.normpath`
    /// drops them in mlflow/store/artifact/local_artifact_repo.py.
    public static func components(of path: String?) throws -> [String] {
        guard let path, !path.isEmpty else { return [] }
        return try ArtifactPath.validated(path).split(separator: "/").map(String.init).filter { $0 != "." }
    }

    /// Entries directly under `path`, relative to the root and including the `path` prefix,
    /// sorted by path; directories carry no size. A missing path or a file gives no entries.
    /// MLflow's `LocalArtifactRepository.list_artifacts`: the directory must resolve inside the
    /// root, and `.artifact.uploading.` staging files are not listed.
    public func list(path: String?) throws -> [ArtifactEntry] {
        let parts = try LocalArtifacts.components(of: path)
        let dir = ([root] + parts).joined(separator: "/")
        try requireInsideRoot(dir)
        guard isDirectory(dir) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let prefix = parts.joined(separator: "/")
        let realRoot = realPath(root)
        // Stricter than MLflow, which lists them: an entry that a symlink leads out of the root
        // is left out, never followed (it could not be opened anyway).
        return names.compactMap { name -> ArtifactEntry? in
            if name.hasPrefix(".artifact.uploading.") { return nil }
            let relative = prefix.isEmpty ? name : prefix + "/" + name
            let full = dir + "/" + name
            guard let real = realPath(full), let realRoot, LocalArtifacts.isInside(real, realRoot) else { return nil }
            if isDirectory(real) { return ArtifactEntry(path: relative, isDir: true) }
            return ArtifactEntry(path: relative, isDir: false, fileSize: fileSize(real))
        }.sorted { $0.path < $1.path }
    }

    /// What a path names, in MLflow's order (`LocalArtifactRepository.get_local_path`): the
    /// path check, then the resolved path inside the root, then existence; a file comes open.
    public enum Lookup {
        case file(LocalFileContent)
        case directory
        case missing
    }

    public func lookup(path: String) throws -> Lookup {
        let parts = try LocalArtifacts.components(of: path)
        let full = ([root] + parts).joined(separator: "/")
        try requireInsideRoot(full)
        var info = stat()
        guard stat(full, &info) == 0 else { return .missing }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .directory }
        let fd = Glibc.open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MLflowError.internal("cannot open \(full): \(String(cString: strerror(errno)))")
        }
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { close(fd); return .missing }
        return .file(LocalFileContent(fd: fd, size: Int64(info.st_size), path: full))
    }

    /// Random access to one file; a symlink may not lead outside the root.
    public func open(path: String) throws -> any ArtifactContent {
        switch try lookup(path: path) {
        case .file(let content): return content
        case .directory: throw LocalArtifacts.notAFile(path)
        case .missing: throw MLflowError.notFound("No artifact '\(path)' under \(root)")
        }
    }

    /// The error for opening a directory as a file, shared by every repository.
    public static func notAFile(_ path: String) -> MLflowError {
        MLflowError.invalidParameter("'\(path)' is a directory, not an artifact file")
    }

    /// MLflow's `validate_path_within_directory`: the path, with its symlinks resolved, lies in
    /// the root; a path that does not exist is judged by its nearest existing ancestor.
    func requireInsideRoot(_ path: String) throws {
        // No root, nothing under it: the caller finds the path missing.
        guard let realRoot = realPath(root) else { return }
        var existing = path
        var missing: [Substring] = []
        var real = realPath(existing)
        while real == nil, lstatSucceeds(existing) == false, let slash = existing.lastIndex(of: "/"), slash > existing.startIndex {
            missing.insert(existing[existing.index(after: slash)...], at: 0)
            existing = String(existing[..<slash])
            real = realPath(existing)
        }
        // A link that resolves nowhere (dangling, or a loop) is refused: it cannot be checked.
        guard let real, LocalArtifacts.isInside(([real] + missing.map(String.init)).joined(separator: "/"), realRoot) else {
            throw MLflowError.invalidParameter("Invalid path: resolved path is outside the artifact directory")
        }
    }

    private static func isInside(_ real: String, _ realRoot: String) -> Bool {
        real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/")
    }

    private func lstatSucceeds(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private func fileSize(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }
}

extension ArtifactRepository {
    /// `list(path:)`, with a local folder read on BlockingWork's threads (its `list` blocks in
    /// the file system; a remote repository's waits on HTTPClient's own threads).
    public func listOffThePool(path: String?) async throws -> [ArtifactEntry] {
        guard let local = self as? LocalArtifacts else { return try await list(path: path) }
        return try await BlockingWork.run { try local.list(path: path) }
    }
}

/// An open artifact file read with pread, so concurrent readers need no shared offset and a
/// viewer can page through a huge file without loading it.
public final class LocalFileContent: ArtifactContent {
    let fd: Int32
    public let size: Int64?
    let path: String

    init(fd: Int32, size: Int64, path: String) {
        self.fd = fd
        self.size = size
        self.path = path
    }

    deinit { close(fd) }

    /// Reads on BlockingWork's threads: pread blocks in the file system.
    public func read(offset: Int64, count: Int) async throws -> [UInt8] {
        try await BlockingWork.run { try self.readNow(offset: offset, count: count) }
    }

    private func readNow(offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0, offset >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw MLflowError.internal("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        buffer.removeLast(count - filled)
        return buffer
    }
}
