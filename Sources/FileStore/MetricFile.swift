import Tracking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsing of `metrics/<key>` files as `FileStore._log_run_metric` appends them and
/// `FileStore._get_metric_from_line` reads them: one `\n`-terminated line per logged value,
/// `<timestamp> <value> <step> [<dataset_name> <dataset_digest>]`, or `<timestamp> <value>` in very
/// old stores (step 0). Works on the raw bytes so a long history costs no per-line allocation.
enum MetricFile {
    struct Line {
        var timestamp: Int64
        var value: Double
        var step: Int64
        var datasetName: String?
        var datasetDigest: String?

        /// The line as MLflow would write it (the value as Swift prints it, which reads back
        /// as the same Double, `nan` and `inf` included).
        var text: String {
            if let datasetName, let datasetDigest { return "\(timestamp) \(value) 0 \(datasetName) \(datasetDigest)" }
            return "\(timestamp) \(value) \(step)"
        }

        func metric(key: String, runID: String?) -> Metric {
            Metric(key: key, value: value, timestamp: timestamp, step: step, runID: runID,
                   datasetName: datasetName, datasetDigest: datasetDigest)
        }
    }

    /// Why a line was skipped, for the warning (1-based line number).
    struct BadLine {
        var number: Int
        var reason: String
    }

    /// Every well-formed line in file order; malformed ones are reported and skipped.
    static func lines(_ bytes: [UInt8], limit: Int = .max, bad: (BadLine) -> Void) -> [Line] {
        var out: [Line] = []
        forEachLine(bytes, bad: bad) { fields, number in
            guard let line = parse(fields, bytes, number: number, bad: bad) else { return true }
            out.append(line)
            return out.count < limit
        }
        return out
    }

    /// MLflow's latest value: the line with the greatest `(step, timestamp, value)` tuple, the
    /// first one winning ties, compared as Python does (a NaN value never wins or loses a tie),
    /// see `FileStore._get_metric_from_file`. A value is only parsed when it can matter (a tie
    /// on step and timestamp, or the final winner), which is most of the cost of a long history.
    static func latest(_ bytes: [UInt8], bad: (BadLine) -> Void) -> Line? {
        struct Best {
            var step: Int64
            var timestamp: Int64
            var value: Range<Int>
            var dataset: (Range<Int>, Range<Int>)?
            var number: Int
            var parsed: Double?
        }
        var best: Best?
        func value(_ range: Range<Int>) -> Double? { Double(String(decoding: bytes[range], as: UTF8.self)) }
        forEachLine(bytes, bad: bad) { fields, number in
            guard fields.count == 2 || fields.count == 3 || fields.count == 5,
                  let timestamp = integer(bytes, fields[0]),
                  fields.count == 2 || integer(bytes, fields[2]) != nil else {
                _ = parse(fields, bytes, number: number, bad: bad)  // reports the reason
                return true
            }
            let step = fields.count == 3 ? integer(bytes, fields[2])! : 0
            var candidate = Best(step: step, timestamp: timestamp, value: fields[1],
                                 dataset: fields.count == 5 ? (fields[3], fields[4]) : nil, number: number)
            if var current = best {
                if step < current.step || (step == current.step && timestamp < current.timestamp) { return true }
                if step == current.step && timestamp == current.timestamp {
                    guard let mine = value(candidate.value) else { return true }  // reported at the end if it wins
                    candidate.parsed = mine
                    if current.parsed == nil { current.parsed = value(current.value) }
                    // An unparsable current best loses to any valid line.
                    if let theirs = current.parsed, !(mine > theirs) {
                        best = current
                        return true
                    }
                }
            }
            best = candidate
            return true
        }
        guard let winner = best else { return nil }
        guard let parsed = winner.parsed ?? value(winner.value) else {
            // The winning line is malformed: take the slow path that checks every line.
            return strictLatest(bytes, bad: bad)
        }
        var line = Line(timestamp: winner.timestamp, value: parsed, step: winner.step)
        if let (name, digest) = winner.dataset {
            line.datasetName = String(decoding: bytes[name], as: UTF8.self)
            line.datasetDigest = String(decoding: bytes[digest], as: UTF8.self)
        }
        return line
    }

    /// A metric line MLflow writes (`<ts> <value> <step> [<dataset name> <digest>]`) is well
    /// under a kilobyte; a longer "line" (a file without line ends) is skipped as malformed,
    /// so that reading it never holds more than this in memory.
    static let lineLimit = 1 << 20

    /// `latest` of a metric file read from an open descriptor in chunks: memory stays bounded
    /// however long the history. The best line so far is carried into the next chunk as its
    /// first line, so the answer is the one `latest` gives over the whole file (MLflow's `max`
    /// in `FileStore._get_metric_from_file` is a fold whose only state is the best line).
    /// The error is strerror's text when a read failed. `seed`: the best line of the part of the
    /// file before the descriptor's offset (a resumed read, `FileStore.LatestSoFar`); `read`: how
    /// many bytes were read, `tail` the last (up to 32) of them.
    static func latest(reading fd: Int32, seed: Line? = nil,
                       bad: (BadLine) -> Void) -> (line: Line?, error: String?, read: Int, tail: [UInt8]) {
        var pending: [UInt8] = seed.map { Array($0.text.utf8) + [0x0A] } ?? []
        var seedCount = pending.count  // bytes at the start of `pending` that are the carried best line
        var linesBefore = 0     // lines of the file before the first of `pending`'s own lines
        var best: Line? = seed
        var total = 0, tail: [UInt8] = []
        var skipping = false    // dropping the rest of an over-long line
        var capacity = 4096

        func process(upTo end: Int) {
            let region = Array(pending[0..<end])
            let seeded = seedCount > 0 ? 1 : 0
            var lines = 0
            for byte in region[seedCount...] where byte == 0x0A { lines += 1 }
            best = latest(region) { b in bad(BadLine(number: b.number - seeded + linesBefore, reason: b.reason)) }
            linesBefore += lines
            var seed: [UInt8] = []
            if let best { seed = Array(best.text.utf8) + [0x0A] }
            pending = seed + pending[end...]
            seedCount = seed.count
        }

        while true {
            var failed: Int32 = 0
            let want = capacity
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
                let n = read(fd, buffer.baseAddress, want)
                if n < 0 { failed = errno; count = 0 } else { count = n }
                ReadMeter.addFileBytes(n)
            }
            if failed == EINTR { continue }
            if failed != 0 && failed != EAGAIN { return (nil, String(cString: strerror(failed)), total, tail) }
            total += chunk.count
            if !chunk.isEmpty { tail = Array((tail + chunk.suffix(32)).suffix(32)) }
            var fresh = chunk[...]
            if skipping, !fresh.isEmpty {
                guard let newline = fresh.firstIndex(of: 0x0A) else { continue }
                fresh = fresh[(newline + 1)...]
                skipping = false
            }
            pending += fresh
            // A regular file returns less than asked only at its end.
            let atEnd = chunk.count < want
            capacity = min(capacity * 4, lineLimit)
            if atEnd {
                if pending.count > seedCount { process(upTo: pending.count) }
                return (best, nil, total, tail)
            }
            guard pending.count - seedCount >= lineLimit else { continue }
            if let newline = pending.lastIndex(of: 0x0A), newline >= seedCount {
                process(upTo: newline + 1)
            } else {
                linesBefore += 1
                bad(BadLine(number: linesBefore, reason: "longer than \(lineLimit >> 20) MiB without a line end"))
                pending.removeSubrange(seedCount...)
                skipping = true
            }
        }
    }

    /// The latest value over fully parsed lines, every malformed one reported.
    static func strictLatest(_ bytes: [UInt8], bad: (BadLine) -> Void) -> Line? {
        var best: Line?
        for line in lines(bytes, bad: bad) {
            guard let current = best else { best = line; continue }
            if line.step > current.step
                || (line.step == current.step && (line.timestamp > current.timestamp
                    || (line.timestamp == current.timestamp && line.value > current.value))) {
                best = line
            }
        }
        return best
    }

    // MARK: internals

    /// Calls `body` with the byte ranges of the space-separated fields of each line, as Python's
    /// `line.strip().split(" ")` would split them. A last line without its "\n" was cut off by
    /// a crash or is being appended right now: it is reported and skipped.
    private static func forEachLine(_ bytes: [UInt8], bad: (BadLine) -> Void,
                                    _ body: ([Range<Int>], Int) -> Bool) {
        var start = 0
        var number = 0
        var fields: [Range<Int>] = []
        fields.reserveCapacity(5)
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            if end == bytes.count {
                bad(BadLine(number: number, reason: "truncated last line (no line end)"))
                return
            }
            split(bytes, start..<end, into: &fields)
            if !body(fields, number) { return }
            start = end + 1
        }
    }

    /// The fields of the line `bytes[line]` (without its "\n"), as `line.strip().split(" ")`.
    static func split(_ bytes: [UInt8], _ line: Range<Int>, into fields: inout [Range<Int>]) {
        var lo = line.lowerBound, hi = line.upperBound
        while lo < hi && isSpace(bytes[lo]) { lo += 1 }
        while hi > lo && isSpace(bytes[hi - 1]) { hi -= 1 }
        fields.removeAll(keepingCapacity: true)
        var fieldStart = lo
        for i in lo..<hi where bytes[i] == 0x20 {
            fields.append(fieldStart..<i)
            fieldStart = i + 1
        }
        fields.append(fieldStart..<hi)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    static func parse(_ fields: [Range<Int>], _ bytes: [UInt8], number: Int,
                              bad: (BadLine) -> Void) -> Line? {
        guard fields.count == 2 || fields.count == 3 || fields.count == 5 else {
            bad(BadLine(number: number, reason: "\(fields.count) fields, expected 2, 3 or 5"))
            return nil
        }
        guard let timestamp = integer(bytes, fields[0]) else {
            bad(BadLine(number: number, reason: "timestamp is not an integer"))
            return nil
        }
        guard let value = Double(String(decoding: bytes[fields[1]], as: UTF8.self)) else {
            bad(BadLine(number: number, reason: "value is not a number"))
            return nil
        }
        var line = Line(timestamp: timestamp, value: value, step: 0)
        if fields.count == 3 {
            guard let step = integer(bytes, fields[2]) else {
                bad(BadLine(number: number, reason: "step is not an integer"))
                return nil
            }
            line.step = step
        }
        if fields.count == 5 {
            // MLflow reads step 0 for 5-field lines (`int(parts[2]) if len(parts) == 3`).
            guard integer(bytes, fields[2]) != nil else {
                bad(BadLine(number: number, reason: "step is not an integer"))
                return nil
            }
            line.datasetName = String(decoding: bytes[fields[3]], as: UTF8.self)
            line.datasetDigest = String(decoding: bytes[fields[4]], as: UTF8.self)
        }
        return line
    }

    /// A decimal integer with optional sign, as Python's int() reads MLflow's own output.
    private static func integer(_ bytes: [UInt8], _ range: Range<Int>) -> Int64? {
        var i = range.lowerBound
        guard i < range.upperBound else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < range.upperBound else { return nil }
        var value: Int64 = 0
        while i < range.upperBound {
            let digit = bytes[i] &- 0x30
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
            i += 1
        }
        return negative ? -value : value
    }
}
