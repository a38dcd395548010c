import Analysis
import Foundation

/// Writes an `:export` file: `~` expanded, a relative path taken from the launch directory, the
/// text written to a temporary file beside the target and renamed over it, so a reader never
/// sees half a file.
enum ExportWriter {
    static func write(_ job: ExportJob, home: String?, directory: String) -> ExportOutcome {
        let bytes: [UInt8]
        switch job.format {
        case .csv: bytes = Array(FrameWriters.csv(job.frame).utf8)
        case .json: bytes = FrameWriters.json(job.frame)
        case .md: bytes = Array(FrameWriters.markdown(job.frame, display: displayText).utf8)
        }
        let path = resolve(job.path, home: home, directory: directory)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            let exists = FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent)
            return ExportOutcome(job: job, error: exists ? "the directory is not writable" : "no such directory")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return ExportOutcome(job: job, error: reason)
        }
        return ExportOutcome(job: job, error: nil)
    }

    static func resolve(_ path: String, home: String?, directory: String) -> String {
        var path = path
        if let home, path == "~" || path.hasPrefix("~/") { path = home + path.dropFirst() }
        return path.hasPrefix("/") ? path : directory + "/" + path
    }
}
