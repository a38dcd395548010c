import Foundation
import Tracking

#if canImport(Glibc)
import Glibc
#endif

/// A run's artifact directory on the local filesystem, read as MLflow's
/// LocalArtifactRepository and `artifacts/list` do (reference §4.4, §7.1).
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
    public static func unreachable(_ uri: String) -> MLflowError {
        MLflowError(.notImplemented, "artifacts at '\(uri)' are served by the tracking server; open the server's URI (http://...) to browse them")
    }

    /// A request path as MLflow's validate_path_is_safe accepts it, normalised to its
    /// components ("" = the root). `..`, absolute paths, `#` and backslashes are
    /// INVALID_PARAMETER_VALUE "Invalid path", also when percent-encoded.
    public static func components(of path: String?) throws -> [String] {
        guard var path, !path.isEmpty else { return [] }
        for _ in 0..<4 {   // MLflow decodes repeatedly, so %252e%252e is caught too
            guard let decoded = path.removingPercentEncoding, decoded != path else { break }
            path = decoded
        }
        let invalid = MLflowError.invalidParameter("Invalid path")
        let windowsDrive = path.count >= 2 && path.dropFirst().first == ":"
        if path.contains("#") || path.contains("\\") || path.hasPrefix("/") || windowsDrive { throw invalid }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.contains("..") { throw invalid }
        return parts.filter { !$0.isEmpty && $0 != "." }
    }

    /// Entries directly under `path`, relative to the root and including the `path` prefix,
    /// sorted by path; directories carry no size. A missing path or a file gives no entries.
    public func list(path: String?) throws -> [ArtifactEntry] {
        let parts = try LocalArtifacts.components(of: path)
        let dir = ([root] + parts).joined(separator: "/")
        guard isDirectory(dir) else { return [] }
        try requireInsideRoot(dir)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let prefix = parts.joined(separator: "/")
        // An entry that a symlink leads out of the root is left out: it could not be opened anyway.
        return names.compactMap { name -> ArtifactEntry? in
            let relative = prefix.isEmpty ? name : prefix + "/" + name
            let full = dir + "/" + name
            guard (try? requireInsideRoot(full)) != nil else { return nil }
            if isDirectory(full) { return ArtifactEntry(path: relative, isDir: true) }
            return ArtifactEntry(path: relative, isDir: false, fileSize: fileSize(full))
        }.sorted { $0.path < $1.path }
    }

    /// Random access to one file; a symlink may not lead outside the root.
    public func open(path: String) throws -> any ArtifactContent {
        let parts = try LocalArtifacts.components(of: path)
        guard !parts.isEmpty else { throw MLflowError.invalidParameter("'\(path)' is a directory, not an artifact file") }
        let full = ([root] + parts).joined(separator: "/")
        var info = stat()
        guard stat(full, &info) == 0 else { throw MLflowError.notFound("No artifact '\(path)' under \(root)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MLflowError.invalidParameter("'\(path)' is a directory, not an artifact file")
        }
        try requireInsideRoot(full)
        let fd = Glibc.open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MLflowError.internal("cannot open \(full): \(String(cString: strerror(errno)))")
        }
        return LocalFileContent(fd: fd, size: Int64(info.st_size), path: full)
    }

    private func requireInsideRoot(_ path: String) throws {
        guard let realRoot = realPath(root), let real = realPath(path),
              real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw MLflowError.invalidParameter("Invalid path")
        }
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

    public func read(offset: Int64, count: Int) async throws -> [UInt8] {
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
