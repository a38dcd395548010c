import Foundation
import Tracking

/// A directory the server hands files out of (the artifacts destination, or a run's local
/// artifact directory), refusing every path that would leave it: `..`, absolute paths, and
/// symlinks whose target lies outside the root (MLflow's `validate_path_is_safe` and
/// `validate_path_within_directory`, mlflow/utils/uri.py).
struct LocalArtifactRoot: Sendable {
    let root: String

    init(_ root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// MLflow's check of a client-supplied relative path: percent-decoded (repeatedly, as
    /// MLflow's `_decode` does), no `#`, no NUL, no `..` component, not absolute.
    static func validatedRelativePath(_ raw: String) throws -> String {
        var path = raw
        for _ in 0..<4 {
            guard let decoded = path.removingPercentEncoding, decoded != path else { break }
            path = decoded
        }
        if path.lowercased().hasPrefix("file:") { path = String(path.dropFirst(5)) }
        let invalid = MLflowError.invalidParameter("Invalid path")
        if path.contains("#") || path.contains("\0") { throw invalid }
        if path.hasPrefix("/") || path.hasPrefix("\\") { throw invalid }
        if path.count >= 2, path.dropFirst().first == ":", path.first?.isLetter == true { throw invalid }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") { throw invalid }
        return path
    }

    /// The real location of `relative` inside the root; nil when it does not exist. A path that
    /// resolves (through symlinks) outside the root is refused as MLflow refuses `..`.
    func resolve(_ relative: String) throws -> String? {
        let path = try LocalArtifactRoot.validatedRelativePath(relative)
        guard let realRoot = LocalArtifactRoot.realPath(root) else { return nil }
        let joined = path.isEmpty ? root : root + "/" + path
        guard let real = LocalArtifactRoot.realPath(joined) else { return nil }
        guard real == realRoot || real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else {
            throw MLflowError.invalidParameter("Invalid path")
        }
        return real
    }

    struct Entry: Sendable, Equatable {
        var name: String
        var isDir: Bool
        var size: Int64?
    }

    /// Entries directly under `relative`, sorted by name; nil when it is not a directory.
    /// Entries that are symlinks out of the root are left out rather than followed.
    func list(_ relative: String) throws -> [Entry]? {
        guard let directory = try resolve(relative), LocalArtifactRoot.isDirectory(directory) else { return nil }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var entries: [Entry] = []
        for name in names.sorted() {
            let child = relative.isEmpty ? name : relative + "/" + name
            guard let real = try? resolve(child) else { continue }
            var info = stat()
            guard stat(real, &info) == 0 else { continue }
            let isDir = (info.st_mode & S_IFMT) == S_IFDIR
            entries.append(Entry(name: name, isDir: isDir, size: isDir ? nil : Int64(info.st_size)))
        }
        return entries
    }

    enum FileLookup {
        case file(LocalFileContent, name: String)
        case directory
        case missing
    }

    func file(_ relative: String) throws -> FileLookup {
        guard let real = try resolve(relative) else { return .missing }
        if LocalArtifactRoot.isDirectory(real) { return .directory }
        guard let content = LocalFileContent(path: real) else { return .missing }
        return .file(content, name: (relative as NSString).lastPathComponent)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// One open local file, read with pread so concurrent downloads share nothing.
final class LocalFileContent: ArtifactContent, @unchecked Sendable {
    private let descriptor: Int32
    let size: Int64?

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { close(fd); return nil }
        descriptor = fd
        size = Int64(info.st_size)
    }

    deinit { close(descriptor) }

    func read(offset: Int64, count: Int) async throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        guard n >= 0 else { throw MLflowError.internal("Could not read artifact: \(String(cString: strerror(errno)))") }
        buffer.removeLast(count - n)
        return buffer
    }
}
