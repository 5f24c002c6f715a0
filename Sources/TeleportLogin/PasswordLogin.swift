import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportWebAPI

/// A local user's login: password (and OTP) for certificates, via
/// `POST /webapi/ssh/certs` (docs/protocol.md, "Password login").
public struct PasswordLogin {
    /// Where the password and OTP come from.
    public struct Credentials {
        public var password: () throws -> String
        /// Called with whether an empty answer is allowed; nil when not needed.
        public var otp: (_ optional: Bool) throws -> String

        public init(password: @escaping () throws -> String, otp: @escaping (_ optional: Bool) throws -> String) {
            self.password = password
            self.otp = otp
        }
    }

    public var discovery: ProxyDiscovery
    public var user: String
    /// The cluster to select in the profile; the root when nil.
    public var cluster: String?
    public var ttlMinutes: Int?

    public init(discovery: ProxyDiscovery, user: String, cluster: String?, ttlMinutes: Int?) {
        self.discovery = discovery
        self.user = user
        self.cluster = cluster
        self.ttlMinutes = ttlMinutes
    }

    /// Asks the proxy for certificates and validates everything it returns.
    /// Nothing is written here: the result goes to `ProfileStore.save`.
    public func run(credentials: Credentials) throws -> LoginMaterial {
        try Names.validateUser(user)
        if let cluster { try Names.validateCluster(cluster) }
        let auth = discovery.ping.auth
        if let type = auth?.type, !type.isEmpty, type != "local" {
            throw TeleportError("the cluster's default authentication is \(Names.printable(type, limit: 40)) (single sign-on), which this tsh does not support yet; ask for a local user")
        }
        let secondFactor = auth?.secondFactor ?? "off"
        guard ["", "off", "otp", "on", "optional"].contains(secondFactor) else {
            throw TeleportError("the cluster requires the second factor \"\(Names.printable(secondFactor, limit: 40))\" (WebAuthn), which this tsh does not support yet")
        }
        let suite = try SignatureSuite(serverValue: auth?.signatureAlgorithmSuite?.value)

        let password = try credentials.password()
        var otp = ""
        if secondFactor == "otp" || secondFactor == "on" {
            otp = try credentials.otp(false)
        } else if secondFactor == "optional" {
            otp = try credentials.otp(true)
        }

        let keys = try KeyPairs.generate(for: suite)
        let ttl = certificateTTL
        let response = try discovery.web.createSSHCerts(SSHCertsRequest(
            user: user, password: password, otpToken: otp,
            sshPublicKey: Array(keys.sshPublicKeyLine.utf8),
            tlsPublicKey: Array(keys.tlsPublicKeyPEM.utf8),
            ttlNanoseconds: ttl, routeToCluster: cluster ?? ""))
        return try material(from: response, keys: keys)
    }

    /// `--ttl`, else the cluster's `default_session_ttl`, else 12 hours.
    var certificateTTL: Int64 {
        if let ttlMinutes { return Int64(ttlMinutes) * 60 * 1_000_000_000 }
        if let text = discovery.ping.auth?.defaultSessionTTL, let ns = GoDuration.parse(text), ns > 0 { return ns }
        return 12 * 3600 * 1_000_000_000
    }

    func material(from response: SSHCertsResponse, keys: KeyPairs) throws -> LoginMaterial {
        try LoginResponseValidation(discovery: discovery, cluster: cluster).material(from: response, keys: keys)
    }
}
