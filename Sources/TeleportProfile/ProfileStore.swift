import TeleportKeys
import TeleportSupport

/// Reads and writes profiles in a `~/.tsh` directory. Writes happen under the
/// profile lock, one atomic file at a time.
public struct ProfileStore: Sendable {
    public let directory: ProfileDirectory

    public init(directory: ProfileDirectory) {
        self.directory = directory
    }

    /// A profile with its certificate, as found on disk.
    public struct Entry: Sendable {
        public var profile: Profile
        public var certificate: SSHCertificate
        public var certificatePath: String

        /// What is wrong with the certificate now, for the relogin message of
        /// every command that uses it; nil while it is valid.
        public func expiryProblem(proxyHost: String) -> String? {
            guard certificate.isExpired() else { return nil }
            return "your certificate for \(proxyHost) expired at \(TimeText.goStyle(Int64(clamping: certificate.validBefore)))"
        }
    }

    public func loadProfile(proxyHost: String) throws -> Profile {
        try Names.validateHost(proxyHost, kind: "proxy host")
        let path = directory.profilePath(proxyHost: proxyHost)
        guard let text = try FileSystem.readTextIfPresent(path, limit: 1 << 20) else {
            throw TeleportError("not logged in to \(proxyHost); run 'tsh login --proxy=\(proxyHost)'")
        }
        return try Profile.parse(yaml: text, source: path)
    }

    /// The profile and its SSH certificate. The certificate is stored under
    /// the root cluster's name; the profile's `cluster` may be a leaf.
    public func loadEntry(proxyHost: String) throws -> Entry {
        let profile = try loadProfile(proxyHost: proxyHost)
        guard !profile.user.isEmpty else {
            throw TeleportError("the profile for \(proxyHost) has no user; run 'tsh login --proxy=\(proxyHost)'")
        }
        let certDir = directory.sshCertDirectory(proxyHost: proxyHost, user: profile.user)
        let preferred = directory.sshCertPath(proxyHost: proxyHost, user: profile.user, cluster: profile.cluster)
        var path = preferred
        if !FileSystem.exists(preferred) {
            guard let found = FileSystem.list(certDir).first(where: { $0.hasSuffix("-cert.pub") }) else {
                throw TeleportError("no certificate for \(profile.user) at \(proxyHost); run 'tsh login --proxy=\(proxyHost)'")
            }
            path = certDir + "/" + found
        }
        let line = try FileSystem.readText(path, limit: 1 << 20)
        let certificate = try SSHCertificate(line: line)
        return Entry(profile: profile, certificate: certificate, certificatePath: path)
    }

    /// The root cluster name a certificate file was stored under.
    public static func clusterName(ofCertificatePath path: String) -> String {
        String(FileSystem.base(of: path).dropLast("-cert.pub".count))
    }

    /// Every profile with a readable certificate, the active one first.
    public func statuses() throws -> (active: ProfileStatus?, others: [ProfileStatus]) {
        let current = try directory.currentProfileName()
        var active: ProfileStatus?
        var others: [ProfileStatus] = []
        for name in directory.profileNames() {
            guard let entry = try? loadEntry(proxyHost: name) else { continue }
            let status = ProfileStatus(profile: entry.profile, certificate: entry.certificate,
                                       isActive: name == current)
            if name == current { active = status } else { others.append(status) }
        }
        return (active, others)
    }

    /// The cached cluster names for a proxy, each validated; empty when none.
    /// The root cluster first, then the other names in their order: the
    /// order of the cluster cache, `tsh clusters` and `tsh config`.
    public static func rootFirst(_ root: String, _ names: [String]) -> [String] {
        [root] + names.filter { $0 != root }
    }

    public func cachedClusters(proxyHost: String) throws -> [String] {
        guard let text = try FileSystem.readTextIfPresent(directory.clustersCachePath(proxyHost: proxyHost),
                                                        limit: 1 << 20) else { return [] }
        let names = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        for name in names { try Names.validateCluster(name) }
        return names
    }

    /// Replaces the cluster cache. The caller holds the lock.
    public func saveClusters(_ names: [String], proxyHost: String) throws {
        for name in names { try Names.validateCluster(name) }
        try AtomicFile.write(names.map { $0 + "\n" }.joined(), to: directory.clustersCachePath(proxyHost: proxyHost))
    }

    /// Writes everything a login produced; with `keyFiles` false (`-k only`,
    /// the key is in the SSH agent) all but the keys and certificates, as Go
    /// tsh's in-memory key store does. The caller holds the profile lock.
    public func save(_ login: LoginMaterial, keyFiles: Bool = true) throws {
        let host = login.profile.proxyHost
        let user = login.profile.user
        try Names.validateHost(host, kind: "proxy host")
        try Names.validateUser(user)
        try Names.validateCluster(login.rootCluster)

        try FileSystem.makePrivateDirectory(directory.root)
        FileSystem.removeAbandonedTemporaries(in: directory.root)
        for (cluster, _) in login.tlsCAs { try Names.validateCluster(cluster) }
        for (cluster, _) in login.hostCALines { try Names.validateCluster(cluster) }

        // The key set (keys, certificates, CAs) is replaced as one directory.
        // Paths below are the final ones, rebased onto the staging copy.
        let keysDirectory = directory.keysDirectory(proxyHost: host)
        try KeyDirectoryUpdate.replace(keysDirectory) { staging in
            func staged(_ path: String) -> String { staging + path.dropFirst(keysDirectory.count) }
            try FileSystem.makePrivateDirectory(staged(directory.casDirectory(proxyHost: host)))
            for (cluster, pems) in login.tlsCAs {
                try AtomicFile.write(pems, to: staged(directory.caPath(proxyHost: host, cluster: cluster)))
            }
            guard keyFiles else { return }
            try FileSystem.makePrivateDirectory(staged(directory.sshCertDirectory(proxyHost: host, user: user)))
            try AtomicFile.write(login.sshPrivateKeyPEM, to: staged(directory.sshKeyPath(proxyHost: host, user: user)))
            try AtomicFile.write(login.sshPublicKeyLine,
                                 to: staged(directory.sshPublicKeyPath(proxyHost: host, user: user)))
            try AtomicFile.write(login.sshCertificateLine,
                                 to: staged(directory.sshCertPath(proxyHost: host, user: user, cluster: login.rootCluster)))
            try AtomicFile.write(login.tlsPrivateKeyPEM, to: staged(directory.tlsKeyPath(proxyHost: host, user: user)))
            try AtomicFile.write(login.tlsCertificatePEM, to: staged(directory.tlsCertPath(proxyHost: host, user: user)))
        }

        let existing = try FileSystem.readTextIfPresent(directory.knownHostsPath) ?? ""
        var merged = existing
        for (cluster, lines) in login.hostCALines {
            merged = KnownHosts.merge(existing: merged, proxyHost: host, cluster: cluster, newLines: lines)
        }
        if merged != existing { try AtomicFile.write(merged, to: directory.knownHostsPath) }

        try AtomicFile.write(login.profile.yaml(), to: directory.profilePath(proxyHost: host))
        try AtomicFile.write(host + "\n", to: directory.currentProfilePath)
    }

    /// `tsh logout`: everything but `config/`, `bin/`, `azure/` (and our lock).
    /// Returns whether anything was removed. The caller holds the lock.
    @discardableResult
    public func removeAll() throws -> Bool {
        let keep: Set<String> = ["config", "bin", "azure", FileSystem.base(of: directory.lockPath)]
        var removed = false
        for name in FileSystem.list(directory.root) where !keep.contains(name) {
            try FileSystem.removeTree(directory.root + "/" + name)
            removed = true
        }
        return removed
    }

    /// `tsh logout --proxy --user`: that user's keys and certificates for that proxy. Returns
    /// whether the user had keys there. The caller holds the lock.
    @discardableResult
    public func remove(proxyHost: String, user: String) throws -> Bool {
        try Names.validateHost(proxyHost, kind: "proxy host")
        try Names.validateUser(user)
        let paths = [
            directory.sshKeyPath(proxyHost: proxyHost, user: user),
            directory.sshPublicKeyPath(proxyHost: proxyHost, user: user),
            directory.tlsKeyPath(proxyHost: proxyHost, user: user),
            directory.tlsCertPath(proxyHost: proxyHost, user: user),
            directory.legacyTLSCertPath(proxyHost: proxyHost, user: user),
            directory.sshCertDirectory(proxyHost: proxyHost, user: user),
        ]
        // Like tsh, the profile, known_hosts and CAs stay: only the keys go.
        var removed = false
        for path in paths where FileSystem.exists(path) {
            try FileSystem.removeTree(path)
            removed = true
        }
        return removed
    }
}

/// Everything a successful login writes, validated before any of it is.
public struct LoginMaterial: Sendable {
    public var profile: Profile
    public var rootCluster: String
    public var sshPrivateKeyPEM: String
    public var sshPublicKeyLine: String
    public var sshCertificateLine: String
    public var tlsPrivateKeyPEM: String
    public var tlsCertificatePEM: String
    /// `@cert-authority` lines by cluster.
    public var hostCALines: [(String, [String])]
    /// TLS CA PEMs by cluster.
    public var tlsCAs: [(String, String)]

    package init(profile: Profile, rootCluster: String, sshPrivateKeyPEM: String, sshPublicKeyLine: String,
                 sshCertificateLine: String, tlsPrivateKeyPEM: String, tlsCertificatePEM: String,
                 hostCALines: [(String, [String])], tlsCAs: [(String, String)]) {
        self.profile = profile
        self.rootCluster = rootCluster
        self.sshPrivateKeyPEM = sshPrivateKeyPEM
        self.sshPublicKeyLine = sshPublicKeyLine
        self.sshCertificateLine = sshCertificateLine
        self.tlsPrivateKeyPEM = tlsPrivateKeyPEM
        self.tlsCertificatePEM = tlsCertificatePEM
        self.hostCALines = hostCALines
        self.tlsCAs = tlsCAs
    }
}
