import TeleportProfile
import TeleportSupport
import TeleportTransport

extension AuthClient {
    /// The client for `cluster`'s auth server (the root's when nil), built
    /// from the saved profile of `proxyHost` (docs/auth-api.md §2): its TLS
    /// certificate and key, `cas/<cluster>.pem` as roots, TLS routing and the
    /// connection upgrade as login recorded them. An expired certificate is
    /// refused with the relogin message.
    public static func forProfile(store: ProfileStore, proxyHost: String, cluster: String? = nil) throws -> AuthClient {
        let entry = try store.loadEntry(proxyHost: proxyHost)
        // The usual relogin message (as `tsh ssh` and `tsh proxy ssh` give),
        // before a TLS handshake the auth server would refuse.
        if let problem = entry.expiryProblem(proxyHost: proxyHost) {
            throw TeleportError("\(problem); run 'tsh login --proxy=\(proxyHost)'", kind: .expired)
        }
        let profile = entry.profile
        let directory = store.directory
        let root = ProfileStore.clusterName(ofCertificatePath: entry.certificatePath)
        let target = cluster ?? root
        try Names.validateCluster(target)
        guard let trustPEM = try FileSystem.readTextIfPresent(directory.caPath(proxyHost: proxyHost, cluster: target),
                                                              limit: HostAuthority.maxPEMBytes * 4) else {
            throw TeleportError("the profile has no TLS CA for \(target) (cas/\(target).pem); run 'tsh login' again",
                                kind: .notLoggedIn)
        }
        let user = profile.user
        let certificatePath = FileSystem.exists(directory.tlsCertPath(proxyHost: proxyHost, user: user))
            ? directory.tlsCertPath(proxyHost: proxyHost, user: user)
            : directory.legacyTLSCertPath(proxyHost: proxyHost, user: user)
        guard let certificatePEM = try FileSystem.readTextIfPresent(certificatePath),
              let keyPEM = try FileSystem.readTextIfPresent(directory.tlsKeyPath(proxyHost: proxyHost, user: user))
        else {
            throw TeleportError("the profile has no TLS certificate; run 'tsh login' again", kind: .notLoggedIn)
        }
        let timeout = max(1, (profile.sshDialTimeout + 999_999_999) / 1_000_000_000)
        let client: ClientCertificate = .init(certificatePEM: certificatePEM, privateKeyPEM: keyPEM)
        if profile.tlsRoutingEnabled {
            let address = try HostPort.parse(profile.webProxyAddr, defaultPort: 443)
            var upgrade: ConnectionUpgrade?
            if ConnectionUpgradePolicy.required(stored: profile.tlsRoutingConnUpgradeRequired) {
                upgrade = ConnectionUpgrade(serverName: address.host, trust: .systemFromEnvironment)
            }
            var route = tlsRoutingRoute(host: address.host, port: address.port, cluster: target, trustPEM: trustPEM,
                                        certificatePEM: certificatePEM, privateKeyPEM: keyPEM, upgrade: upgrade)
            route.connectTimeoutSeconds = timeout
            return AuthClient(route: route, cluster: target)
        }
        // ProxyCluster on the SSH port: the outer TLS is the proxy's, with the root's CA.
        let sshAddr = profile.sshProxyAddr.isEmpty ? "\(proxyHost):\(Ports.proxySSH)" : profile.sshProxyAddr
        let ssh = try HostPort.parse(sshAddr, defaultPort: Ports.proxySSH)
        guard let rootPEM = try FileSystem.readTextIfPresent(directory.caPath(proxyHost: proxyHost, cluster: root)) else {
            throw TeleportError("the profile has no TLS CA for \(root) (cas/\(root).pem); run 'tsh login' again",
                                kind: .notLoggedIn)
        }
        var carrier = TLSRoute(host: ssh.host, port: ssh.port, serverName: TeleportServerName.encode(cluster: root),
                               alpn: [TeleportALPN.proxySSHGRPC, TeleportALPN.http2],
                               trust: .certificates(pem: rootPEM), clientCertificate: client)
        carrier.connectTimeoutSeconds = timeout
        var inner = TLSRoute(host: ssh.host, port: ssh.port, serverName: TeleportServerName.encode(cluster: target),
                             alpn: [TeleportALPN.http2], trust: .certificates(pem: trustPEM), clientCertificate: client)
        inner.connectTimeoutSeconds = timeout
        return AuthClient(route: inner, cluster: target, carrier: carrier)
    }

    typealias ClientCertificate = TLSRoute.ClientCertificate
}
