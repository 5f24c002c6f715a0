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
        let root = discovery.rootCluster
        try Names.validateUser(response.username)

        let certificate: SSHCertificate
        do {
            certificate = try SSHCertificate(line: response.sshCert)
        } catch let error as TeleportError {
            throw TeleportError("the proxy returned an unreadable SSH certificate: \(error.message)")
        }
        guard certificate.certType == .user else {
            throw TeleportError("the proxy returned a host certificate where a user certificate belongs; refusing it")
        }
        guard keys.matches(certificate) else {
            throw TeleportError("the proxy returned a certificate for a different key than the one sent; refusing it")
        }
        let now = UInt64(TimeText.now())
        guard certificate.validBefore > now else {
            throw TeleportError("the proxy returned a certificate that has already expired; check the clocks of this machine and the cluster")
        }
        let certified = try TLSCertificate.subjectPublicKeyInfo(pem: response.tlsCert)
        guard certified == (try TLSCertificate.subjectPublicKeyInfo(publicKeyPEM: keys.tlsPublicKeyPEM)) else {
            throw TeleportError("the proxy returned a TLS certificate for a different key than the one sent; refusing it")
        }

        var caLines: [(String, [String])] = []
        var tlsCAs: [(String, String)] = []
        for signer in response.hostSigners {
            try Names.validateCluster(signer.domainName)
            var lines: [String] = []
            for text in signer.checkingKeys {
                let key: SSHPublicKey
                do {
                    key = try SSHPublicKey(line: text)
                } catch let error as TeleportError {
                    throw TeleportError("the proxy sent an unreadable host CA key for \(signer.domainName): \(error.message)")
                }
                // A certificate is never a CA key (compare CVE-2025-49825).
                guard !key.isCertificate else {
                    throw TeleportError("the proxy sent a certificate as the host CA of \(signer.domainName); refusing it")
                }
                lines.append(KnownHosts.caLine(proxyHost: discovery.webProxyAddr.host, cluster: signer.domainName,
                                               keyType: key.type, keyBase64: key.base64))
            }
            if !lines.isEmpty { caLines.append((signer.domainName, lines)) }
            let pems = signer.tlsCerts.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined()
            if !pems.isEmpty {
                guard pems.contains("-----BEGIN CERTIFICATE-----") else {
                    throw TeleportError("the proxy sent an unreadable TLS CA for \(signer.domainName)")
                }
                tlsCAs.append((signer.domainName, pems))
            }
        }
        guard caLines.contains(where: { $0.0 == root }) else {
            throw TeleportError("the proxy sent no host CA for \(root), so its SSH service could not be verified; refusing to log in")
        }

        var profile = Profile(webProxyAddr: discovery.webProxyAddr.description,
                              sshProxyAddr: discovery.sshProxyAddr.description,
                              user: response.username, cluster: cluster ?? root)
        profile.tlsRoutingEnabled = discovery.tlsRoutingEnabled
        profile.tlsRoutingConnUpgradeRequired = discovery.connUpgradeRequired
        profile.authConnector = discovery.ping.auth?.local?.name.flatMap { $0.isEmpty ? nil : $0 } ?? "local"
        profile.loadAllCAs = discovery.ping.auth?.loadAllCAs ?? false
        profile.privateKeyPolicy = discovery.ping.auth?.privateKeyPolicy.flatMap { $0.isEmpty ? nil : $0 } ?? "none"
        if let timeout = discovery.ping.proxy?.ssh?.dialTimeout, timeout > 0 { profile.sshDialTimeout = timeout }

        return LoginMaterial(
            profile: profile, rootCluster: root,
            sshPrivateKeyPEM: keys.sshPrivateKeyPEM, sshPublicKeyLine: keys.sshPublicKeyLine,
            sshCertificateLine: response.sshCert.hasSuffix("\n") ? response.sshCert : response.sshCert + "\n",
            tlsPrivateKeyPEM: keys.tlsPrivateKeyPEM,
            tlsCertificatePEM: response.tlsCert.hasSuffix("\n") ? response.tlsCert : response.tlsCert + "\n",
            hostCALines: caLines, tlsCAs: tlsCAs)
    }
}
