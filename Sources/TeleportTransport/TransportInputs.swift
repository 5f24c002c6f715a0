import NIOCore
import NIOEmbedded
import NIOWebSocket
import SwiftProtobuf
import TeleportProto

/// The outside input the transport parses, one entry point each, for the
/// fuzzer and its regression test: what the proxy's WebSocket tunnel sends,
/// and the TransportService's response messages. Each either yields what the
/// relay would pass on, or throws; neither may trap or grow without bound.
public enum TransportInputs {
    /// Bytes from the proxy inside a connection upgrade, through NIO's frame
    /// decoder and our tunnel handler: the stream bytes relayed onwards, and
    /// what the handler writes back (pongs, the close reply).
    public static func webSocketStream(_ bytes: [UInt8]) throws -> (relayed: [UInt8], repliedFrames: Int) {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketTunnel.maxFrameSize)))
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.pipeline.syncOperations.addHandler(WebSocketStreamHandler())
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        var relayed: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) {
            relayed += buffer.readableBytesView
        }
        var replies = 0
        while try channel.readOutbound(as: ByteBuffer.self) != nil { replies += 1 }
        return (relayed, replies)
    }

    /// A `ProxySSHResponse` message as the proxy sends it: the SSH payload
    /// it carries, if any.
    public static func proxySSHResponse(_ bytes: [UInt8]) throws -> [UInt8]? {
        let message = try Teleport_Transport_V1_ProxySSHResponse(serializedBytes: bytes)
        if case .ssh(let frame)? = message.frame { return Array(frame.payload) }
        return nil
    }
}
