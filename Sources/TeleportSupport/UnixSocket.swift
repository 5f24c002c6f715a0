/// A connected `AF_UNIX` stream socket: the ssh-agent's `SSH_AUTH_SOCK`, and
/// the probe of ssh's multiplexing control sockets. Blocking, with a timeout
/// on every read and write, so that a hung peer cannot hang tsh.
public final class UnixSocket {
    public let path: String
    private let fd: Int32

    /// Connects to `path`. `timeoutSeconds` bounds each later read and write.
    public init(connectingTo path: String, timeoutSeconds: Int = 5) throws {
        let bytes = Array(path.utf8)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw TeleportError("the socket path \(Names.quoted(path)) is empty or too long for a Unix socket",
                                kind: .invalidInput)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FileSystem.error("cannot create a socket for", path) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
        guard connected else {
            let error = FileSystem.error("cannot connect to", path)
            close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// True when something accepts connections on `path`.
    public static func isListening(_ path: String) -> Bool {
        (try? UnixSocket(connectingTo: path, timeoutSeconds: 1)) != nil
    }

    /// All of `bytes`. `send` with MSG_NOSIGNAL: a peer that went away is an
    /// error here, not a SIGPIPE that ends tsh.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FileSystem.error("cannot write to", path) }
            offset += n
        }
    }

    /// Exactly `count` bytes; an early end of stream is an error.
    public func read(exactly count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + filled, count - filled)
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FileSystem.error("cannot read from", path) }
            if n == 0 { throw TeleportError("\(path) closed the connection", kind: .unreachable) }
            filled += n
        }
        return buffer
    }
}
