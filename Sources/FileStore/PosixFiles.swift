import CDirents
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
    static func list(_ path: String) -> [Entry]? { list(at: AT_FDCWD, path) }

    /// `list` of `name` relative to the directory open at `base`.
    static func list(at base: Int32, _ name: String) -> [Entry]? {
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let dir = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            return nil
        }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let (name, isDirectory): (String, Bool) = withUnsafePointer(to: &entry.pointee.d_name) { raw in
                raw.withMemoryRebound(to: CChar.self, capacity: 256) { cName in
                    var isDirectory = type == UInt8(DT_DIR)
                    if type != UInt8(DT_DIR) && type != UInt8(DT_REG) {
                        var info = stat()
                        isDirectory = fstatat(fd, cName, &info, 0) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                    }
                    return (String(cString: cName), isDirectory)
                }
            }
            if name == "." || name == ".." { continue }
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

        init(inode: UInt64, size: Int64, mtimeSeconds: Int, mtimeNanoseconds: Int) {
            self.inode = inode
            self.size = size
            self.mtimeSeconds = mtimeSeconds
            self.mtimeNanoseconds = mtimeNanoseconds
        }

        init(_ info: stat) {
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            mtimeSeconds = Int(info.st_mtim.tv_sec)
            mtimeNanoseconds = Int(info.st_mtim.tv_nsec)
        }
    }

    static func stamp(_ path: String) -> Stamp? { stamp(at: AT_FDCWD, path) }

    /// The stamp of `name` relative to the directory open at `base`.
    static func stamp(at base: Int32, _ name: String) -> Stamp? {
        var info = stat()
        guard fstatat(base, name, &info, 0) == 0 else { return nil }
        return Stamp(info)
    }

    /// The stamp of an open file.
    static func stamp(of fd: Int32) -> Stamp? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return Stamp(info)
    }

    /// Reads a whole (small) file: open, read until EOF, close. Non-blocking open: a FIFO in
    /// the store must not hang the reader (it reads as empty).
    static func readFile(_ path: String) -> ReadResult { readFile(at: AT_FDCWD, path) }

    /// `readFile` of `name` relative to the directory open at `base`: the kernel walks only
    /// `name`, not the whole path from the root (most of the cost of opening 400k files).
    static func readFile(at base: Int32, _ name: String) -> ReadResult {
        readAndClose(openat(base, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK))
    }

    /// Opens a directory to read files relative to it; -1 (every read then fails as missing) if
    /// it cannot be opened.
    static func openDirectory(_ path: String) -> Int32 {
        open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
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
    /// content of every regular file below the folder `path`, recursively. Files are opened
    /// relative to their folder's descriptor, sparing the kernel a full path walk per file; only
    /// one file's content is alive at a time.
    static func forEachFile(in path: String, _ body: (String, ReadResult) -> Void) {
        withoutActuallyEscaping(body) { body in
            walk(at: AT_FDCWD, path, Visitor(stampFolders: false, stampFiles: false, folder: { _, _ in },
                                            file: { key, result, _ in body(key, result) }))
        }
    }

    /// What a walk reports: every folder (its path relative to the top, "" for the top itself)
    /// and every file with its content; with `stampFolders` / `stampFiles`, their stamps, taken
    /// on the open descriptors (so they describe what was read).
    struct Visitor {
        var stampFolders: Bool
        var stampFiles: Bool
        var folder: (String, Stamp?) -> Void
        var file: (String, ReadResult, Stamp?) -> Void
    }

    /// Walks the folder `name` relative to the directory open at `base`; nothing when it is missing.
    /// Returns false when a folder could not be read whole (an error other than "missing"):
    /// what was seen is then incomplete and must not be remembered as the folder's content.
    @discardableResult
    static func walk(at base: Int32, _ name: String, _ visitor: Visitor) -> Bool {
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT }
        visitor.folder("", visitor.stampFolders ? stamp(of: fd) : nil)
        return walk(fd, prefix: "", visitor)
    }

    /// Walks the directory open at `fd` and closes it. On Linux entries come straight from
    /// getdents64: opendir would add an fstat, an fcntl and a buffer allocation per folder.
    private static func walk(_ fd: Int32, prefix: String, _ visitor: Visitor) -> Bool {
        defer { close(fd) }
        var complete = true
        #if os(Linux)
        let size = 16384
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let used = mltui_getdents64(fd, buffer, size)
            if used < 0 && errno == EINTR { continue }
            if used <= 0 { return complete && used == 0 }
            var offset = 0
            while offset < used {
                let record = buffer + offset
                offset += Int(record.loadUnaligned(fromByteOffset: Int(MLTUI_DIRENT_RECLEN), as: UInt16.self))
                complete = visit(fd, (record + Int(MLTUI_DIRENT_NAME)).assumingMemoryBound(to: CChar.self),
                                 type: record.load(fromByteOffset: Int(MLTUI_DIRENT_TYPE), as: UInt8.self),
                                 prefix: prefix, visitor) && complete
            }
        }
        #else
        guard let entries = list(at: fd, ".") else { return false }
        for entry in entries {
            complete = visit(fd, entry.name, type: UInt8(entry.isDirectory ? DT_DIR : DT_REG), prefix: prefix, visitor) && complete
        }
        return complete
        #endif
    }

    /// One entry of a walk: a folder is walked, a file read and handed to the visitor. False
    /// when a sub-folder could not be read whole.
    private static func visit(_ fd: Int32, _ cName: UnsafePointer<CChar>, type: UInt8, prefix: String, _ visitor: Visitor) -> Bool {
        if cName[0] == 0x2E && (cName[1] == 0 || (cName[1] == 0x2E && cName[2] == 0)) { return true }  // . and ..
        var isDirectory = type == UInt8(DT_DIR)
        if type != UInt8(DT_DIR) && type != UInt8(DT_REG) {
            var info = stat()
            isDirectory = fstatat(fd, cName, &info, 0) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        }
        let name = String(cString: cName)
        if isDirectory {
            let child = openat(fd, cName, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard child >= 0 else { return errno == ENOENT }
            visitor.folder(prefix + name, visitor.stampFolders ? stamp(of: child) : nil)
            return walk(child, prefix: prefix + name + "/", visitor)
        } else {
            // O_NONBLOCK: a FIFO in the store must not hang the reader (it reads as empty).
            let file = openat(fd, cName, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            let fileStamp = visitor.stampFiles && file >= 0 ? stamp(of: file) : nil
            visitor.file(prefix + name, readAndClose(file), fileStamp)
            return true
        }
    }

    static func failure(_ code: Int32) -> ReadResult {
        switch code {
        case ENOENT, ENOTDIR, EBADF: return .missing
        case EISDIR: return .isDirectory
        default: return .failed(String(cString: strerror(code)))
        }
    }
}
