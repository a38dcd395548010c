#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tracking

/// A run's artifacts in a local directory (a plain path or `file://` artifact URI, reference §7.1).
/// Kept free of file-store specifics so the SQLite store can use it as well.
public struct LocalArtifactRoot: Sendable {
    /// The artifact root as a real path (symlinks resolved): every path handed out stays under it.
    public let directory: String

    public init(directory: String) {
        self.directory = LocalArtifactRoot.realPath(directory) ?? directory
    }

    /// The local directory an artifact URI names, or nil for a non-local URI (s3:, mlflow-artifacts:, ...).
    public static func localPath(ofURI uri: String) -> String? {
        if uri.hasPrefix("/") { return uri }
        let lower = uri.lowercased()
        if lower.hasPrefix("file:") {
            var rest = Substring(uri.dropFirst(5))
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let host = rest.prefix { $0 != "/" }
                guard host.isEmpty || host == "localhost" else { return nil }
                rest = rest.dropFirst(host.count)
            }
            return percentDecoded(String(rest))
        }
        // Any other `scheme:` is remote; a relative path has none.
        if let colon = uri.firstIndex(of: ":"), uri[..<colon].count > 1,
           uri[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            return nil
        }
        return uri
    }

    /// The error for artifacts this reader cannot reach.
    public static func remoteArtifactsError(uri: String) -> MLflowError {
        MLflowError(.notImplemented, "Artifacts at '\(uri)' are not on this machine; open the store through its MLflow tracking server (mltui http://host:port) to read them")
    }

    /// Entries directly under `path` (nil or "" = the root), sorted by path, as MLflow's
    /// `LocalArtifactRepository.list_artifacts` returns them (paths include `path`, directories
    /// have no size). A missing path or a file gives no entries.
    public func list(path: String?) throws -> [ArtifactEntry] {
        let relative = try LocalArtifactRoot.validated(path ?? "")
        let dir = relative.isEmpty ? directory : directory + "/" + relative
        guard try isInside(dir), let entries = PosixFiles.list(dir) else { return [] }
        var out: [ArtifactEntry] = []
        for entry in entries where !entry.name.hasPrefix(".artifact.uploading.") {
            let full = dir + "/" + entry.name
            // A symlink leading out of the root is not listed (and cannot be opened).
            guard (try? isInside(full)) == true else { continue }
            let rel = relative.isEmpty ? entry.name : relative + "/" + entry.name
            if entry.isDirectory {
                out.append(ArtifactEntry(path: rel, isDir: true))
            } else {
                var info = stat()
                let size: Int64? = stat(full, &info) == 0 ? Int64(info.st_size) : nil
                out.append(ArtifactEntry(path: rel, isDir: false, fileSize: size))
            }
        }
        return out.sorted { $0.path < $1.path }
    }

    public func open(path: String) throws -> any ArtifactContent {
        let relative = try LocalArtifactRoot.validated(path)
        guard !relative.isEmpty else { throw MLflowError.invalidParameter("Invalid path") }
        let full = directory + "/" + relative
        guard try isInside(full) else { throw MLflowError.invalidParameter("Invalid path") }
        guard !PosixFiles.isDirectory(full) else {
            throw MLflowError.invalidParameter("'\(relative)' is a directory, not a file")
        }
        return try LocalFileContent(path: full, displayPath: relative)
    }

    /// MLflow's `validate_path_is_safe`: no `..` component, not absolute, no backslash or `#`.
    static func validated(_ path: String) throws -> String {
        if path.isEmpty { return "" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.hasPrefix("/") || path.contains("\\") || path.contains("#") || parts.contains("..")
            || path.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw MLflowError.invalidParameter("Invalid path")
        }
        // os.path.normpath: drop empty and "." components.
        return parts.filter { !$0.isEmpty && $0 != "." }.joined(separator: "/")
    }

    /// Whether `path` (following symlinks) is the root or below it. A path that does not exist
    /// is "inside" as long as its text is, so that listing a missing folder gives no entries.
    func isInside(_ path: String) throws -> Bool {
        guard let real = LocalArtifactRoot.realPath(path) else { return true }
        return real == directory || real.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2,
               let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// An open artifact file read with pread, so any part of a huge file can be read without
/// loading the rest; the descriptor closes with the object.
final class LocalFileContent: ArtifactContent, @unchecked Sendable {
    // @unchecked: `fd` is immutable after init and pread is safe to call concurrently.
    private let fd: Int32
    let size: Int64?
    let displayPath: String

    init(path: String, displayPath: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        self.displayPath = displayPath
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw MLflowError.notFound("No such artifact: '\(displayPath)'")
            }
            throw MLflowError.internal("Cannot open artifact '\(displayPath)': \(String(cString: strerror(code)))")
        }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int64(info.st_size) : nil
    }

    deinit { close(fd) }

    func read(offset: Int64, count: Int) async throws -> [UInt8] {
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw MLflowError.internal("Cannot read artifact '\(displayPath)': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        buffer.removeLast(count - filled)
        return buffer
    }
}
