import Foundation
import Tracking

/// `MLTUI_TICK_STATS=FILE`: at the start of each live refresh, one JSON line with what the
/// previous refresh and everything it set off read (`ReadMeter`) and the process's CPU time
/// since it began, so a test or a benchmark can see what a tick costs as a history grows.
final class TickStats {
    private let handle: FileHandle
    private var since: (counts: ReadMeter.Counts, cpu: Double)?

    init?(environment: [String: String]) {
        guard let path = environment["MLTUI_TICK_STATS"], !path.isEmpty else { return nil }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func refreshStarting() {
        let now = (counts: ReadMeter.current, cpu: Self.cpuSeconds())
        if let since {
            let d = now.counts - since.counts
            let line = "{\"fileBytes\": \(d.fileBytes), \"rows\": \(d.rows), \"sqlSteps\": \(d.sqlSteps), "
                + "\"requests\": \(d.requests), \"responseBytes\": \(d.responseBytes), "
                + "\"cpuMs\": \(Int(((now.cpu - since.cpu) * 1000).rounded()))}\n"
            handle.write(Data(line.utf8))
        }
        since = now
    }

    /// User and system CPU time of the whole process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
