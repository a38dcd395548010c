import Foundation
import Tracking

/// One metric file's summary with the stamp of the bytes it was computed from and the steps it
/// holds values for; trusted only while the file's stamp still matches (an appended point
/// changes its size and mtime), as `RunCache` trusts what it keeps.
struct CachedSummary {
    var stamp: PosixFiles.Stamp
    var steps: Set<Int64>
    var summary: MetricSummary
}

extension FileStore {
    /// Best-of summaries computed from the metric files, one pass over each, all runs at once on
    /// every core; each file's answer is kept in memory until its stamp changes. The answer is
    /// the one `MetricSummary(history:)` gives over `metricHistory`, malformed lines skipped and
    /// warned about as there. Runs that cannot be found are left out, as runs without the metric.
    public func metricSummaries(runIDs: [String], key: String, steps: Set<Int64>) async throws -> [String: MetricSummary] {
        try await BlockingWork.run { self.summaries(runIDs: runIDs, key: key, steps: steps) }
    }

    private func summaries(runIDs: [String], key: String, steps: Set<Int64>) -> [String: MetricSummary] {
        guard RunDirectory.isSafeKey(key) else { return [:] }
        var seen = Set<String>()
        let unique = runIDs.filter { seen.insert($0).inserted }
        let directories = experimentDirectories(.all)
        let found = parallelMap(unique.count) { i -> MetricSummary? in
            guard let run = try? self.locateRun(unique[i], in: directories) else { return nil }
            return self.summary(of: run, key: key, steps: steps)
        }
        var result: [String: MetricSummary] = [:]
        for (id, summary) in zip(unique, found) { result[id] = summary }
        return result
    }

    /// Summaries kept in memory (for tests).
    var cachedSummaryCount: Int { memo.withLock { $0.summaries.count } }

    /// One run's summary of `key`, nil when it has no points; the file opened as `metricHistory`
    /// opens it.
    private func summary(of run: IndexedRun, key: String, steps: Set<Int64>) -> MetricSummary? {
        let file = run.path + "/metrics/" + key
        let runFD = PosixFiles.openDirectory(run.path)
        defer { if runFD >= 0 { close(runFD) } }
        let fd: Int32
        let stamp: PosixFiles.Stamp
        switch PosixFiles.openKeyFile(at: runFD, folder: "metrics", key: key, path: run.path, links: links(run.experimentPath)) {
        case .file(let opened, let info):
            (fd, stamp) = (opened, PosixFiles.Stamp(info))
        case .failed(.refused(let reason)):
            warn("Skipping metric file \(file): \(reason)")
            return nil
        case .failed(.failed(let reason)):
            warn("Skipping unreadable metric file \(file): \(reason)")
            return nil
        case .failed:
            return nil
        }
        defer { close(fd) }
        if let kept = memo.withLock({ $0.summaries[file] }), kept.stamp == stamp, steps.isSubset(of: kept.steps) {
            var summary = kept.summary
            summary.atStep = summary.atStep.filter { steps.contains($0.key) }
            return summary
        }
        // Asked for other steps than before: compute those kept too, so alternating asks settle.
        let kept = memo.withLock { $0.summaries[file] }
        let wanted = kept.map { $0.stamp == stamp ? steps.union($0.steps) : steps } ?? steps
        var reader = MetricLineReader(fd: fd, position: 0, lineNumber: 0)
        var clean = true
        let warn = self.warn
        let points = AnyIterator<Metric> {
            reader.next { line in
                clean = false
                warn("Skipping malformed line \(line.number) of metric file \(file): \(line.reason)")
            }.map { $0.metric(key: key, runID: run.info.runID) }
        }
        var summary = MetricSummary(history: points, steps: wanted)
        if let error = reader.readError {
            warn("Skipping unreadable metric file \(file): \(error)")
            clean = false
        }
        guard summary.min != nil else { return nil }
        // A file changed in the tick it was read could change again unseen (`CachedFolder.isSettled`).
        if clean, stamp.mtimeSeconds < RunCache.settledBefore() {
            memo.withLock { $0.summaries[file] = CachedSummary(stamp: stamp, steps: wanted, summary: summary) }
        }
        summary.atStep = summary.atStep.filter { steps.contains($0.key) }
        return summary
    }
}
