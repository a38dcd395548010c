#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system calls the store needs, straight on POSIX: a 10k-run store is ~400k small
/// files, and FileManager's per-call overhead would dominate (performance goal in the brief).
enum PosixFiles {
    struct Entry {
        var name: String
        var isDirectory: Bool
    }

    enum ReadResult {
        case content([UInt8])
        case missing
        case isDirectory
        /// Any other failure, with strerror's text.
        case failed(String)
    }

    /// The entries of a directory (without `.` and `..`), or nil if it cannot be listed.
    /// Symbolic links and file systems without d_type are resolved with stat.
    static func list(_ path: String) -> [Entry]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<length]), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let isDirectory: Bool
            if type == UInt8(DT_DIR) {
                isDirectory = true
            } else if type == UInt8(DT_REG) {
                isDirectory = false
            } else {
                isDirectory = Self.isDirectory(path + "/" + name)
            }
            entries.append(Entry(name: name, isDirectory: isDirectory))
        }
        return entries
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// What identifies one version of a file: a rewrite (MLflow writes meta.yaml anew) changes it.
    struct Stamp: Equatable {
        var inode: UInt64
        var size: Int64
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
    }

    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Stamp(inode: UInt64(info.st_ino), size: Int64(info.st_size),
                     mtimeSeconds: Int(info.st_mtim.tv_sec), mtimeNanoseconds: Int(info.st_mtim.tv_nsec))
    }

    /// Reads a whole (small) file: open, read until EOF, close.
    static func readFile(_ path: String) -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return failure(errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var capacity = 4096
        while true {
            var chunk = [UInt8](repeating: 0, count: capacity)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, capacity) }
            if count < 0 {
                if errno == EINTR { continue }
                return failure(errno)
            }
            if count == 0 { return .content(out) }
            if out.isEmpty && count < capacity {
                // The common case: a small file read in one call. A regular file only returns
                // less than asked at its end, so one more read for EOF is not needed.
                chunk.removeLast(capacity - count)
                return .content(chunk)
            }
            out += chunk[..<count]
            capacity = min(capacity * 4, 1 << 22)
        }
    }

    static func failure(_ code: Int32) -> ReadResult {
        switch code {
        case ENOENT, ENOTDIR: return .missing
        case EISDIR: return .isDirectory
        default: return .failed(String(cString: strerror(code)))
        }
    }

    /// Relative paths of all regular files under `path` (recursively), with `/` separators:
    /// how keys containing `/` are stored (reference §2.4). Empty if `path` is missing.
    static func filesRecursively(_ path: String) -> [String] {
        var out: [String] = []
        func walk(_ dir: String, _ prefix: String) {
            guard let entries = list(dir) else { return }
            for entry in entries {
                if entry.isDirectory {
                    walk(dir + "/" + entry.name, prefix + entry.name + "/")
                } else {
                    out.append(prefix + entry.name)
                }
            }
        }
        walk(path, "")
        return out
    }
}
