import TeleportKeys
import TeleportSupport

/// An exclusive lock on the profile directory, so that concurrent `tsh login`
/// and `tsh logout` runs take turns. `flock` is released by the kernel if the
/// process dies, so a crash never leaves the directory locked.
public final class ProfileLock {
    private let fd: Int32

    /// Blocks until the lock is ours.
    public init(directory: ProfileDirectory) throws {
        try FileSystem.makePrivateDirectory(directory.root)
        let path = directory.lockPath
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw FileSystem.error("cannot open the lock file", path) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR {
                close(fd)
                throw FileSystem.error("cannot lock", path)
            }
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Runs `body` holding the lock.
    public static func with<T>(_ directory: ProfileDirectory, _ body: () throws -> T) throws -> T {
        let lock = try ProfileLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}
