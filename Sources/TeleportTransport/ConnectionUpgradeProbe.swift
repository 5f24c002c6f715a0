import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Whether something between us and the proxy strips ALPN, so that Teleport's
/// routes must run inside the WebSocket upgrade. As Go tsh does at login
/// (api/client/alpn_conn_upgrade.go): a TLS dial to the web address offering
/// only `teleport-reversetunnel`; no protocol agreed means an upgrade is
/// required.
public enum ConnectionUpgradeProbe {
    public static func isRequired(host: String, port: Int, serverName: String, trust: TLSRoute.Trust,
                                  timeoutSeconds: Int64 = 5) async -> Bool {
        guard let context = try? TLSRoute.context(alpn: [TeleportALPN.reverseTunnel], trust: trust,
                                                  clientCertificate: nil) else { return false }
        let timeout = TimeAmount.seconds(timeoutSeconds)
        let handshake = NIOLockedValueBox<EventLoopFuture<String?>?>(nil)
        do {
            let channel = try await ClientBootstrap(group: GRPCConnection.group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(NIOSSLClientHandler(context: context,
                                                                serverHostname: WebSocketTunnel.hostnameForSNI(serverName)))
                        let observer = TLSHandshakeObserver(eventLoop: channel.eventLoop, timeout: timeout)
                        try sync.addHandler(observer)
                        handshake.withLockedValue { $0 = observer.result.futureResult }
                    }
                }
                .connect(host: host, port: port).get()
            defer { channel.close(promise: nil) }
            let negotiated = try await handshake.withLockedValue { $0 }!.get()
            return negotiated != TeleportALPN.reverseTunnel
        } catch let failure as TransportFailure {
            // A server that refuses the protocol outright also strips it.
            if case .notOffered = failure { return true }
            return false
        } catch {
            return false
        }
    }
}
