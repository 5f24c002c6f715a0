/// The one way files are written: a temp file in the same directory, fsync,
/// chmod, rename over the target, fsync of the directory. A crash leaves the
/// old file or the new one, never a partial one.
public enum AtomicFile {
    public static func write(_ text: String, to path: String, mode: mode_t = 0o600) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let dir = FileSystem.directory(of: path)
        let temp = FileSystem.temporaryPath(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw FileSystem.error("cannot create a file in", dir) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            guard FileSystem.writeAll(fd: fd, bytes) else { throw FileSystem.error("cannot write", path) }
            guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw FileSystem.error("cannot write", path) }
        }
        guard rename(temp, path) == 0 else { throw FileSystem.error("cannot replace", path) }
        ok = true
        FileSystem.syncDirectory(dir)
    }
}
