import TeleportKeys
import TeleportSupport

/// `tsh login -k/--add-keys-to-agent` and `TELEPORT_ADD_KEYS_TO_AGENT`, with
/// Go tsh's values and default (`lib/client/api.go` `AddKeysToAgent*`).
public enum AddKeysToAgent: String, CaseIterable, Sendable {
    /// Add when an agent runs and is not gpg-agent, which cannot hold
    /// certificates (RFD 18; `lib/client/keyagent.go` `agentSupportsSSHCertificates`).
    case auto
    case yes
    case no
    /// Keep the key and certificate in the agent only: no key files.
    case only

    public static let environmentVariable = "TELEPORT_ADD_KEYS_TO_AGENT"

    /// The flag's value, else the environment's, else `auto`.
    public static func resolve(_ flag: String?) throws -> AddKeysToAgent {
        let (text, source) = flag.map { ($0, "--add-keys-to-agent") }
            ?? Environment.value(environmentVariable).map { ($0, environmentVariable) } ?? ("auto", "")
        guard let mode = AddKeysToAgent(rawValue: text) else {
            let values = allCases.map(\.rawValue).joined(separator: ", ")
            throw TeleportError("\(source) must be one of \(values), not \(Names.quoted(text))", kind: .invalidInput)
        }
        return mode
    }

    /// Whether login writes the key and certificate files (all but `only`).
    public var writesKeyFiles: Bool { self != .only }

    /// The agent's socket this mode uses, or nil for none.
    public var socketPath: String? {
        guard self != .no, let socket = Environment.value("SSH_AUTH_SOCK"), !socket.isEmpty else { return nil }
        if self == .auto && socket.contains("gpg-agent") { return nil }
        return socket
    }

    /// `only` with no agent would throw the new key away: refused before a
    /// login asks for anything.
    public func checkUsable() throws {
        guard self == .only, socketPath == nil else { return }
        throw TeleportError(
            "--add-keys-to-agent=only keeps the key in the SSH agent alone, but SSH_AUTH_SOCK names none; "
                + "start one (eval \"$(ssh-agent)\") or use -k auto", kind: .invalidInput)
    }
}

/// The login's key in the user's ssh-agent, labelled as Go tsh labels it, so
/// that either tsh's logout removes what the other added.
public enum AgentKeys {
    /// `teleport:<proxy>:<cluster>:<user>` (`lib/client/keyagent.go` `teleportAgentKeyComment`).
    public static func comment(proxyHost: String, cluster: String, user: String) -> String {
        ["teleport", proxyHost, cluster, user].joined(separator: ":")
    }

    /// The parts of a comment written by ``comment(proxyHost:cluster:user:)``, or nil.
    static func parse(_ comment: String) -> (proxyHost: String, cluster: String, user: String)? {
        let parts = comment.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "teleport" else { return nil }
        return (parts[1], parts[2], parts[3])
    }

    /// Saves what a login produced, under the profile lock, with the agent as
    /// `mode` says: `only` adds to the agent first and writes no key files, so
    /// a refusal leaves the old profile; otherwise the files are written and
    /// an agent that refuses is a warning, as in Go tsh: the login stands.
    public static func save(_ material: LoginMaterial, in store: ProfileStore, mode: AddKeysToAgent) throws {
        guard let socket = mode.socketPath else {
            try ProfileLock.with(store.directory) { try store.save(material) }
            return
        }
        if mode == .only {
            try add(material, socketPath: socket)
            try ProfileLock.with(store.directory) { try store.save(material, keyFiles: false) }
            return
        }
        try ProfileLock.with(store.directory) { try store.save(material) }
        do {
            try add(material, socketPath: socket)
        } catch let error as TeleportError {
            Console.warning("logged in, but could not add the key to the SSH agent: \(error.message)")
        }
    }

    /// Adds the login's key and certificate to the agent at `socketPath`, for
    /// as long as the certificate is valid, after removing this user's older
    /// keys for the same proxy, as Go tsh's `LocalKeyAgent.LoadKey` does.
    public static func add(_ material: LoginMaterial, socketPath: String,
                           now: UInt64 = UInt64(time(nil))) throws {
        let certificate = try SSHCertificate(line: material.sshCertificateLine)
        let key = try SSHAgentKey(privateKeyPEM: material.sshPrivateKeyPEM, certificate: certificate)
        let lifetime: UInt32?
        if certificate.validBefore == SSHCertificate.forever {
            lifetime = nil
        } else {
            guard certificate.validBefore > now else {
                throw TeleportError("the new certificate has already expired", kind: .expired)
            }
            lifetime = UInt32(clamping: certificate.validBefore - now)
        }
        let agent = try SSHAgentClient(socketPath: socketPath)
        try removeMatching(agent, proxyHost: material.profile.proxyHost, user: material.profile.user)
        let label = comment(proxyHost: material.profile.proxyHost, cluster: material.rootCluster,
                            user: material.profile.user)
        try agent.add(key, comment: label, lifetimeSeconds: lifetime)
        Debug.log("ssh-agent: added \(certificate.keyType) as \(label), for \(lifetime.map { "\($0) s" } ?? "ever")")
    }

    /// Removes the keys tsh added for `user` at `proxyHost`, or with both nil
    /// every key tsh added (`tsh logout`). Returns how many were removed.
    @discardableResult
    public static func remove(socketPath: String, proxyHost: String?, user: String?) throws -> Int {
        try removeMatching(try SSHAgentClient(socketPath: socketPath), proxyHost: proxyHost, user: user)
    }

    @discardableResult
    private static func removeMatching(_ agent: SSHAgentClient, proxyHost: String?, user: String?) throws -> Int {
        var removed = 0
        for identity in try agent.identities() {
            guard let label = parse(identity.comment),
                  proxyHost == nil || proxyHost == label.proxyHost,
                  user == nil || user == label.user else { continue }
            try agent.remove(blob: identity.blob)
            removed += 1
        }
        if removed > 0 { Debug.log("ssh-agent: removed \(removed) key(s) added by tsh") }
        return removed
    }
}
