import Tracking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a metric file's well-formed lines (`FileStore._get_metric_from_line`) from any byte
/// position onwards, in growing chunks: a page of history costs the bytes of that page, and the
/// next page can start at the byte where this one stopped instead of re-parsing from line 1.
struct MetricLineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// File position of `buffer[0]`.
    private var bufferStart: Int
    /// Start of the next unread line in `buffer`.
    private var index = 0
    /// Bytes of `buffer` from `index` already searched for a line end.
    private var searched = 0
    private var atEnd = false
    private var reportedTruncation = false
    private var chunk = 1 << 16
    private var fields: [Range<Int>] = []
    /// Number of lines consumed (well-formed or not) since the file's start: for warnings.
    private(set) var lineNumber: Int
    /// strerror's text when a read failed; the reader then behaves as at the end of the file.
    private(set) var readError: String?

    init(fd: Int32, position: Int, lineNumber: Int) {
        self.fd = fd
        self.bufferStart = position
        self.lineNumber = lineNumber
        fields.reserveCapacity(5)
    }

    /// File position of the next unread line.
    var position: Int { bufferStart + index }

    /// Up to `count` bytes just before `position` (always ending with the previous line's "\n"
    /// right after a line was returned): a cheap fingerprint that `position` is still a line start.
    func bytesBefore(_ count: Int) -> [UInt8] {
        Array(buffer[max(0, index - count)..<index])
    }

    /// The next well-formed line, or nil at the end. Malformed lines are reported and skipped;
    /// a last line without "\n" (being appended right now) is reported and not consumed.
    mutating func next(bad: (MetricFile.BadLine) -> Void) -> MetricFile.Line? {
        while let end = nextLineEnd() {
            lineNumber += 1
            guard let end else {
                bad(MetricFile.BadLine(number: lineNumber, reason: "longer than \(MetricFile.lineLimit >> 20) MiB without a line end"))
                continue
            }
            MetricFile.split(buffer, index..<end, into: &fields)
            let line = MetricFile.parse(fields, buffer, number: lineNumber, bad: bad)
            index = end + 1
            searched = 0
            if let line { return line }
        }
        if index < buffer.count && readError == nil && !reportedTruncation {
            // Reported once; the bytes stay unconsumed so `position` is still this line's start.
            bad(MetricFile.BadLine(number: lineNumber + 1, reason: "truncated last line (no line end)"))
            reportedTruncation = true
        }
        return nil
    }

    /// Index in `buffer` of the "\n" ending the line at `index`, reading more as needed; nil at
    /// the end. `.some(nil)` for a line longer than `MetricFile.lineLimit`, already consumed
    /// (up to its end or the file's) without ever holding more than the limit in memory.
    private mutating func nextLineEnd() -> Int?? {
        while true {
            let from = index + searched
            if from < buffer.count {
                if let found = newline(from: from) { return found }
                searched = buffer.count - index
            }
            if buffer.count - index > MetricFile.lineLimit {
                while true {
                    bufferStart += buffer.count
                    buffer.removeAll(keepingCapacity: true)
                    index = 0
                    searched = 0
                    guard !atEnd, readError == nil else { return .some(nil) }
                    refill()
                    if let found = newline(from: 0) {
                        index = found + 1
                        return .some(nil)
                    }
                }
            }
            guard !atEnd, readError == nil else { return nil }
            refill()
        }
    }

    private func newline(from: Int) -> Int? {
        buffer.withUnsafeBufferPointer { raw -> Int? in
            guard from < raw.count, let hit = memchr(raw.baseAddress! + from, 0x0A, raw.count - from) else { return nil }
            return raw.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Drops consumed bytes and appends the next chunk of the file.
    private mutating func refill() {
        if index > 0 {
            buffer.removeSubrange(0..<index)
            bufferStart += index
            index = 0
        }
        let want = chunk
        while true {
            var failed: Int32 = 0
            let offset = off_t(bufferStart + buffer.count)
            let data = [UInt8](unsafeUninitializedCapacity: want) { raw, count in
                let n = pread(fd, raw.baseAddress, want, offset)
                if n < 0 { failed = errno; count = 0 } else { count = n }
                ReadMeter.addFileBytes(n)
            }
            if failed == EINTR { continue }
            if failed != 0 {
                readError = String(cString: strerror(failed))
                return
            }
            if data.isEmpty { atEnd = true }
            buffer += data
            break
        }
        chunk = min(chunk * 2, 1 << 20)
    }
}
