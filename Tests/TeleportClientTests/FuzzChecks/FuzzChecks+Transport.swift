import TeleportTransport

extension FuzzChecks {
    // MARK: 8. The transport's outside input

    /// The WebSocket stream of a connection upgrade, and TransportService
    /// responses: no trap, and what is relayed never exceeds what came in.
    static func transport(_ data: [UInt8]) throws {
        if let (relayed, _) = try? TransportInputs.webSocketStream(data) {
            try require(relayed.count <= data.count,
                        "the tunnel relayed \(relayed.count) bytes out of \(data.count) received")
        }
        if let payload = try? TransportInputs.proxySSHResponse(data) {
            try require(payload.count <= data.count,
                        "a response decoded to a payload larger than its message")
        }
    }
}
