import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TeleportProto
import TeleportTransport

/// Without TLS routing: `TransportService/ProxyCluster` on the proxy's SSH
/// port carries the bytes of the inner TLS connection to the auth server.
/// A socket pair bridges the two: one end is pumped to and from the stream's
/// frames, NIO runs the inner TLS and gRPC on the other.
enum ClusterTunnel {
    static let method = MethodDescriptor(
        fullyQualifiedService: "teleport.transport.v1.TransportService", method: "ProxyCluster")

    typealias Client = GRPCClient<HTTP2ClientTransport.WrappedChannel>

    static func run<T: Sendable>(carrier: TLSRoute, inner: TLSRoute, cluster: String,
                                 _ body: @Sendable @escaping (Client) async throws -> T) async throws -> T {
        let outer: Connected
        do {
            outer = try await GRPCConnection.connect(carrier)
        } catch let failure as TransportFailure {
            throw failure.teleportError()
        }
        let streamError = NIOLockedValueBox<RPCError?>(nil)
        do {
            return try await withGRPCClient(transport: outer.transport) { outerClient in
                try await tunnel(outerClient, inner: inner, cluster: cluster, streamError: streamError, body)
            }
        } catch let error as RPCError {
            if let tls = outer.tlsFailure { throw tls.teleportError() }
            throw AuthClient.teleportError(error, cluster: cluster)
        } catch let failure as TransportFailure {
            // The stream's own status says more than the inner TLS's EOF.
            if let status = streamError.withLockedValue({ $0 }) {
                throw AuthClient.teleportError(status, cluster: cluster)
            }
            throw failure.teleportError()
        }
    }

    private static func tunnel<T: Sendable>(
        _ outerClient: Client, inner: TLSRoute, cluster: String, streamError: NIOLockedValueBox<RPCError?>,
        _ body: @Sendable @escaping (Client) async throws -> T
    ) async throws -> T {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw TransportFailure.localCredentials("cannot create a socket pair: \(String(cString: strerror(errno)))")
        }
        let (ours, theirs) = (pair[0], pair[1])
        let pump: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            pump = try await ClientBootstrap(group: GRPCConnection.group)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .withConnectedSocket(ours) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            close(theirs)
            throw TransportFailure.closed("cannot set up the tunnel to the auth server: \(error)")
        }
        return try await pump.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: T?.self, returning: T.self) { group in
                // The stream: our end of the socket pair to and from its frames. The proxy
                // answers nothing (not even headers) before the auth server speaks, so the
                // inner TLS must start beside it, not in its response handler.
                group.addTask {
                    let request = StreamingClientRequest(of: Teleport_Transport_V1_ProxyClusterRequest.self) { writer in
                        var first = Teleport_Transport_V1_ProxyClusterRequest()
                        first.cluster = cluster
                        try await writer.write(first)
                        for try await buffer in inbound {
                            var message = Teleport_Transport_V1_ProxyClusterRequest()
                            message.frame.payload = Data(buffer.readableBytesView)
                            try await writer.write(message)
                        }
                    }
                    do {
                        try await outerClient.bidirectionalStreaming(
                            request: request, descriptor: method,
                            serializer: ProtobufSerializer<Teleport_Transport_V1_ProxyClusterRequest>(),
                            deserializer: ProtobufDeserializer<Teleport_Transport_V1_ProxyClusterResponse>(),
                            options: .defaults
                        ) { response in
                            for try await message in response.messages where !message.frame.payload.isEmpty {
                                try await outbound.write(ByteBuffer(bytes: message.frame.payload))
                            }
                        }
                    } catch let error as RPCError {
                        streamError.withLockedValue { $0 = error }
                    } catch {}
                    outbound.finish()
                    return nil
                }
                // The inner TLS and gRPC on the other end.
                group.addTask {
                    let connected = try await GRPCConnection.connect(inner, connectedSocket: theirs)
                    return try await withGRPCClient(transport: connected.transport) { client in
                        try await body(client)
                    }
                }
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                }
                throw TransportFailure.closed("the tunnel to the auth server of \(cluster) closed")
            }
        }
    }
}
