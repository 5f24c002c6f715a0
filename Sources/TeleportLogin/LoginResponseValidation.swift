import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportWebAPI

/// Checks a login response (`SSHLoginResponse`, the same from every login
/// endpoint: `/webapi/ssh/certs`, `/webapi/mfa/login/finish` and the sealed
/// SSO callback) before anything is written: the certificates must certify
/// the keys sent and be valid now, and the CAs must be real CA keys.
public struct LoginResponseValidation: Sendable {
    public var discovery: ProxyDiscovery
    /// The cluster to select in the profile; the root when nil.
    public var cluster: String?

    public init(discovery: ProxyDiscovery, cluster: String?) {
        self.discovery = discovery
        self.cluster = cluster
    }

    /// `authConnector`: the connector logged in with, recorded in the profile
    /// as Go tsh does; nil for a local login (the local connector's name).
    public func material(from response: SSHCertsResponse, keys: KeyPairs,
                         authConnector: String? = nil) throws -> LoginMaterial {
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
        profile.authConnector = authConnector
            ?? discovery.ping.auth?.local?.name.flatMap { $0.isEmpty ? nil : $0 } ?? "local"
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
