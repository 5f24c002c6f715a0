import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A gRPC client transport over TLS that we build ourselves: grpc-swift's own
/// TLS offers only `grpc-exp`/`h2`, while Teleport routes on its ALPN names,
/// the cluster's server name and the user's certificate. The TLS runs on a
/// TCP connection, or inside the WebSocket of a connection upgrade.
package enum GRPCConnection {
    /// The one event loop thread of the process, for every channel: the stdio
    /// channel and the connection it relays to then hand buffers over without
    /// waking another thread (the singleton group put them on two loops).
    private static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    package static var group: any EventLoopGroup { loops }
    /// Runs the async code of a transport on that loop (`BlockingCall`).
    static let taskExecutor: any TaskExecutor = EventLoopTaskExecutor(loops.next())

    /// Connects and completes the TLS handshake. Throws `TransportFailure`;
    /// `.notOffered` when the server agreed on no protocol of the route.
    ///
    /// `connectedSocket`: run the TLS on this already connected socket (one
    /// end of a socket pair whose other end a stream carries) instead of
    /// dialling the route's host and port; NIO takes ownership of it.
    package static func connect(_ route: TLSRoute, connectedSocket: NIOBSDSocket.Handle? = nil) async throws -> Connected {
        let context = try route.makeContext()
        let timeout = TimeAmount.seconds(max(1, route.connectTimeoutSeconds))
        let opened = NIOLockedValueBox<(any Channel)?>(nil)
        let observed = NIOLockedValueBox<(EventLoopFuture<String?>, NIOLockedValueBox<TransportFailure?>)?>(nil)

        @Sendable func addTLS(_ channel: any Channel) throws {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLClientHandler(context: context,
                                                    serverHostname: WebSocketTunnel.hostnameForSNI(route.serverName)))
            let observer = TLSHandshakeObserver(eventLoop: channel.eventLoop, timeout: timeout)
            try sync.addHandler(observer)
            opened.withLockedValue { $0 = channel }
            observed.withLockedValue { $0 = (observer.result.futureResult, observer.lateFailure) }
        }

        var config = HTTP2ClientTransport.WrappedChannel.Config.defaults
        config.http2.targetWindowSize = 8 << 20
        config.http2.authority = route.serverName
        let transport = try await HTTP2ClientTransport.WrappedChannel.wrapping(config: config) { configure in
            if let upgrade = route.upgrade, connectedSocket == nil {
                return try await WebSocketTunnel.open(
                    host: route.host, port: route.port, upgrade: upgrade, connectTimeout: timeout, group: group
                ) { channel in
                    try addTLS(channel)
                    return configure(channel)
                }
            }
            let configured = NIOLockedValueBox<EventLoopFuture<HTTP2ClientTransport.WrappedChannel.ConfiguredChannel>?>(nil)
            do {
                var bootstrap = ClientBootstrap(group: group).connectTimeout(timeout)
                if connectedSocket == nil {
                    bootstrap = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
                }
                bootstrap = bootstrap
                    .channelInitializer { channel in
                        do {
                            try addTLS(channel)
                        } catch {
                            return channel.eventLoop.makeFailedFuture(error)
                        }
                        let future = configure(channel)
                        configured.withLockedValue { $0 = future }
                        return future.map { _ in }
                    }
                if let connectedSocket {
                    _ = try await bootstrap.withConnectedSocket(connectedSocket).get()
                } else {
                    _ = try await bootstrap.connect(host: route.host, port: route.port).get()
                }
            } catch let failure as TransportFailure {
                throw failure
            } catch {
                throw TransportFailure.connect(error, host: route.host, port: route.port)
            }
            return try await configured.withLockedValue { $0! }.get()
        }
        do {
            guard let (handshake, lateFailure) = observed.withLockedValue({ $0 }) else {
                throw TransportFailure.closed("the TLS connection was not set up")
            }
            let negotiated = try await handshake.get()
            guard let negotiated, route.alpn.contains(negotiated) else {
                throw TransportFailure.notOffered("the proxy agreed on none of \(route.alpn.joined(separator: ", "))")
            }
            return Connected(transport: transport, lateFailure: lateFailure)
        } catch {
            // The transport owns the channel now, and must run once to let go
            // of it (its connection's writer may not be dropped unfinished):
            // with the channel closed, that returns at once.
            try? await opened.withLockedValue({ $0 })?.close()
            try? await transport.connect()
            throw error
        }
    }
}

/// A connected gRPC transport, and where a TLS alert that came after the
/// handshake is kept.
package struct Connected: Sendable {
    package let transport: HTTP2ClientTransport.WrappedChannel
    let lateFailure: NIOLockedValueBox<TransportFailure?>

    /// The TLS-level reason for a failed call, when there is one.
    package var tlsFailure: TransportFailure? { lateFailure.withLockedValue { $0 } }
}
