import Foundation
import Tracking

/// How the writer puts files into a file store so that a reader (MLflow or mltui) never sees a
/// half-written one and a writer killed at any moment leaves only whole files: a file's new
/// contents go to a temporary file beside its owner folder and are renamed over the old one
/// (MLflow's `yaml_utils.overwrite_yaml` does the same for meta.yaml rewrites; its first writes,
/// params and tags truncate in place). Metric lines are appended with one `write` each.
/// Temporary files live in the run, experiment or model folder itself, where MLflow looks only
/// at subfolders and `meta.yaml`, so a leftover from a killed writer is never read as data.
enum StoreFiles {
    static func fail(_ what: String, _ path: String, _ code: Int32 = errno) -> MLflowError {
        .internal("\(what) \(path): \(String(cString: strerror(code)))")
    }

    /// `mkdir -p`; an existing folder is fine.
    static func makeDirectories(_ path: String) throws {
        if PosixFiles.isDirectory(path) { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            if !PosixFiles.isDirectory(path) { throw fail("Cannot create folder", path, EACCES) }
        }
    }

    /// Writes `contents` to `path` whole, through a temporary file in `scratchFolder` (same file
    /// system, a folder MLflow does not read as data).
    static func replace(_ path: String, with contents: String, scratchFolder: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try makeDirectories(parent)
        let temporary = scratchFolder + "/.mltui-tmp-" + UUID().uuidString.lowercased()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("Cannot write", temporary) }
        let bytes = Array(contents.utf8)
        let ok = writeAll(fd, bytes)
        let code = errno
        close(fd)
        guard ok else {
            unlink(temporary)
            throw fail("Cannot write", temporary, code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw fail("Cannot write", path, code)
        }
    }

    /// Appends one line with a single `write` (O_APPEND): concurrent appenders never interleave
    /// inside a line, and a killed writer leaves whole lines.
    static func append(_ path: String, line: String) throws {
        try makeDirectories((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("Cannot write", path) }
        defer { close(fd) }
        guard writeAll(fd, Array(line.utf8)) else { throw fail("Cannot write", path) }
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 else { throw fail("Cannot remove", path) }
    }

    /// Moves a folder to another parent (experiments to and from `.trash`, as `file_utils.mv`).
    static func move(_ path: String, into parent: String) throws {
        let target = parent + "/" + (path as NSString).lastPathComponent
        guard rename(path, target) == 0 else { throw fail("Cannot move", path) }
    }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
