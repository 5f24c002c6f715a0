import TeleportProfile
import TeleportSupport

/// Shared proxy connections (OpenSSH ControlMaster). A proxy, like sshd,
/// allows only so many sessions per connection (`MaxSessions 10`) and so
/// many unauthenticated connections at once (`MaxStartups 10:30:100`). So
/// legs share a few masters, and each leg holds a "seat" on one master for
/// its lifetime: a byte-range lock that the kernel drops when tsh exits. A
/// master never carries more sessions than it has seats, and masters are
/// started one at a time per slot, under a lock.
public enum Multiplexing {
    public static let slots = 8
    /// One fewer than sshd's default MaxSessions, leaving room for a session
    /// that is still closing when its seat is taken again.
    public static let seatsPerSlot = 9

    /// A seat on one master: its control socket. The seat is held until this
    /// object goes away (deinit closes the locked file) or tsh exits.
    public final class Seat {
        public let controlPath: String
        private let fd: Int32

        init(controlPath: String, fd: Int32) {
            self.controlPath = controlPath
            self.fd = fd
        }

        deinit { close(fd) }
    }

    /// Takes the first free seat, filling masters in order so that few
    /// connections serve many legs. Waits (bounded) when every seat is taken.
    public static func takeSeat(directory: ProfileDirectory, leg: ProxyLeg, timeoutSeconds: Int = 120) throws -> Seat {
        let base = try basePath(directory: directory, leg: leg)
        let deadline = time(nil) + timeoutSeconds
        while true {
            for slot in 0..<slots {
                let fd = open("\(base)-\(slot).seats", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
                guard fd >= 0 else { throw FileSystem.error("cannot open", "\(base)-\(slot).seats") }
                for seat in 0..<seatsPerSlot {
                    var lock = flock()
                    lock.l_type = Int16(F_WRLCK)
                    lock.l_whence = Int16(SEEK_SET)
                    lock.l_start = off_t(seat)
                    lock.l_len = 1
                    if fcntl(fd, F_SETLK, &lock) == 0 {
                        return Seat(controlPath: "\(base)-\(slot)", fd: fd)
                    }
                }
                close(fd)
            }
            guard time(nil) < deadline else {
                throw TeleportError("all \(slots * seatsPerSlot) shared proxy sessions stayed busy for \(timeoutSeconds) seconds")
            }
            usleep(useconds_t(20_000 + Int.random(in: 0...30_000)))
        }
    }

    /// Makes sure a master listens on `controlPath`, starting one if needed
    /// (one starter per slot at a time).
    public static func ensureMaster(controlPath: String, start: () throws -> Void) throws {
        if UnixSocket.isListening(controlPath) { return }
        let lockFD = open(controlPath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lockFD >= 0 else { throw FileSystem.error("cannot open", controlPath + ".lock") }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 && errno == EINTR {}
        if UnixSocket.isListening(controlPath) { return }
        unlink(controlPath)  // a socket left by a master that died
        try start()
    }

    /// `<TELEPORT_HOME>/mux/<hash>`, or a private directory under `/tmp`
    /// when that would not fit a Unix socket address.
    static func basePath(directory: ProfileDirectory, leg: ProxyLeg) throws -> String {
        let name = hash("\(leg.login)@\(leg.sshProxy)/\(leg.certificatePath)")
        // ssh binds `<dir>/<name>-<slot>` plus a 17-byte temporary suffix
        // (`.` and 16 random characters), and Linux's sun_path holds 108 bytes
        // with the NUL: dir and name may take 87. Counting 4 for `/` and
        // `-<slot>`, and 18 for the suffix, against BSD's 104 keeps 5 spare.
        let preferred = directory.root + "/mux"
        let dir = preferred.utf8.count + name.utf8.count + 4 + 18 <= 104 ? preferred : "/tmp/tsh-mux-\(getuid())"
        try privateDirectory(dir)
        return "\(dir)/\(name)"
    }

    private static func privateDirectory(_ path: String) throws {
        try FileSystem.makePrivateDirectory(path)
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == getuid() else {
            throw TeleportError("\(path) is not a private directory of this user; refusing to put control sockets there")
        }
    }

    /// FNV-1a, printed as 8 hex digits: short, stable names.
    static func hash(_ text: String) -> String {
        var h: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            h ^= UInt32(byte)
            h = h &* 16_777_619
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
