#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where history pages of metric files start: page token `{"offset": N}` (`SearchUtils.paginate`)
/// means "the Nth well-formed line", which costs a parse from line 1; remembering the byte each
/// page ended at makes following the tokens one pass over the file. Not thread-safe (store locks).
struct HistoryCursors {
    struct Cursor {
        var item: Int          // index of the first line (well-formed lines only) at `byte`
        var byte: Int
        var lineNumber: Int    // lines before `byte`, malformed ones included
        var inode: UInt64
        var fingerprint: [UInt8]  // the bytes just before `byte`
    }

    /// Bounded: at most `perFile` cursors of a file (the highest lines: a reader pages forward,
    /// a live chart asks from its last line), cleared when full. A UI following 100 running
    /// curves keeps each one's cursor.
    static let capacity = 4096
    static let perFile = 4
    private var cursors: [String: [Int: Cursor]] = [:]
    private var count = 0

    mutating func remember(file: String, _ cursor: Cursor) {
        if count >= Self.capacity {
            cursors.removeAll()
            count = 0
        }
        if cursors[file, default: [:]].updateValue(cursor, forKey: cursor.item) == nil { count += 1 }
        if let byItem = cursors[file], byItem.count > Self.perFile, let lowest = byItem.keys.min() {
            forget(file: file, item: lowest)
        }
    }

    /// Candidates for starting at `item`, nearest first (the file may have been rewritten; the
    /// caller validates against the open file).
    func candidates(file: String, upTo item: Int) -> [Cursor] {
        guard let byItem = cursors[file] else { return [] }
        return byItem.values.filter { $0.item <= item }.sorted { $0.item > $1.item }
    }

    mutating func forget(file: String, item: Int) {
        if cursors[file]?.removeValue(forKey: item) != nil { count -= 1 }
    }

    /// The `length` bytes just before `byte` (fewer at the file's start) in the file open at
    /// `fd`, read without moving; empty when they cannot be read.
    static func fingerprint(fd: Int32, before byte: Int, length: Int = 32) -> [UInt8] {
        let count = min(length, byte)
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(byte - count)) }
        return n == count ? bytes : []
    }

    /// Whether `cursor` still marks the same line start in the file open at `fd`: the same inode
    /// and the same bytes before it. MLflow only appends to metric files
    /// (`FileStore._log_run_metric`), which keeps every earlier position valid; a replaced or
    /// rewritten file fails the check.
    static func isValid(_ cursor: Cursor, fd: Int32, inode: UInt64, size: Int) -> Bool {
        guard cursor.inode == inode, cursor.byte <= size else { return false }
        guard !cursor.fingerprint.isEmpty else { return cursor.byte == 0 }
        return fingerprint(fd: fd, before: cursor.byte, length: cursor.fingerprint.count) == cursor.fingerprint
    }
}
