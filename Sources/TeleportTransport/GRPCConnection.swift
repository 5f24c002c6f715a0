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
enum GRPCConnection {
    /// The event loops of the process: one is plenty for one connection.
    static var group: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }

    /// Connects and completes the TLS handshake. Throws `TransportFailure`;
    /// `.notOffered` when the server agreed on no protocol of the route.
    static func connect(_ route: TLSRoute) async throws -> HTTP2ClientTransport.WrappedChannel {
        let context = try route.makeContext()
        let timeout = TimeAmount.seconds(max(1, route.connectTimeoutSeconds))
        let observed = NIOLockedValueBox<EventLoopFuture<String?>?>(nil)

        @Sendable func addTLS(_ channel: any Channel) throws {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLClientHandler(context: context,
                                                    serverHostname: WebSocketTunnel.hostnameForSNI(route.serverName)))
            let observer = TLSHandshakeObserver(eventLoop: channel.eventLoop, timeout: timeout)
            try sync.addHandler(observer)
            observed.withLockedValue { $0 = observer.result.futureResult }
        }

        var config = HTTP2ClientTransport.WrappedChannel.Config.defaults
        config.http2.targetWindowSize = 8 << 20
        config.http2.authority = route.serverName
        let transport = try await HTTP2ClientTransport.WrappedChannel.wrapping(config: config) { configure in
            if let upgrade = route.upgrade {
                return try await WebSocketTunnel.open(
                    host: route.host, port: route.port, upgrade: upgrade, connectTimeout: timeout, group: group
                ) { channel in
                    try addTLS(channel)
                    return configure(channel)
                }
            }
            let configured = NIOLockedValueBox<EventLoopFuture<HTTP2ClientTransport.WrappedChannel.ConfiguredChannel>?>(nil)
            do {
                _ = try await ClientBootstrap(group: group)
                    .connectTimeout(timeout)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
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
                    .connect(host: route.host, port: route.port).get()
            } catch let failure as TransportFailure {
                throw failure
            } catch {
                throw TransportFailure.connect(error, host: route.host, port: route.port)
            }
            return try await configured.withLockedValue { $0! }.get()
        }
        do {
            guard let future = observed.withLockedValue({ $0 }) else {
                throw TransportFailure.closed("the TLS connection was not set up")
            }
            let negotiated = try await future.get()
            guard let negotiated, route.alpn.contains(negotiated) else {
                throw TransportFailure.notOffered("the proxy agreed on none of \(route.alpn.joined(separator: ", "))")
            }
            return transport
        } catch {
            transport.beginGracefulShutdown()
            throw error
        }
    }
}
