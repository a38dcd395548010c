import Foundation
import Tracking

#if canImport(Glibc)
import Glibc
#endif

/// An upload in progress: a hidden staging file beside its destination, renamed over it only
/// when complete, so a reader never sees a partial file and an interrupted upload leaves none
/// (MLflow's `LocalArtifactRepository._write_to_destination_path`).
public final class StagedArtifact: @unchecked Sendable {
    // Used by one upload task at a time; the fd is closed exactly once (publish or discard).
    private var fd: Int32
    public let stagingPath: String
    public let destination: String

    init(fd: Int32, stagingPath: String, destination: String) {
        self.fd = fd
        self.stagingPath = stagingPath
        self.destination = destination
    }

    deinit { if fd >= 0 { close(fd); unlink(stagingPath) } }

    /// Appends bytes (blocking: call it off the cooperative pool).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw MLflowError.internal("cannot write \(stagingPath): \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Gives the file the mode a new file gets (`_set_default_file_mode`) and renames it into place.
    public func publish() throws {
        fchmod(fd, mode_t(0o666) & ~StagedArtifact.umaskValue)
        close(fd)
        fd = -1
        guard rename(stagingPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(stagingPath)
            throw MLflowError.internal("cannot move \(stagingPath) to \(destination): \(reason)")
        }
    }

    /// Removes the staging file of an upload that did not complete.
    public func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(stagingPath)
    }

    static let umaskValue: mode_t = {
        let current = umask(0o022)
        umask(current)
        return current
    }()
}

extension LocalArtifacts {
    /// MLflow's prefix for staging files; listings skip them.
    public static let stagingPrefix = ".artifact.uploading."

    /// Starts writing `path` (already checked by `ArtifactPath.validated`, with a file name):
    /// parent folders are created, and the destination must resolve inside the root
    /// (`_get_or_create_artifact_dir`, `validate_path_within_directory`).
    public func stage(path: String) throws -> StagedArtifact {
        let parts = try LocalArtifacts.components(of: path)
        guard let name = parts.last else { throw MLflowError.invalidParameter("Invalid path") }
        let folder = ([root] + parts.dropLast()).joined(separator: "/")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try requireInsideRoot(folder)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw MLflowError.internal("cannot create \(folder): \(error.localizedDescription)")
        }
        let destination = folder + "/" + name
        try requireInsideRoot(destination)
        var template = Array((folder + "/" + LocalArtifacts.stagingPrefix + "XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw MLflowError.internal("cannot create a file in \(folder): \(String(cString: strerror(errno)))")
        }
        let stagingPath = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        return StagedArtifact(fd: fd, stagingPath: stagingPath, destination: destination)
    }

    /// Deletes a file or a folder and everything in it; a missing path is not an error
    /// (`LocalArtifactRepository.delete_artifacts`). A symlink is removed itself, never followed.
    public func delete(path: String) throws {
        let parts = try LocalArtifacts.components(of: path)
        guard !parts.isEmpty else { throw MLflowError.invalidParameter("Invalid path") }
        let full = ([root] + parts).joined(separator: "/")
        try requireInsideRoot((full as NSString).deletingLastPathComponent)
        var info = stat()
        guard lstat(full, &info) == 0 else { return }
        do {
            try FileManager.default.removeItem(atPath: full)
        } catch {
            throw MLflowError.internal("cannot delete \(full): \(error.localizedDescription)")
        }
    }
}
