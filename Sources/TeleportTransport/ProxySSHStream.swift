import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationEssentialsCompat
import TeleportProto

/// `tsh proxy ssh` over Teleport's TransportService: one bidirectional gRPC
/// stream per node connection (api/proto/teleport/transport/v1). The proxy
/// dials the node itself, so the only SSH handshake left is the node's, run
/// by the user's ssh through our stdin and stdout.
public struct ProxySSHStream: Sendable {
    static let method = MethodDescriptor(
        fullyQualifiedService: "teleport.transport.v1.TransportService", method: "ProxySSH")

    public var route: TLSRoute
    /// `<node>:<port>` as the proxy routes it, the cluster, the node login.
    public var hostPort: String
    public var cluster: String
    public var login: String

    public init(route: TLSRoute, hostPort: String, cluster: String, login: String) {
        self.route = route
        self.hostPort = hostPort
        self.cluster = cluster
        self.login = login
    }

    /// Connects, asks for the node, and relays stdin and stdout until the
    /// node's side ends. Until the proxy has accepted the target, nothing is
    /// read from stdin, so a caller may still fall back to another transport
    /// when this throws a `TeleportError` of kind `.unsupported`.
    public func run() async throws {
        let connected: Connected
        do {
            connected = try await GRPCConnection.connect(route)
        } catch let failure as TransportFailure {
            throw failure.teleportError()
        }
        let established = EstablishedFlag()
        do {
            try await withGRPCClient(transport: connected.transport) { client in
                try await call(client, established: established)
            }
        } catch let error as RPCError {
            let failure = connected.tlsFailure ?? .status(error.code, error.message)
            throw failure.teleportError(established: established.value)
        } catch let failure as TransportFailure {
            throw failure.teleportError(established: established.value)
        }
    }

    private func call(_ client: GRPCClient<HTTP2ClientTransport.WrappedChannel>,
                      established: EstablishedFlag) async throws {
        var opening = Teleport_Transport_V1_ProxySSHRequest()
        opening.dialTarget.hostPort = hostPort
        opening.dialTarget.cluster = cluster
        opening.dialTarget.loginName = login
        let first = opening
        // The response side opens stdio once the proxy accepted the target and
        // hands stdin to the request side.
        let (inputs, handOver) = AsyncStream.makeStream(of: NIOAsyncChannelInboundStream<ByteBuffer>.self)
        let request = StreamingClientRequest(of: Teleport_Transport_V1_ProxySSHRequest.self) { writer in
            try await writer.write(first)
            for await stdin in inputs {
                for try await buffer in stdin {
                    var message = Teleport_Transport_V1_ProxySSHRequest()
                    // The payload borrows the read buffer (kept alive until the
                    // message is serialized) instead of copying it.
                    message.ssh.payload = buffer.getData(at: buffer.readerIndex, length: buffer.readableBytes,
                                                         byteTransferStrategy: .noCopy)!
                    try await writer.write(message)
                }
                break
            }
            // Returning ends the request stream: the proxy half-closes the node.
        }
        try await client.bidirectionalStreaming(
            request: request, descriptor: Self.method,
            serializer: ProtobufSerializer<Teleport_Transport_V1_ProxySSHRequest>(),
            deserializer: ProtobufDeserializer<Teleport_Transport_V1_ProxySSHResponse>(),
            options: .defaults
        ) { response in
            defer { handOver.finish() }
            var messages = response.messages.makeAsyncIterator()
            // The first answer carries the cluster details: the node is dialled.
            guard let details = try await messages.next() else {
                throw TransportFailure.closed("the proxy ended the stream before connecting to the node")
            }
            established.set()
            let (stdio, output) = try await StandardStreams.openWithOutput(group: GRPCConnection.group)
            let stdout = StandardStreams.DirectOutput(channel: stdio.channel, descriptor: output)
            try await stdio.executeThenClose { inbound, _ in
                handOver.yield(inbound)
                handOver.finish()
                if case .ssh(let frame)? = details.frame, !frame.payload.isEmpty {
                    try await stdout.write(frame.payload)
                }
                while let message = try await messages.next() {
                    guard case .ssh(let frame)? = message.frame, !frame.payload.isEmpty else { continue }
                    try await stdout.write(frame.payload)
                }
            }
        }
    }
}

/// Set once the proxy has accepted the target, from the response task.
final class EstablishedFlag: Sendable {
    private let box = NIOLockedValueBox(false)
    var value: Bool { box.withLockedValue { $0 } }
    func set() { box.withLockedValue { $0 = true } }
}
