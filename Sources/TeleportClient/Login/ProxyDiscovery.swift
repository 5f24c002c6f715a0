/// Finds the proxy's web API and learns its settings with one ping
/// (teleport-reference §1.1).
public struct ProxyDiscovery: Sendable {
    public var web: WebClient
    public var ping: PingResponse
    public var rootCluster: String
    /// The web proxy address to store: `proxy.ssh.public_addr`, else the one dialled.
    public var webProxyAddr: HostPort
    public var sshProxyAddr: HostPort
    public var tlsRoutingEnabled: Bool

    /// Pings each candidate web port in turn (3080 then 443 when none is
    /// given) and keeps the first that answers.
    /// With a `connector` (`--auth`, or the profile's `auth_connector`), the
    /// ping is `/webapi/ping/<connector>`, whose `auth` is that connector's.
    public static func discover(_ proxy: ProxyAddress, http: HTTPClient, connector: String? = nil) throws -> ProxyDiscovery {
        var lastError: TeleportError?
        for port in proxy.webPortCandidates {
            let web = WebClient(address: HostPort(host: proxy.host, port: port), http: http)
            do {
                let ping = try connector.map { try web.ping(connector: $0) } ?? web.ping()
                return try ProxyDiscovery(web: web, ping: ping, requested: proxy)
            } catch let error as TeleportError {
                lastError = error
                // Only an unreachable port is worth trying the next one.
                guard proxy.webPort == nil, error.message.hasPrefix("cannot reach") else { throw error }
            }
        }
        throw lastError ?? TeleportError("cannot reach the proxy \(proxy.host)")
    }

    init(web: WebClient, ping: PingResponse, requested: ProxyAddress) throws {
        self.web = web
        self.ping = ping
        guard let cluster = ping.clusterName, !cluster.isEmpty else {
            throw TeleportError("the proxy at \(web.baseURL) did not name its cluster; is it a Teleport proxy?")
        }
        try Names.validateCluster(cluster)
        rootCluster = cluster

        let ssh = ping.proxy?.ssh
        if let publicAddr = ssh?.publicAddr, !publicAddr.isEmpty {
            // public_addr may list several addresses; the first is the one tsh uses.
            let first = String(publicAddr.split(separator: ",").first ?? "")
            webProxyAddr = try HostPort.parse(first, defaultPort: web.address.port)
        } else {
            webProxyAddr = web.address
        }
        tlsRoutingEnabled = ping.proxy?.tlsRoutingEnabled ?? false

        if let sshPort = requested.sshPort {
            sshProxyAddr = HostPort(host: webProxyAddr.host, port: sshPort)
        } else if tlsRoutingEnabled {
            sshProxyAddr = webProxyAddr
        } else if let sshPublic = ssh?.sshPublicAddr, !sshPublic.isEmpty {
            sshProxyAddr = try HostPort.parse(String(sshPublic.split(separator: ",").first ?? ""), defaultPort: 3023)
        } else {
            let listenPort = (try? HostPort.parse(ssh?.listenAddr ?? "", defaultPort: 3023).port) ?? 3023
            sshProxyAddr = HostPort(host: webProxyAddr.host, port: listenPort)
        }
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
