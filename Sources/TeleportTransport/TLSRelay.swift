import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Relays stdin and stdout through one TLS connection: the OpenSSH leg's own
/// ProxyCommand when the proxy's SSH service is reached by ALPN
/// `teleport-proxy-ssh` on a TLS-routing port. ssh then speaks SSH inside it.
public enum TLSRelay {
    public static func run(_ route: TLSRoute) async throws {
        let context: NIOSSLContext
        do {
            context = try route.makeContext()
        } catch let failure as TransportFailure {
            throw failure.teleportError()
        }
        let timeout = TimeAmount.seconds(max(1, route.connectTimeoutSeconds))
        let group = GRPCConnection.group
        let handshake = NIOLockedValueBox<EventLoopFuture<String?>?>(nil)

        @Sendable func wrap(_ channel: any Channel) throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLClientHandler(context: context,
                                                    serverHostname: WebSocketTunnel.hostnameForSNI(route.serverName)))
            let observer = TLSHandshakeObserver(eventLoop: channel.eventLoop, timeout: timeout)
            try sync.addHandler(observer)
            handshake.withLockedValue { $0 = observer.result.futureResult }
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel,
                                       configuration: .init(isOutboundHalfClosureEnabled: true))
        }

        let remote: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            if let upgrade = route.upgrade {
                remote = try await WebSocketTunnel.open(host: route.host, port: route.port, upgrade: upgrade,
                                                        connectTimeout: timeout, group: group) { channel in
                    channel.eventLoop.makeCompletedFuture { try wrap(channel) }
                }
            } else {
                do {
                    remote = try await ClientBootstrap(group: group)
                        .connectTimeout(timeout)
                        .channelOption(.socketOption(.tcp_nodelay), value: 1)
                        .connect(host: route.host, port: route.port) { channel in
                            channel.eventLoop.makeCompletedFuture { try wrap(channel) }
                        }
                } catch let failure as TransportFailure {
                    throw failure
                } catch {
                    throw TransportFailure.connect(error, host: route.host, port: route.port)
                }
            }
            let negotiated = try await handshake.withLockedValue { $0 }!.get()
            guard let negotiated, route.alpn.contains(negotiated) else {
                throw TransportFailure.notOffered("the proxy agreed on none of \(route.alpn.joined(separator: ", "))")
            }
        } catch let failure as TransportFailure {
            throw failure.teleportError()
        }

        let stdio = try await StandardStreams.open(group: group)
        try await remote.executeThenClose { remoteIn, remoteOut in
            try await stdio.executeThenClose { localIn, localOut in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for try await buffer in localIn { try await remoteOut.write(buffer) }
                        remoteOut.finish()  // stdin EOF: half-close towards the proxy
                    }
                    tasks.addTask {
                        for try await buffer in remoteIn { try await localOut.write(buffer) }
                    }
                    // The proxy's side ending is the end of the session.
                    _ = try await tasks.next()
                    _ = try await tasks.next()
                }
            }
        }
    }
}
