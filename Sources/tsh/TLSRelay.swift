import ArgumentParser
import TeleportSupport
import TeleportTransport

/// `tsh proxy tls-relay`: the OpenSSH leg's own ProxyCommand under TLS
/// routing. It opens TLS with ALPN `teleport-proxy-ssh` to the proxy's web
/// address (through the connection upgrade when needed) and relays stdio.
struct TLSRelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls-relay",
        abstract: "Relay stdin and stdout to the proxy's SSH service inside TLS (used by the OpenSSH leg).",
        shouldDisplay: false)

    @Option(name: .long, help: "Name the proxy's web certificate carries (SNI).")
    var serverName: String

    @Flag(name: .long, help: "Tunnel through the proxy's WebSocket connection upgrade.")
    var connUpgrade = false

    @Argument(help: "host:port of the proxy's TLS-routing (web) address.")
    var address: String

    func run() throws {
        let address = try HostPort.parse(address)
        try Names.validateHost(serverName, kind: "server name")
        let trust = TLSRoute.Trust.systemFromEnvironment
        let route = TLSRoute(
            host: address.host, port: address.port, serverName: serverName,
            alpn: [TeleportALPN.proxySSH], trust: trust,
            upgrade: connUpgrade ? ConnectionUpgrade(serverName: serverName, trust: trust) : nil)
        do {
            try BlockingCall.run { try await TLSRelay.run(route) }
        } catch let error as TeleportError {
            throw TeleportError("cannot reach the proxy's SSH service at \(address) inside TLS: \(error.message)",
                                kind: error.kind)
        }
    }
}
