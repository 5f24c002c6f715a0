import TeleportProfile
import TeleportSupport

/// The pid that termination signals are forwarded to while tsh waits.
nonisolated(unsafe) private var forwardedChild: pid_t = 0

/// Runs a program with stdin and stdout inherited (the relayed bytes never
/// pass through tsh) and stderr captured, so tsh can explain failures.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stderr: String
    }

    /// Runs `arguments[0]` and waits. Stderr is collected (up to 64 KiB) and
    /// returned rather than shown. With `captureStdout`, stdout is collected
    /// too (for short answers such as `proxysites`).
    public static func run(_ arguments: [String], captureStdout: Bool = false,
                           stdinNull: Bool = false) throws -> (Result, stdout: [UInt8]) {
        var errPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [-1, -1]
        guard privatePipe(&errPipe) else { throw TeleportError("cannot create a pipe") }
        if captureStdout, !privatePipe(&outPipe) {
            close(errPipe[0]); close(errPipe[1])
            throw TeleportError("cannot create a pipe")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if captureStdout { posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1) }
        if stdinNull { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }

        var pid: pid_t = 0
        let spawned: Int32
        switch Platform.spawn(arguments, actions: &actions) {
        case .success(let child): (pid, spawned) = (child, 0)
        case .failure(let error): spawned = error.code
        }
        close(errPipe[1])
        if captureStdout { close(outPipe[1]) }
        guard spawned == 0 else {
            close(errPipe[0])
            if captureStdout { close(outPipe[0]) }
            throw TeleportError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }

        forwardedChild = pid
        installForwarding()
        defer { forwardedChild = 0 }

        var errBytes: [UInt8] = []
        var outBytes: [UInt8] = []
        var status: Int32 = 0
        var exited = false
        var fds = [pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
        if captureStdout { fds.append(pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0)) }
        var buffer = [UInt8](repeating: 0, count: 16384)
        var pollTimeout: Int32 = 10  // grows while nothing happens, to stay idle in long sessions
        // Read until the child exits. Pipes are not read to EOF: a ControlMaster
        // that ssh forks may hold them open long after.
        while true {
            if !exited {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { exited = true }
            }
            let ready = poll(&fds, nfds_t(fds.count), exited ? 0 : pollTimeout)
            pollTimeout = ready > 0 ? 10 : min(pollTimeout * 2, 1000)
            var readAny = false
            if ready > 0 {
                for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                    let n = buffer.withUnsafeMutableBytes { Glibc.read(fds[i].fd, $0.baseAddress!, $0.count) }
                    if n > 0 {
                        readAny = true
                        if i == 0 {
                            if errBytes.count < 65536 { errBytes += buffer[0..<n] }
                        } else {
                            if outBytes.count < 8 << 20 { outBytes += buffer[0..<n] }
                        }
                    } else {
                        fds[i].fd = -1
                    }
                }
            }
            if exited && !readAny { break }
            if fds.allSatisfy({ $0.fd < 0 }) && !exited {
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                exited = true
            }
        }
        close(errPipe[0])
        if captureStdout { close(outPipe[0]) }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (Result(status: code, stderr: String(decoding: errBytes, as: UTF8.self)), outBytes)
    }

    /// A pipe whose ends are closed in the child (dup2 onto 1 and 2 clears it).
    private static func privatePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Forwards HUP, INT and TERM to the child: OpenSSH sends SIGHUP to its
    /// ProxyCommand when it is done.
    private static func installForwarding() {
        for sig in [SIGHUP, SIGINT, SIGTERM] {
            signal(sig) { received in
                if forwardedChild > 0 { kill(forwardedChild, received) }
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Finds a program on PATH, as the shell would.
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = Environment.value("PATH") ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
