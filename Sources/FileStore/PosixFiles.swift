import CDirents
import Tracking
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
        /// For a symbolic link: whether it leads to a directory.
        var isDirectory: Bool
        var isLink = false
    }

    enum ReadResult {
        case content([UInt8])
        case missing
        case isDirectory
        /// Any other failure, with strerror's text.
        case failed(String)
        /// Not read on purpose (a link leading out of the store, a FIFO, a file far larger
        /// than MLflow writes), with the reason for the warning.
        case refused(String)
    }

    /// What MLflow writes into a param, tag or meta.yaml is at most a few kilobytes (its value
    /// limits in `mlflow/utils/validation.py` are 6,000 and 8,000 characters): a larger file is
    /// not MLflow's and is not read (a link to /dev/zero would otherwise fill the memory).
    static let valueLimit = 1 << 20

    /// The entries of a directory (without `.` and `..`), or nil if it cannot be listed.
    /// Symbolic links and file systems without d_type are resolved with stat.
    static func list(_ path: String) -> [Entry]? { list(at: AT_FDCWD, path) }

    /// `list` of `name` relative to the directory open at `base`.
    static func list(at base: Int32, _ name: String) -> [Entry]? { listing(at: base, name).entries }

    /// `list`, with why it failed: nil when the folder does not exist (not a problem), else
    /// strerror's text (permission denied is worth a warning, a missing `.trash` is not).
    static func listing(at base: Int32 = AT_FDCWD, _ name: String) -> (entries: [Entry]?, problem: String?) {
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let dir = fdopendir(fd) else {
            let code = errno
            if fd >= 0 { close(fd) }
            return (nil, code == ENOENT || code == ENOTDIR ? nil : String(cString: strerror(code)))
        }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let (name, isDirectory, isLink): (String, Bool, Bool) = withUnsafePointer(to: &entry.pointee.d_name) { raw in
                raw.withMemoryRebound(to: CChar.self, capacity: 256) { cName in
                    var isDirectory = type == UInt8(DT_DIR)
                    var isLink = type == UInt8(DT_LNK)
                    if type != UInt8(DT_DIR) && type != UInt8(DT_REG) {
                        var info = stat()
                        if !isLink && fstatat(fd, cName, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                            isLink = (info.st_mode & S_IFMT) == S_IFLNK
                        }
                        isDirectory = fstatat(fd, cName, &info, 0) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                    }
                    return (String(cString: cName), isDirectory, isLink)
                }
            }
            if name == "." || name == ".." { continue }
            entries.append(Entry(name: name, isDirectory: isDirectory, isLink: isLink))
        }
        return (entries, nil)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
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
    /// the store must not hang the reader. Nothing is followed or refused here: for files
    /// outside a store (the run cache's own).
    static func readFile(_ path: String) -> ReadResult {
        readAndClose(open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK))
    }

    /// Opens a directory to read files relative to it; -1 (every read then fails as missing) if
    /// it cannot be opened.
    static func openDirectory(_ path: String) -> Int32 {
        open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    /// Reads everything from an open descriptor (or reports the errno of a failed open), then closes it.
    static func readAndClose(_ fd: Int32, limit: Int = .max) -> ReadResult {
        if fd < 0 { return failure(errno) }
        defer { close(fd) }
        return readAll(fd, limit: limit)
    }

    /// Reads an open descriptor to its end; past `limit` bytes it stops and refuses the file.
    static func readAll(_ fd: Int32, limit: Int = valueLimit) -> ReadResult {
        var out: [UInt8] = []
        var capacity = 4096
        while true {
            var failed: Int32 = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let n = read(fd, buffer.baseAddress, capacity)
                if n < 0 { failed = errno; count = 0 } else { count = n }
                ReadMeter.addFileBytes(n)
            }
            if failed == EINTR { continue }
            if failed == EAGAIN { return .content(out) }  // an empty FIFO opened O_NONBLOCK
            if failed != 0 { return failure(failed) }
            if chunk.isEmpty { return .content(out) }
            // A regular file only returns less than asked at its end: the common small file
            // needs one read, not a second one to see EOF.
            if out.isEmpty && chunk.count < capacity { return .content(chunk) }
            out += chunk
            if out.count > limit { return .refused("larger than \(limit >> 20) MiB, far more than MLflow writes there") }
            capacity = min(capacity * 4, 1 << 22)
        }
    }

    // MARK: links and special files

    /// Where symbolic links in a store may lead. MLflow never writes links, but people move an
    /// experiment to another disk and link it (`ln -s /bigdisk/exp mlruns/5`). A link is followed
    /// only to a target inside the store's resolved root or inside the experiment folder it
    /// belongs to (which may itself be such a linked folder), and never to a folder that holds
    /// the link (a loop): a shared store must not hand out the server user's other files, and a
    /// `self -> .` link must not make a walk endless.
    struct LinkPolicy: Sendable {
        /// The store root, resolved.
        let root: String
        /// The experiment folder the links belong to, as reached from the root (resolved only
        /// when a link is met: links are rare and realpath is a walk of the whole path).
        let experiment: String?

        /// The resolved target of the link at `path`, or why it is not followed.
        func target(of path: String) -> Result<String, Refusal> {
            guard let target = PosixFiles.resolve(path) else { return .failure(Refusal("a broken symbolic link")) }
            let trees = [root] + (experiment.flatMap(PosixFiles.resolve).map { [$0] } ?? [])
            guard trees.contains(where: { PosixFiles.isInside(target, $0) }) else {
                return .failure(Refusal("a symbolic link to \(target), outside the store"))
            }
            // The folder holding the link, resolved: a target that is it or one of its parents loops.
            let holder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if let folder = PosixFiles.resolve(holder.isEmpty ? "/" : holder),
               folder == target || PosixFiles.isInside(folder, target) {
                return .failure(Refusal("a symbolic link to \(target), a folder that holds it (a loop)"))
            }
            return .success(target)
        }
    }

    /// The target of a link naming an experiment (in the root or `.trash`): followed wherever
    /// it leads, as MLflow's `list_subdirs` (`os.path.isdir`) does, since that is how people move
    /// an experiment to another disk; only a loop (a link to the root or a folder holding it)
    /// or a broken link is refused. Experiment folders are never walked recursively.
    static func experimentLink(_ path: String) -> Result<String, Refusal> {
        guard let target = resolve(path) else { return .failure(Refusal("a broken symbolic link")) }
        let holder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if let folder = resolve(holder.isEmpty ? "/" : holder), folder == target || isInside(folder, target) {
            return .failure(Refusal("a symbolic link to \(target), a folder that holds it (a loop)"))
        }
        return .success(target)
    }

    struct Refusal: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The absolute path with every link resolved, or nil when it does not exist.
    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` lies below `folder` (both resolved).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        folder == "/" ? path.hasPrefix("/") : path.hasPrefix(folder + "/")
    }

    /// Why a walk or a read skips a non-regular file.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO, not a regular file"
        case S_IFCHR: return "a character device, not a regular file"
        case S_IFBLK: return "a block device, not a regular file"
        case S_IFSOCK: return "a socket, not a regular file"
        default: return "not a regular file"
        }
    }

    enum Opened {
        case file(Int32, stat)
        case failed(ReadResult)
    }

    /// Opens `name`, relative to the directory open at `base` (`path` is its full path, for
    /// links), as a regular file to read. A link anywhere in `name` (only in its last component
    /// where the kernel lacks openat2) is followed only as `links` allows, never without a
    /// policy; a FIFO, device or socket is refused. Opened O_NONBLOCK: a FIFO swapped in
    /// meanwhile must not hang the open. The caller closes it.
    static func openRegular(at base: Int32, _ name: String, path: () -> String, links: LinkPolicy?) -> Opened {
        var fd = mltui_open_without_links(base, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 && (errno == ENOSYS || errno == EPERM) {
            fd = openat(base, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        }
        if fd < 0 {
            let code = errno
            guard code == ELOOP else { return .failed(failure(code)) }
            guard let links else { return .failed(.refused("a symbolic link")) }
            switch links.target(of: path()) {
            case .failure(let refusal): return .failed(.refused(refusal.reason))
            case .success(let target):
                fd = open(target, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
                if fd < 0 { return .failed(failure(errno)) }
            }
        }
        return regular(fd)
    }

    /// An open descriptor when it is a regular file; closed, with the reason, when it is not.
    private static func regular(_ fd: Int32) -> Opened {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            return .failed(failure(code))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file(fd, info)
        case S_IFDIR: close(fd); return .failed(.isDirectory)
        default: close(fd); return .failed(.refused(kind(info.st_mode)))
        }
    }

    /// `openRegular`, then the whole content up to `valueLimit`.
    static func readRegular(at base: Int32, _ name: String, path: () -> String, links: LinkPolicy?) -> ReadResult {
        switch openRegular(at: base, name, path: path, links: links) {
        case .file(let fd, _): return readAndClose(fd, limit: valueLimit)
        case .failed(let result): return result
        }
    }

    /// Opens the folder `name` relative to `base`; a link is followed only as `links` allows.
    /// -1 and the reason (nil: it does not exist) when it cannot be opened.
    static func openFolder(at base: Int32, _ name: String, path: () -> String, links: LinkPolicy?) -> (fd: Int32, problem: String?) {
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        if fd >= 0 { return (fd, nil) }
        let code = errno
        if code == ENOENT { return (-1, nil) }
        if code != ELOOP { return (-1, String(cString: strerror(code))) }
        guard let links else { return (-1, "a symbolic link") }
        switch links.target(of: path()) {
        case .failure(let refusal): return (-1, refusal.reason)
        case .success(let target):
            let followed = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if followed < 0 { return (-1, errno == ENOENT ? nil : String(cString: strerror(errno))) }
            return (followed, nil)
        }
    }

    /// Opens the file of a key (`params/a/b`) below the run folder open at `base`: the key folder
    /// itself may be a link the policy allows, but, as MLflow's `os.walk` over the key folder
    /// (`FileStore._get_resource_files`) does not descend into linked sub-folders, neither does
    /// this; only the last component may again be a link to a file.
    static func openKeyFile(at base: Int32, folder: String, key: String, path: String, links: LinkPolicy?) -> Opened {
        // The common case in one call: no link anywhere on the way. Any link (ELOOP), or a
        // kernel without openat2, takes the walk below, which judges each link.
        let direct = mltui_open_without_links(base, folder + "/" + key, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if direct >= 0 { return regular(direct) }
        let code = errno
        if code == ENOENT || code == ENOTDIR { return .failed(.missing) }
        let parts = key.split(separator: "/").map(String.init)
        let opened = openFolder(at: base, folder, path: { path + "/" + folder }, links: links)
        guard opened.fd >= 0 else { return .failed(opened.problem.map { .refused($0) } ?? .missing) }
        var dir = opened.fd
        defer { close(dir) }
        var walked = path + "/" + folder
        for part in parts.dropLast() {
            let next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard next >= 0 else {
                let code = errno
                return .failed(code == ELOOP ? .refused("\(walked)/\(part) is a symbolic link to a folder, which MLflow does not follow") : failure(code))
            }
            close(dir)
            dir = next
            walked += "/" + part
        }
        let last = parts.last ?? ""
        return openRegular(at: dir, last, path: { walked + "/" + last }, links: links)
    }

    // MARK: walks

    /// Calls `body` with the relative path (`/`-separated, the key of a params/tags file) and
    /// the content (up to `valueLimit`) of every regular file below the folder `path`,
    /// recursively; `problem` with each folder or link it could not walk. Files are opened
    /// relative to their folder's descriptor, sparing the kernel a full path walk per file;
    /// only one file's content is alive at a time.
    static func forEachFile(in path: String, links: LinkPolicy?, problem: (String, String) -> Void,
                            _ body: (String, ReadResult) -> Void) {
        withoutActuallyEscaping(body) { body in
            withoutActuallyEscaping(problem) { problem in
                _ = walk(at: AT_FDCWD, path, path: path, Visitor(stampFolders: false, stampFiles: false, links: links,
                                                             folder: { _, _ in }, problem: problem,
                                                             file: { key, found, _ in body(key, found.read(limit: valueLimit)) }))
            }
        }
    }

    /// A file a walk found: open (the visitor reads what it needs; the walk closes it after)
    /// or why it was not opened.
    enum Found {
        case open(Int32)
        case failed(ReadResult)

        func read(limit: Int) -> ReadResult {
            switch self {
            case .open(let fd): return PosixFiles.readAll(fd, limit: limit)
            case .failed(let result): return result
            }
        }
    }

    /// What a walk reports: every folder (its path relative to the top, "" for the top itself),
    /// every file, opened, and every folder or link it skipped (relative path, reason); with
    /// `stampFolders` / `stampFiles`, the stamps, taken on the open descriptors (so they
    /// describe what was read). Links are followed only as `links` allows.
    struct Visitor {
        var stampFolders: Bool
        var stampFiles: Bool
        var links: LinkPolicy?
        var folder: (String, Stamp?) -> Void
        var problem: (String, String) -> Void
        var file: (String, Found, Stamp?) -> Void
    }

    /// Key folders nest one level per `/` of a key; MLflow's keys are at most 250 characters.
    static let depthLimit = 128

    /// Walks the folder `name` relative to the directory open at `base` (`path`: its full path,
    /// for links and warnings); nothing when it is missing. Returns false when a folder could not
    /// be read whole (an error other than "missing", or a skipped link): what was seen is then
    /// incomplete and must not be remembered as the folder's content.
    @discardableResult
    static func walk(at base: Int32, _ name: String, path: String, _ visitor: Visitor) -> Bool {
        let (fd, problem) = openFolder(at: base, name, path: { path }, links: visitor.links)
        guard fd >= 0 else {
            if let problem { visitor.problem("", problem) }
            return problem == nil
        }
        visitor.folder("", visitor.stampFolders ? stamp(of: fd) : nil)
        return walk(fd, prefix: "", path: path, depth: 0, visitor)
    }

    /// Walks the directory open at `fd` and closes it. On Linux entries come straight from
    /// getdents64: opendir would add an fstat, an fcntl and a buffer allocation per folder.
    private static func walk(_ fd: Int32, prefix: String, path: String, depth: Int, _ visitor: Visitor) -> Bool {
        defer { close(fd) }
        var complete = true
        #if os(Linux)
        let size = 16384
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let used = mltui_getdents64(fd, buffer, size)
            if used < 0 && errno == EINTR { continue }
            if used < 0 { visitor.problem(String(prefix.dropLast()), String(cString: strerror(errno))) }
            if used <= 0 { return complete && used == 0 }
            var offset = 0
            while offset < used {
                let record = buffer + offset
                offset += Int(record.loadUnaligned(fromByteOffset: Int(MLTUI_DIRENT_RECLEN), as: UInt16.self))
                complete = visit(fd, (record + Int(MLTUI_DIRENT_NAME)).assumingMemoryBound(to: CChar.self),
                                 type: record.load(fromByteOffset: Int(MLTUI_DIRENT_TYPE), as: UInt8.self),
                                 prefix: prefix, path: path, depth: depth, visitor) && complete
            }
        }
        #else
        guard let entries = list(at: fd, ".") else { return false }
        for entry in entries {
            let type = entry.isLink ? UInt8(DT_LNK) : UInt8(entry.isDirectory ? DT_DIR : DT_UNKNOWN)
            complete = visit(fd, entry.name, type: type, prefix: prefix, path: path, depth: depth, visitor) && complete
        }
        return complete
        #endif
    }

    /// One entry of a walk: a folder is walked, a regular file opened and handed to the
    /// visitor. A link to a folder is not walked (MLflow's `os.walk` does not follow them
    /// either), a link to a file followed as the visitor's policy allows, and a FIFO, device or
    /// socket never opened. False when something below could not be read whole or was skipped.
    private static func visit(_ fd: Int32, _ cName: UnsafePointer<CChar>, type: UInt8, prefix: String, path: String,
                              depth: Int, _ visitor: Visitor) -> Bool {
        if cName[0] == 0x2E && (cName[1] == 0 || (cName[1] == 0x2E && cName[2] == 0)) { return true }  // . and ..
        var mode: mode_t
        switch type {
        case UInt8(DT_DIR): mode = S_IFDIR
        case UInt8(DT_REG): mode = S_IFREG
        case UInt8(DT_LNK): mode = S_IFLNK
        case UInt8(DT_FIFO): mode = S_IFIFO
        case UInt8(DT_CHR): mode = S_IFCHR
        case UInt8(DT_BLK): mode = S_IFBLK
        case UInt8(DT_SOCK): mode = S_IFSOCK
        default:  // DT_UNKNOWN: file systems without d_type
            var info = stat()
            guard fstatat(fd, cName, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return errno == ENOENT }
            mode = info.st_mode & S_IFMT
        }
        let name = String(cString: cName)
        let key = prefix + name
        switch mode {
        case S_IFDIR:
            guard depth < depthLimit else {
                visitor.problem(key, "folders nested deeper than \(depthLimit) levels")
                return false
            }
            let child = openat(fd, cName, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard child >= 0 else {
                if errno == ENOENT { return true }
                visitor.problem(key, String(cString: strerror(errno)))
                return false
            }
            visitor.folder(key, visitor.stampFolders ? stamp(of: child) : nil)
            return walk(child, prefix: key + "/", path: path, depth: depth + 1, visitor)
        case S_IFREG, S_IFLNK:
            let opened: Opened
            if mode == S_IFREG {
                let file = openat(fd, cName, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
                opened = file >= 0 ? .file(file, stat()) : .failed(failure(errno))
            } else {
                if PosixFiles.isDirectory(path + "/" + key) {
                    visitor.problem(key, "a symbolic link to a folder, which MLflow does not follow")
                    return false
                }
                opened = openRegular(at: fd, name, path: { path + "/" + key }, links: visitor.links)
            }
            switch opened {
            case .file(let file, _):
                defer { close(file) }
                visitor.file(key, .open(file), visitor.stampFiles ? stamp(of: file) : nil)
            case .failed(let result):
                visitor.file(key, .failed(result), nil)
            }
            return true
        default:
            visitor.file(key, .failed(.refused(kind(mode))), nil)
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
