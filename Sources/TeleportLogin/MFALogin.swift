import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportWebAPI

/// A local user's login as Go tsh v17 does it: `POST /webapi/mfa/login/begin`
/// with the password for a challenge, then `/webapi/mfa/login/finish` with the
/// answer and the keys (gravitational/teleport lib/client/weblogin.go
/// `SSHAgentMFALogin`; lib/web/apiserver.go `mfaLoginBegin`, `mfaLoginFinish`).
///
/// `/webapi/ssh/certs` is marked `TODO(Joerger): DELETE IN v18.0.0` in
/// lib/web/apiserver.go, so it is used only when the proxy has no begin route
/// (404): then this is `PasswordLogin`, with the password already read.
public struct MFALogin {
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

    public func run(credentials: PasswordLogin.Credentials) throws -> LoginMaterial {
        try Names.validateUser(user)
        if let cluster { try Names.validateCluster(cluster) }
        let legacy = PasswordLogin(discovery: discovery, user: user, cluster: cluster, ttlMinutes: ttlMinutes)
        let suite = try SignatureSuite(serverValue: discovery.ping.auth?.signatureAlgorithmSuite?.value)

        let password = try credentials.password()
        guard let challenge = try discovery.web.mfaLoginBegin(MFAChallengeRequest(user: user, password: password)) else {
            // A proxy that predates the MFA login endpoints.
            var again = credentials
            again.password = { password }
            return try legacy.run(credentials: again)
        }

        var totpCode = ""
        switch challenge.answer {
        case .totp:
            totpCode = try credentials.otp(false)
        case .passwordOnly:
            break
        case .securityKeyOnly:
            throw Self.securityKeyOnlyError(user: user)
        }

        let keys = try KeyPairs.generate(for: suite)
        let response = try discovery.web.mfaLoginFinish(MFALoginFinishRequest(
            user: user, password: password, totpCode: totpCode,
            sshPublicKey: Array(keys.sshPublicKeyLine.utf8),
            tlsPublicKey: Array(keys.tlsPublicKeyPEM.utf8),
            ttlNanoseconds: legacy.certificateTTL, routeToCluster: cluster ?? ""))
        return try LoginResponseValidation(discovery: discovery, cluster: cluster).material(from: response, keys: keys)
    }

    static func securityKeyOnlyError(user: String) -> TeleportError {
        TeleportError("the cluster asks \(user) for a security key (WebAuthn) as the second factor, and this tsh has no security-key support yet. What works instead: add an OTP device (an authenticator app) to \(user) in the Teleport web UI and log in with its code, or log in with single sign-on: tsh login --auth=<sso connector>")
    }
}
