import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// Teleport's connection upgrade: behind an L7 load balancer that strips
/// ALPN, the client opens TLS to the web port, asks
/// `GET /webapi/connectionupgrade` to become a WebSocket, and runs the real
/// TLS connection inside its binary frames (lib/web/conn_upgrade.go).
enum WebSocketTunnel {
    static let path = "/webapi/connectionupgrade"
    /// Largest frame accepted from the server. Frames carry TLS records, so
    /// this bounds memory, not throughput.
    static let maxFrameSize = 1 << 20

    /// Connects and upgrades; on success `whenTunnelled` runs on the event
    /// loop with the pipeline ending in a byte stream (inside the tunnel).
    static func open<Result: Sendable>(
        host: String, port: Int, upgrade: ConnectionUpgrade, connectTimeout: TimeAmount,
        group: any EventLoopGroup,
        whenTunnelled: @escaping @Sendable (any Channel) throws -> EventLoopFuture<Result>
    ) async throws -> Result {
        let outer = try TLSRoute.context(alpn: [TeleportALPN.http1], trust: upgrade.trust, clientCertificate: nil)
        let serverName = upgrade.serverName
        let requested = upgrade.subProtocol
        let tunnelled = group.any().makePromise(of: Result.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: outer, serverHostname: hostnameForSNI(serverName)))
                    let requester = UpgradeRequester(host: serverName, subProtocol: requested.rawValue, failure: tunnelled)
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize) { channel, response in
                        let agreed = response.headers.first(name: "Sec-WebSocket-Protocol")
                        guard agreed == requested.rawValue else {
                            let failure = TransportFailure.notOffered(
                                "the proxy's connection upgrade answered with sub-protocol \(agreed ?? "none"), not \(requested.rawValue)")
                            tunnelled.fail(failure)
                            return channel.eventLoop.makeFailedFuture(failure)
                        }
                        return channel.pipeline.syncOperations.removeHandler(requester).flatMapThrowing {
                            try channel.pipeline.syncOperations.addHandler(WebSocketStreamHandler())
                        }.flatMap {
                            do { return try whenTunnelled(channel) } catch { return channel.eventLoop.makeFailedFuture(error) }
                        }.map { result in
                            tunnelled.succeed(result)
                        }.flatMapErrorThrowing { error in
                            tunnelled.fail(error)
                            throw error
                        }
                    }
                    try sync.addHTTPClientHandlers(withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try sync.addHandler(requester)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            tunnelled.fail(TransportFailure.connect(error, host: host, port: port))
            throw TransportFailure.connect(error, host: host, port: port)
        }
        channel.closeFuture.whenComplete { _ in
            tunnelled.fail(TransportFailure.closed("the proxy closed the connection upgrade"))
        }
        return try await tunnelled.futureResult.get()
    }

    /// SNI must be a DNS name; an IP address is sent without SNI.
    static func hostnameForSNI(_ name: String) -> String? {
        let isAddress = name.contains(":") || name.allSatisfy { $0.isNumber || $0 == "." }
        return isAddress ? nil : name
    }
}

/// Sends the upgrade request once the channel is active, and turns a plain
/// HTTP answer (no upgrade) into a clear failure.
private final class UpgradeRequester: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private let host: String
    private let subProtocol: String
    private let failure: any FailablePromise

    init<T>(host: String, subProtocol: String, failure: EventLoopPromise<T>) {
        self.host = host
        self.subProtocol = subProtocol
        self.failure = PromiseFailer(failure)
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Sec-WebSocket-Protocol", value: subProtocol)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: WebSocketTunnel.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            failure.fail(TransportFailure.notOffered(
                "the proxy did not upgrade the connection (HTTP \(head.status.code) on \(WebSocketTunnel.path))"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure.fail(TransportFailure.handshake(error))
        context.close(promise: nil)
    }
}

private protocol FailablePromise {
    func fail(_ error: any Error)
}

private struct PromiseFailer<T>: FailablePromise {
    let promise: EventLoopPromise<T>
    init(_ promise: EventLoopPromise<T>) { self.promise = promise }
    func fail(_ error: any Error) { promise.fail(error) }
}

/// Inside the tunnel: binary frames become a byte stream and back. Pings are
/// answered with pongs (`alpn-ping`), a Close frame is the end of input.
final class WebSocketStreamHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .continuation, .text:
            var payload = frame.unmaskedData
            if payload.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(payload)) }
            _ = payload
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            if !closing {
                closing = true
                let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(),
                                           data: context.channel.allocator.buffer(capacity: 0))
                context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in context.close(promise: nil) }
            }
        default:
            break
        }
        frame.data.clear()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: bytes)
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}
