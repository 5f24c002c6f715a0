import TeleportProfile
import TeleportSupport

/// Builds the `tsh config` parameters from a stored profile: offline, from the
/// profile YAML, the key files and the cached cluster list.
public enum ProfileSSHConfig {
    public static func parameters(store: ProfileStore, proxyHost: String, port: Int, login: String?,
                                  executablePath: String) throws -> SSHConfigParameters {
        let entry = try store.loadEntry(proxyHost: proxyHost)
        let profile = entry.profile
        let web = try HostPort.parse(profile.webProxyAddr, defaultPort: 443)
        let root = ProfileStore.clusterName(ofCertificatePath: entry.certificatePath)
        let dir = store.directory
        return SSHConfigParameters(
            proxyHost: web.host, proxyPort: web.port,
            clusterNames: ProfileStore.rootFirst(root, try store.cachedClusters(proxyHost: proxyHost)),
            knownHostsPath: dir.knownHostsPath,
            identityFilePath: dir.sshKeyPath(proxyHost: proxyHost, user: profile.user),
            certificateFilePath: entry.certificatePath,
            username: login ?? "", port: port, executablePath: executablePath)
    }
}
