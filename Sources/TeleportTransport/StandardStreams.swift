import Foundation
import NIOCore
import NIOPosix
import TeleportSupport

/// stdin and stdout as one NIO channel, so relayed bytes flow with
/// backpressure: nothing is read from stdin faster than the proxy takes it,
/// and nothing from the proxy faster than stdout (OpenSSH) takes it.
///
/// OpenSSH gives its ProxyCommand a socket pair or pipes, which epoll can
/// watch. Anything else (a regular file, /dev/null, a terminal, whose flags
/// we must not change) is copied through a socket pair by two threads.
enum StandardStreams {
    typealias Channel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Reads of stdin: large, so bulk transfers become few large frames.
    static let readSize = 256 << 10

    static func open(group: any EventLoopGroup) async throws -> Channel {
        try await openWithOutput(group: group).channel
    }

    /// The channel and the descriptor it writes to (stdout, or our end of
    /// the socket pair), for `DirectOutput`.
    static func openWithOutput(group: any EventLoopGroup) async throws -> (channel: Channel, output: Int32) {
        if isPollable(0) && isPollable(1) {
            growPipe(0)
            growPipe(1)
            return (try await pipeChannel(input: 0, output: 1, group: group), 1)
        }
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw TransportFailure.localCredentials("cannot create a socket pair: \(String(cString: strerror(errno)))")
        }
        let (ours, theirs) = (pair[0], pair[1])
        Thread.detachNewThread { copy(from: 0, to: theirs, thenShutdown: true) }
        Thread.detachNewThread { copy(from: theirs, to: 1, thenShutdown: false) }
        let input = dup(ours)
        return (try await pipeChannel(input: input, output: ours, group: group), ours)
    }

    private static func pipeChannel(input: Int32, output: Int32, group: any EventLoopGroup) async throws -> Channel {
        try await NIOPipeBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: readSize))
            .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Channel(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Writes bytes held in a `Data` (a decoded message's payload) to the
    /// channel's output without first copying them into a ByteBuffer: NIO
    /// has no ByteBuffer over foreign memory (`ByteBuffer(data:)` copies
    /// too), and that copy cost a memcpy per relayed byte and the message's
    /// size in heap. write(2) goes straight from the Data while the pipe
    /// takes it; only what it does not take (the pipe is full) is copied and
    /// handed to the channel, which waits for writability, and that write is
    /// awaited, so direct and channel writes never interleave. Direct writes
    /// happen only on the channel's event loop while it is active, so the
    /// descriptor cannot be closed (and reused) under them.
    struct DirectOutput {
        let channel: any NIOCore.Channel
        let descriptor: Int32

        func write(_ data: Data) async throws {
            var written = 0
            if channel.eventLoop.inEventLoop && channel.isActive {
                written = data.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                        if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
                    }
                    return offset
                }
            }
            // Full pipe (EAGAIN) or an error: the channel waits, or reports it.
            if written < data.count {
                let rest = data[(data.startIndex + written)...]
                try await channel.writeAndFlush(ByteBuffer(bytes: rest)).get()
            }
        }
    }

    /// OpenSSH gives its ProxyCommand pipes of 64 KiB, so a bulk transfer
    /// crossed them in reads and writes of at most 64 KiB: a gRPC message, a
    /// wake-up of ssh and of us, per 64 KiB. At 1 MiB (Linux's default
    /// pipe-max-size) a read fills `readSize`. The pipe's pages are the
    /// kernel's, not in our RSS; if the user's pipe quota is spent the call
    /// fails and the pipe stays as it was.
    private static func growPipe(_ fd: Int32) {
        let F_SETPIPE_SZ: Int32 = 1031  // F_LINUX_SPECIFIC_BASE + 7; not in Swift's Glibc module
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFIFO else { return }
        _ = fcntl(fd, F_SETPIPE_SZ, Int32(1 << 20))
    }

    private static func isPollable(_ fd: Int32) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        let type = st.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFSOCK
    }

    /// Blocking copy for descriptors epoll cannot watch.
    private static func copy(from source: Int32, to sink: Int32, thenShutdown: Bool) {
        var buffer = [UInt8](repeating: 0, count: readSize)
        outer: while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(sink, $0.baseAddress! + offset, n - offset) }
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { break outer }
                offset += w
            }
        }
        if thenShutdown { shutdown(sink, Int32(SHUT_WR)) } else { close(sink) }
    }
}
