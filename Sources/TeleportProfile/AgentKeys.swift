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
