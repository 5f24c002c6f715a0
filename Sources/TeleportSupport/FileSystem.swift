/// Small path and file helpers over POSIX calls.
public enum FileSystem {
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func base(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Reads a whole file, refusing anything larger than `limit` bytes.
    public static func read(_ path: String, limit: Int = 4 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot read", path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw error("cannot read", path)
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
            if result.count > limit {
                throw TeleportError("\(path) is larger than \(limit) bytes; refusing to read it")
            }
        }
        return result
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR: the one
    /// write loop. False (errno set) when a write fails.
    package static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    public static func readText(_ path: String, limit: Int = 4 << 20) throws -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// Reads a file if it exists; nil when it does not.
    public static func readTextIfPresent(_ path: String, limit: Int = 4 << 20) throws -> String? {
        guard exists(path) else { return nil }
        return try readText(path, limit: limit)
    }

    /// Creates a directory and its parents with mode 0700, and tightens an
    /// existing one to 0700.
    public static func makePrivateDirectory(_ path: String) throws {
        if isDirectory(path) {
            chmod(path, 0o700)
            return
        }
        let parent = directory(of: path)
        if parent != path, !exists(parent) { try makePrivateDirectory(parent) }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw error("cannot create directory", path)
        }
        chmod(path, 0o700)
    }

    /// Lists a directory's entries (without `.` and `..`); empty if absent.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a file or a directory tree; missing paths are fine.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw error("cannot remove", path) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw error("cannot remove", path) }
        }
    }

    /// Removes the temporary files of AtomicFile writers that were killed
    /// (their process is gone); live writers' files are left alone.
    public static func removeAbandonedTemporaries(in dir: String) {
        for name in list(dir) {
            guard let pid = temporaryWriter(of: name) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// A fresh temporary beside `path`: `.<base>.tmp-<pid>-<random>`, so that
    /// `temporaryWriter(of:)` can tell whether its writer still runs.
    package static func temporaryPath(for path: String) -> String {
        "\(directory(of: path))/.\(base(of: path)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The writer's pid when `name` is an AtomicFile temporary
    /// (`.<base>.tmp-<pid>-<random>`), else nil.
    package static func temporaryWriter(of name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.firstRange(of: ".tmp-") else { return nil }
        let pidText = name[marker.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard let pid = pid_t(pidText), pid > 0 else { return nil }
        return pid
    }

    public static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    package static func error(_ what: String, _ path: String) -> TeleportError {
        TeleportError("\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
