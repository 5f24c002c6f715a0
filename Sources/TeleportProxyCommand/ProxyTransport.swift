import TeleportProfile
import TeleportSupport
import TeleportTransport

/// Which leg carries a `tsh proxy ssh` connection (`--transport`).
public enum ProxyTransport: String, CaseIterable, Sendable {
    /// gRPC first; the OpenSSH leg when the proxy does not offer it.
    case auto
    /// Teleport's TransportService over TLS only.
    case grpc
    /// The system ssh and the proxy's `proxy:` subsystem only.
    case openssh
}

/// Where the native leg connects, read from the profile alone (login stored
/// what the proxy offers, so nothing is pinged per connection).
public struct NativeRoute: Sendable {
    public var route: TLSRoute
    /// For `--dry-run` and messages: why this address and these settings.
    public var reason: String

    /// The TLS route to the TransportService, or nil with the reason when the
    /// profile lacks what it needs (a profile from before the cluster's CA
    /// files, say), in which case only the OpenSSH leg can run.
    public static func make(legProfile: LegProfile) -> (NativeRoute?, String) {
        let profile = legProfile.entry.profile
        let directory = legProfile.store.directory
        let root = legProfile.rootCluster
        let user = profile.user
        let host = legProfile.proxyHost
        guard let caPEM = try? FileSystem.readTextIfPresent(directory.caPath(proxyHost: host, cluster: root)) else {
            return (nil, "the profile has no TLS CA for \(root) (cas/\(root).pem); log in again to use the gRPC transport")
        }
        let certificatePath = FileSystem.exists(directory.tlsCertPath(proxyHost: host, user: user))
            ? directory.tlsCertPath(proxyHost: host, user: user)
            : directory.legacyTLSCertPath(proxyHost: host, user: user)
        guard let certificatePEM = try? FileSystem.readTextIfPresent(certificatePath),
              let keyPEM = try? FileSystem.readTextIfPresent(directory.tlsKeyPath(proxyHost: host, user: user))
        else {
            return (nil, "the profile has no TLS certificate; log in again to use the gRPC transport")
        }
        let address: HostPort
        var why: String
        var upgrade: ConnectionUpgrade?
        if profile.tlsRoutingEnabled {
            address = (try? HostPort.parse(profile.webProxyAddr, defaultPort: 443)) ?? legProfile.sshProxy
            why = "TLS routing: the web address \(address)"
            if ConnectionUpgradePolicy.required(stored: profile.tlsRoutingConnUpgradeRequired) {
                upgrade = ConnectionUpgrade(serverName: address.host, trust: .systemFromEnvironment)
                why += " through the WebSocket connection upgrade"
            }
        } else {
            address = legProfile.sshProxy
            why = "no TLS routing: TLS to the SSH port \(address), which v13+ proxies serve"
        }
        var route = TLSRoute(
            host: address.host, port: address.port,
            serverName: TeleportServerName.encode(cluster: root),
            alpn: [TeleportALPN.proxySSHGRPC, TeleportALPN.http2],
            trust: .certificates(pem: caPEM),
            clientCertificate: .init(certificatePEM: certificatePEM, privateKeyPEM: keyPEM),
            upgrade: upgrade)
        route.connectTimeoutSeconds = max(1, (profile.sshDialTimeout + 999_999_999) / 1_000_000_000)
        return (NativeRoute(route: route, reason: why), why)
    }
}

extension ProxySSH {
    /// `--dry-run`: the transport that would carry the connection and why,
    /// as `#` comment lines, then the OpenSSH leg's argument vector when it
    /// would run (first, or as the fallback).
    public func dryRunText() throws -> String {
        var lines: [String] = []
        if transport == .openssh {
            lines.append("# transport: openssh (--transport=openssh)")
        } else {
            let (native, why) = NativeRoute.make(legProfile: legProfile)
            if let native {
                let route = native.route
                lines.append("# transport: grpc, TransportService ProxySSH to \(route.host):\(route.port) (\(why)); ALPN \(route.alpn.joined(separator: ",")), server name \(route.serverName); target \(target.hostPort) in \(cluster) as \(login)")
                if transport == .grpc { return lines.joined(separator: "\n") + "\n" }
                lines.append("# if the proxy does not offer it, the OpenSSH leg:")
            } else {
                lines.append("# transport: openssh (\(why))")
            }
        }
        lines.append(ShellWords.join(try arguments()))
        return lines.joined(separator: "\n") + "\n"
    }
}
