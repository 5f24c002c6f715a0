import TeleportProfile
import TeleportSupport
import TeleportTransport

/// After every login (docs/auth-api.md §3): the host CAs of the root and
/// its leaves from the root's auth server, written as `@cert-authority`
/// lines in known_hosts and as `cas/<cluster>.pem`, so OpenSSH can verify a
/// leaf's nodes with strict host key checking.
public enum HostAuthorityUpdate {
    /// Fetches, checks and writes; returns the clusters written. Nothing is
    /// written unless the whole list passed its checks.
    @discardableResult
    public static func run(store: ProfileStore, proxyHost: String, maxConnectSeconds: Int64 = 10) throws -> [String] {
        var client = try AuthClient.forProfile(store: store, proxyHost: proxyHost)
        client.route.connectTimeoutSeconds = min(client.route.connectTimeoutSeconds, maxConnectSeconds)
        if var carrier = client.carrier {
            carrier.connectTimeoutSeconds = min(carrier.connectTimeoutSeconds, maxConnectSeconds)
            client.carrier = carrier
        }
        let fetched = client
        let authorities = try BlockingCall.run { try await fetched.hostAuthorities() }
        try save(authorities, store: store, proxyHost: proxyHost)
        return authorities.map(\.cluster)
    }

    /// Merges the CA lines into known_hosts and writes each TLS CA, under the
    /// profile lock, each file replaced atomically.
    public static func save(_ authorities: [HostAuthority], store: ProfileStore, proxyHost: String) throws {
        try Names.validateHost(proxyHost, kind: "proxy host")
        for authority in authorities { try Names.validateCluster(authority.cluster) }
        let directory = store.directory
        try ProfileLock.with(directory) {
            for authority in authorities where !authority.tlsPEM.isEmpty {
                let path = directory.caPath(proxyHost: proxyHost, cluster: authority.cluster)
                if try FileSystem.readTextIfPresent(path, limit: HostAuthority.maxPEMBytes * 4) != authority.tlsPEM {
                    try AtomicFile.write(authority.tlsPEM, to: path)
                }
            }
            let existing = try FileSystem.readTextIfPresent(directory.knownHostsPath) ?? ""
            var merged = existing
            for authority in authorities where !authority.sshKeys.isEmpty {
                merged = KnownHosts.merge(existing: merged, proxyHost: proxyHost, cluster: authority.cluster,
                                          newLines: authority.knownHostsLines(proxyHost: proxyHost))
            }
            if merged != existing { try AtomicFile.write(merged, to: directory.knownHostsPath) }
        }
    }
}
