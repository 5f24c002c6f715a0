import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportTransport
import TeleportWebAPI

/// Finds the proxy's web API and learns its settings with one ping
/// (docs/protocol.md, "Ping").
public struct ProxyDiscovery: Sendable {
    public var web: WebClient
    public var ping: PingResponse
    public var rootCluster: String
    /// The web proxy address to store: `proxy.ssh.public_addr`, else the one dialled.
    public var webProxyAddr: HostPort
    public var sshProxyAddr: HostPort
    public var tlsRoutingEnabled: Bool
    /// With TLS routing: whether something in front of the proxy strips ALPN,
    /// so Teleport's routes must run inside the WebSocket upgrade.
    public var connUpgradeRequired = false

    /// Pings each candidate web port in turn (3080 then 443 when none is
    /// given) and keeps the first that answers.
    /// With a `connector` (`--auth`, or the profile's `auth_connector`), the
    /// ping is `/webapi/ping/<connector>`, whose `auth` is that connector's.
    public static func discover(_ proxy: ProxyAddress, http: any HTTPTransport, connector: String? = nil) throws -> ProxyDiscovery {
        var lastError: TeleportError?
        for port in proxy.webPortCandidates {
            let web = WebClient(address: HostPort(host: proxy.host, port: port), http: http)
            do {
                let ping = try connector.map { try web.ping(connector: $0) } ?? web.ping()
                return try ProxyDiscovery(web: web, ping: ping, requested: proxy)
            } catch let error as TeleportError {
                lastError = error
                // Only an unreachable port is worth trying the next one.
                guard proxy.webPort == nil, error.kind == .unreachable else { throw error }
            }
        }
        throw lastError ?? TeleportError("cannot reach the proxy \(proxy.host)", kind: .unreachable)
    }

    init(web: WebClient, ping: PingResponse, requested: ProxyAddress) throws {
        self.web = web
        self.ping = ping
        guard let cluster = ping.clusterName, !cluster.isEmpty else {
            throw TeleportError("the proxy at \(web.baseURL) did not name its cluster; is it a Teleport proxy?")
        }
        try Names.validateCluster(cluster)
        rootCluster = cluster
        (webProxyAddr, sshProxyAddr) = try Self.addresses(ping: ping, dialled: web.address, requested: requested)
        tlsRoutingEnabled = ping.proxy?.tlsRoutingEnabled ?? false
    }

    /// The web and SSH proxy addresses to store, from a ping of `dialled`.
    /// Public so that the fuzz check exercises this very code.
    public static func addresses(ping: PingResponse, dialled: HostPort,
                                 requested: ProxyAddress) throws -> (web: HostPort, ssh: HostPort) {
        let ssh = ping.proxy?.ssh
        let web: HostPort
        if let publicAddr = ssh?.publicAddr, !publicAddr.isEmpty {
            // public_addr may list several addresses; the first is the one tsh uses.
            let first = String(publicAddr.split(separator: ",").first ?? "")
            web = try HostPort.parse(first, defaultPort: dialled.port)
        } else {
            web = dialled
        }
        if let sshPort = requested.sshPort {
            return (web, HostPort(host: web.host, port: sshPort))
        } else if ping.proxy?.tlsRoutingEnabled ?? false {
            return (web, web)
        } else if let sshPublic = ssh?.sshPublicAddr, !sshPublic.isEmpty {
            return (web, try HostPort.parse(String(sshPublic.split(separator: ",").first ?? ""), defaultPort: Ports.proxySSH))
        } else {
            let listenPort = (try? HostPort.parse(ssh?.listenAddr ?? "", defaultPort: Ports.proxySSH).port) ?? Ports.proxySSH
            return (web, HostPort(host: web.host, port: listenPort))
        }
    }

    /// With TLS routing, finds out (once, at login) whether something in
    /// front of the proxy strips ALPN, so that `tsh proxy ssh` need not.
    public mutating func probeConnectionUpgrade(trust: TLSRoute.Trust) {
        guard tlsRoutingEnabled else { return }
        let address = web.address
        let probed = (try? BlockingCall.run {
            await ConnectionUpgradeProbe.isRequired(host: address.host, port: address.port,
                                                    serverName: address.host, trust: trust)
        }) ?? false
        connUpgradeRequired = ConnectionUpgradePolicy.required(stored: probed)
    }

    /// tsh's warning when the proxy wants a newer client.
    public var versionWarning: String? {
        guard let minimum = ping.minClientVersion, !minimum.isEmpty,
              SemanticVersion(minimum) > SemanticVersion(VersionInfo.teleportCompatibility) else { return nil }
        let shown = Names.printable(minimum, limit: 50)
        return """

            WARNING
            Detected potentially incompatible client and server versions.
            Minimum client version supported by the server is \(shown) but you are using \(VersionInfo.teleportCompatibility).
            Please upgrade tsh to \(shown) or newer or use the --skip-version-check flag to bypass this check.
            Future versions of tsh will fail when incompatible versions are detected.


            """
    }
}

/// Dotted numeric versions, compared part by part; pre-release tags ignored.
struct SemanticVersion: Comparable {
    let parts: [Int]

    init(_ text: String) {
        let core = text.drop { $0 == "v" }.prefix { $0 != "-" && $0 != "+" }
        parts = core.split(separator: ".").map { Int($0) ?? 0 }
    }

    static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        for i in 0..<max(a.parts.count, b.parts.count) {
            let x = i < a.parts.count ? a.parts[i] : 0
            let y = i < b.parts.count ? b.parts[i] : 0
            if x != y { return x < y }
        }
        return false
    }
}
