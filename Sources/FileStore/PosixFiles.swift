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

    /// Reads a whole (small) file: open, read until EOF, close. Non-blocking open: a FIFO in
    /// the store must not hang the reader (it reads as empty).
    static func readFile(_ path: String) -> ReadResult {
        readAndClose(open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK))
    }

    /// Reads everything from an open descriptor (or reports the errno of a failed open), then closes it.
    static func readAndClose(_ fd: Int32) -> ReadResult {
        if fd < 0 { return failure(errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var capacity = 4096
        while true {
            var failed: Int32 = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let n = read(fd, buffer.baseAddress, capacity)
                if n < 0 { failed = errno; count = 0 } else { count = n }
            }
            if failed == EINTR { continue }
            if failed != 0 { return failure(failed) }
            if chunk.isEmpty { return .content(out) }
            // A regular file only returns less than asked at its end: the common small file
            // needs one read, not a second one to see EOF.
            if out.isEmpty && chunk.count < capacity { return .content(chunk) }
            out += chunk
            capacity = min(capacity * 4, 1 << 22)
        }
    }

    /// Calls `body` with the relative path (`/`-separated, the key of reference §2.4) and the
    /// content of every regular file below `path`, recursively. Files are opened relative to
    /// their directory's descriptor, sparing the kernel a full path walk per file; only one
    /// file's content is alive at a time.
    static func forEachFile(in path: String, _ body: (String, ReadResult) -> Void) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { walk(fd, prefix: "", body) }
    }

    /// Walks the directory open at `fd` and closes it.
    private static func walk(_ fd: Int32, prefix: String, _ body: (String, ReadResult) -> Void) {
        guard let dir = fdopendir(fd) else { close(fd); return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let (name, isDirectory, child): (String, Bool, Int32) = withUnsafePointer(to: &entry.pointee.d_name) { raw in
                raw.withMemoryRebound(to: CChar.self, capacity: 256) { cName in
                    let name = String(cString: cName)
                    var isDirectory = type == UInt8(DT_DIR)
                    if type != UInt8(DT_DIR) && type != UInt8(DT_REG) {
                        var info = stat()
                        isDirectory = fstatat(fd, cName, &info, 0) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                    }
                    if name == "." || name == ".." { return (name, true, -1) }
                    // O_NONBLOCK: a FIFO in the store must not hang the reader (it reads as empty).
                    let flags = isDirectory ? O_RDONLY | O_DIRECTORY | O_CLOEXEC : O_RDONLY | O_CLOEXEC | O_NONBLOCK
                    return (name, isDirectory, openat(fd, cName, flags))
                }
            }
            if name == "." || name == ".." { continue }
            if isDirectory {
                if child >= 0 { walk(child, prefix: prefix + name + "/", body) }
            } else {
                body(prefix + name, readAndClose(child))
            }
        }
    }

    static func failure(_ code: Int32) -> ReadResult {
        switch code {
        case ENOENT, ENOTDIR: return .missing
        case EISDIR: return .isDirectory
        default: return .failed(String(cString: strerror(code)))
        }
    }
}
