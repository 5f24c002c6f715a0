import TeleportProfile
import TeleportSupport
import TeleportTransport

/// A loaded profile as proxy legs need it: its certificate, key paths and
/// SSH proxy address. (It opens nothing; `leg(login:sshPath:)` describes one.)
public struct LegProfile: Sendable {
    public let store: ProfileStore
    public let entry: ProfileStore.Entry
    public let proxyHost: String
    public let sshProxy: HostPort
    public var rootCluster: String { ProfileStore.clusterName(ofCertificatePath: entry.certificatePath) }

    public static func load(store: ProfileStore, proxyHost: String) throws -> LegProfile {
        let entry = try store.loadEntry(proxyHost: proxyHost)
        let sshAddr = entry.profile.sshProxyAddr.isEmpty
            ? "\(proxyHost):\(Ports.proxySSH)" : entry.profile.sshProxyAddr
        return LegProfile(store: store, entry: entry, proxyHost: proxyHost,
                                 sshProxy: try HostPort.parse(sshAddr, defaultPort: Ports.proxySSH))
    }

    /// The ssh binary: `$TSH_SSH`, else `ssh` on PATH.
    public static func sshPath() throws -> String {
        if let override = Environment.value("TSH_SSH") { return override }
        guard let found = ChildProcess.which("ssh") else {
            throw TeleportError("the OpenSSH client 'ssh' is not on PATH; install openssh-client or set TSH_SSH")
        }
        return found
    }

    public func leg(login: String, sshPath: String, controlPath: String? = nil) -> ProxyLeg {
        let dir = store.directory
        let timeout = Int((entry.profile.sshDialTimeout + 999_999_999) / 1_000_000_000)
        return ProxyLeg(sshPath: sshPath, proxyHost: proxyHost, sshProxy: sshProxy, login: login,
                        knownHostsPath: dir.knownHostsPath,
                        identityPath: dir.sshKeyPath(proxyHost: proxyHost, user: entry.profile.user),
                        certificatePath: entry.certificatePath, connectTimeoutSeconds: timeout,
                        controlPath: controlPath, tlsRelay: tlsRelayCommand())
    }

    /// With TLS routing the SSH port is the web port, where only TLS is
    /// accepted: ssh reaches the proxy's SSH service through our relay.
    func tlsRelayCommand() -> [String]? {
        guard entry.profile.tlsRoutingEnabled, let executable = try? Executable.path() else { return nil }
        var command = [executable, "proxy", "tls-relay", "--server-name=\(proxyHost)"]
        if ConnectionUpgradePolicy.required(stored: entry.profile.tlsRoutingConnUpgradeRequired) {
            command.append("--conn-upgrade")
        }
        return command + [sshProxy.description]
    }

    /// A login the proxy accepts for legs that reach no node (`proxysites`).
    public var anyLogin: String {
        entry.certificate.logins.first ?? entry.profile.user
    }
}
