import TeleportSupport

/// Which profile, cluster and user a command works on, as tsh chooses them:
/// the flag, else the environment (`TELEPORT_PROXY`, `TELEPORT_CLUSTER` then
/// the older `TELEPORT_SITE`, `TELEPORT_USER`), else the current profile.
/// Every command, and `tsh proxy ssh`'s fast path, resolves through this.
public struct ProfileSelection: Equatable, Sendable {
    /// `--proxy`, else `TELEPORT_PROXY`: host, host:port or host:web,ssh.
    public var proxy: String?
    /// `--cluster`, else `TELEPORT_CLUSTER`, else `TELEPORT_SITE`.
    public var cluster: String?
    /// `--user`, else `TELEPORT_USER`.
    public var user: String?

    /// Applies the environment fallbacks to the flags given.
    public init(proxy: String? = nil, cluster: String? = nil, user: String? = nil,
                environment: (String) -> String? = Environment.value) {
        self.proxy = proxy ?? environment("TELEPORT_PROXY")
        self.cluster = cluster ?? environment("TELEPORT_CLUSTER") ?? environment("TELEPORT_SITE")
        self.user = user ?? environment("TELEPORT_USER")
    }

    /// The proxy host naming the profile: from `proxy`, else
    /// `current-profile`; nil when there is neither.
    public func proxyHost(in directory: ProfileDirectory) throws -> String? {
        if let proxy { return try ProxyAddress.parse(proxy).host }
        return try directory.currentProfileName()
    }
}
