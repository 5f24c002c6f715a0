import TeleportKeys
import TeleportSupport

/// The `~/.tsh` layout of real tsh (docs/protocol.md, "~/.tsh"). Every path is built
/// here, from names that have already been validated.
public struct ProfileDirectory: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// `$TELEPORT_HOME`, else `~/.tsh`.
    public static func resolve() throws -> ProfileDirectory {
        if let home = Environment.value("TELEPORT_HOME") {
            return ProfileDirectory(root: absolute(home))
        }
        guard let home = Environment.value("HOME") ?? passwdHome() else {
            throw TeleportError("cannot find the home directory; set HOME or TELEPORT_HOME")
        }
        return ProfileDirectory(root: home + "/.tsh")
    }

    public var currentProfilePath: String { root + "/current-profile" }
    public var knownHostsPath: String { root + "/known_hosts" }
    /// Held by login and logout; kept by logout so waiting runs stay serialised.
    public var lockPath: String { root + "/.tsh.lock" }

    public func profilePath(proxyHost: String) -> String { "\(root)/\(proxyHost).yaml" }
    public func keysDirectory(proxyHost: String) -> String { "\(root)/keys/\(proxyHost)" }

    public func sshKeyPath(proxyHost: String, user: String) -> String {
        "\(keysDirectory(proxyHost: proxyHost))/\(user)"
    }
    public func sshPublicKeyPath(proxyHost: String, user: String) -> String {
        sshKeyPath(proxyHost: proxyHost, user: user) + ".pub"
    }
    public func tlsKeyPath(proxyHost: String, user: String) -> String {
        sshKeyPath(proxyHost: proxyHost, user: user) + ".key"
    }
    /// v17 and later.
    public func tlsCertPath(proxyHost: String, user: String) -> String {
        sshKeyPath(proxyHost: proxyHost, user: user) + ".crt"
    }
    /// Up to v16.
    public func legacyTLSCertPath(proxyHost: String, user: String) -> String {
        sshKeyPath(proxyHost: proxyHost, user: user) + "-x509.pem"
    }
    public func sshCertDirectory(proxyHost: String, user: String) -> String {
        sshKeyPath(proxyHost: proxyHost, user: user) + "-ssh"
    }
    public func sshCertPath(proxyHost: String, user: String, cluster: String) -> String {
        "\(sshCertDirectory(proxyHost: proxyHost, user: user))/\(cluster)-cert.pub"
    }
    public func casDirectory(proxyHost: String) -> String {
        "\(keysDirectory(proxyHost: proxyHost))/cas"
    }
    public func caPath(proxyHost: String, cluster: String) -> String {
        "\(casDirectory(proxyHost: proxyHost))/\(cluster).pem"
    }
    /// Our cache of the clusters reachable through a proxy (root first), which
    /// `tsh clusters` and `tsh login` refresh and `tsh config` reads offline.
    public func clustersCachePath(proxyHost: String) -> String {
        "\(keysDirectory(proxyHost: proxyHost))/clusters"
    }
    /// `tsh config --install` writes the configuration here.
    public var installedSSHConfigPath: String { root + "/ssh_config" }

    /// The proxy host named in `current-profile`, if any.
    public func currentProfileName() throws -> String? {
        guard let text = try FileSystem.readTextIfPresent(currentProfilePath, limit: 4096) else { return nil }
        let name = text.trimmingCharacters(in: " \t\r\n")
        if name.isEmpty { return nil }
        try Names.validateHost(name, kind: "profile name in \(currentProfilePath)")
        return name
    }

    /// Every `<proxyHost>.yaml` in the directory, by proxy host.
    public func profileNames() -> [String] {
        FileSystem.list(root).compactMap { file in
            guard file.hasSuffix(".yaml") else { return nil }
            let name = String(file.dropLast(".yaml".count))
            return (try? Names.validateHost(name)) == nil ? nil : name
        }
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd + "/" + path
    }

    private static func passwdHome() -> String? {
        guard let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }
}
