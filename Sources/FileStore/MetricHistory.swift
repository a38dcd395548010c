import Foundation
import Tracking

extension FileStore {
    /// A metric's full history in file (insertion) order with duplicates, as the file store
    /// returns it (`FileStore.get_metric_history`); an unknown run is RESOURCE_DOES_NOT_EXIST, an
    /// unknown key an empty page.
    public func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        try await BlockingWork.run { try self.metricHistory(runID: runID, key: key, maxResults: maxResults, pageToken: pageToken) }
    }

    private func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) throws -> Page<Metric> {
        if let maxResults, maxResults <= 0 {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be a positive integer.")
        }
        let run = try locateRun(runID)
        let offset = try PageToken.offset(pageToken)
        guard RunDirectory.isSafeKey(key) else { return Page(items: []) }
        let file = run.path + "/metrics/" + key
        let runFD = PosixFiles.openDirectory(run.path)
        defer { if runFD >= 0 { close(runFD) } }
        let fd: Int32
        let info: stat
        switch PosixFiles.openKeyFile(at: runFD, folder: "metrics", key: key, path: run.path, links: links(run.experimentPath)) {
        case .file(let opened, let status):
            (fd, info) = (opened, status)
        case .failed(.refused(let reason)):
            warn("Skipping metric file \(file): \(reason)")
            return Page(items: [])
        case .failed(.failed(let reason)):
            warn("Skipping unreadable metric file \(file): \(reason)")
            return Page(items: [])
        case .failed:
            return Page(items: [])
        }
        defer { close(fd) }
        let inode = UInt64(info.st_ino)
        var reader = historyReader(file: file, fd: fd, inode: inode, size: Int(info.st_size), item: offset)
        func bad(_ line: MetricFile.BadLine) {
            warn("Skipping malformed line \(line.number) of metric file \(file): \(line.reason)")
        }
        func cursor(at item: Int) -> HistoryCursors.Cursor {
            HistoryCursors.Cursor(item: item, byte: reader.reader.position, lineNumber: reader.reader.lineNumber,
                                  inode: inode, fingerprint: reader.reader.bytesBefore(32))
        }
        // Skip to the page's first line (nothing to skip when a remembered cursor is exact).
        while reader.item < offset, reader.reader.next(bad: bad) != nil { reader.item += 1 }
        defer { if let error = reader.reader.readError { warn("Skipping unreadable metric file \(file): \(error)") } }
        guard reader.item == offset else { return Page(items: []) }
        var items: [Metric] = []
        if let maxResults { items.reserveCapacity(min(maxResults, 1 << 16)) }
        // Where the last line read starts: a live chart asks next for the page from that line
        // (`metricHistoryTail`), which then costs what was appended since, not the whole file.
        var lastLine: (byte: Int, lineNumber: Int)?
        func rememberLastLine() {
            guard let lastLine, !items.isEmpty else { return }
            memo.withLock {
                $0.historyCursors.remember(file: file, HistoryCursors.Cursor(
                    item: offset + items.count - 1, byte: lastLine.byte, lineNumber: lastLine.lineNumber, inode: inode,
                    fingerprint: HistoryCursors.fingerprint(fd: fd, before: lastLine.byte)))
            }
        }
        while items.count < maxResults ?? .max {
            let start = (reader.reader.position, reader.reader.lineNumber)
            guard let line = reader.reader.next(bad: bad) else { break }
            lastLine = start
            items.append(line.metric(key: key, runID: runID))
        }
        guard let maxResults, items.count == maxResults else { rememberLastLine(); return Page(items: items) }
        let end = cursor(at: offset + maxResults)
        // One line past the page tells whether another page follows.
        guard reader.reader.next(bad: bad) != nil else { rememberLastLine(); return Page(items: items) }
        memo.withLock { $0.historyCursors.remember(file: file, end) }
        return Page(items: items, nextPageToken: PageToken.encode(offset: offset + maxResults))
    }

    /// A reader at the remembered page start nearest at or before `item` that is still valid
    /// for this file, or at the file's start; `item` of the result is the line index it is at.
    private func historyReader(file: String, fd: Int32, inode: UInt64, size: Int, item: Int) -> (reader: MetricLineReader, item: Int) {
        let candidates = item > 0 ? memo.withLock { $0.historyCursors.candidates(file: file, upTo: item) } : []
        for candidate in candidates {
            if HistoryCursors.isValid(candidate, fd: fd, inode: inode, size: size) {
                return (MetricLineReader(fd: fd, position: candidate.byte, lineNumber: candidate.lineNumber), candidate.item)
            }
            memo.withLock { $0.historyCursors.forget(file: file, item: candidate.item) }
        }
        return (MetricLineReader(fd: fd, position: 0, lineNumber: 0), 0)
    }
}
