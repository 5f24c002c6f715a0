import NIOSSL
import TeleportKeys
import TeleportProfile
import TeleportProto
import TeleportSupport

/// A cluster's host CA from `GetCertAuthorities`, checked: a valid cluster
/// name, plain SSH keys (never certificates), PEM certificates that parse.
public struct HostAuthority: Sendable, Equatable {
    public var cluster: String
    /// Active keys, then additional trusted ones (both in use during a rotation).
    public var sshKeys: [SSHPublicKey]
    /// The TLS CA certificates, PEM, concatenated (`cas/<cluster>.pem`).
    public var tlsPEM: String

    public static let maxAuthorities = 1000
    public static let maxKeysPerAuthority = 100
    public static let maxPEMBytes = 1 << 20

    public init(cluster: String, sshKeys: [SSHPublicKey], tlsPEM: String) {
        self.cluster = cluster
        self.sshKeys = sshKeys
        self.tlsPEM = tlsPEM
    }

    /// The `@cert-authority` lines for known_hosts, for a profile of `proxyHost`.
    public func knownHostsLines(proxyHost: String) -> [String] {
        sshKeys.map { KnownHosts.caLine(proxyHost: proxyHost, cluster: cluster, keyType: $0.type, keyBase64: $0.base64) }
    }

    /// Checks the whole list; one bad entry refuses all of it.
    public static func validate(_ authorities: [Types_CertAuthorityV2]) throws -> [HostAuthority] {
        guard authorities.count <= maxAuthorities else {
            throw TeleportError("the auth server sent \(authorities.count) host CAs (at most \(maxAuthorities) are accepted); refusing them")
        }
        var result: [HostAuthority] = []
        var seen = Set<String>()
        for authority in authorities {
            let spec = authority.spec
            let cluster = spec.clusterName
            do {
                try Names.validateCluster(cluster)
            } catch {
                throw TeleportError("the auth server sent a host CA with an invalid cluster name \(Names.quoted(cluster)); refusing the CA list")
            }
            guard spec.type == "host" || spec.type.isEmpty else {
                throw TeleportError("the auth server sent a \(Names.quoted(spec.type)) CA for \(cluster) when asked for host CAs; refusing the CA list")
            }
            guard seen.insert(cluster).inserted else {
                throw TeleportError("the auth server sent two host CAs for \(cluster); refusing the CA list")
            }
            let sshPairs = spec.activeKeys.ssh + spec.additionalTrustedKeys.ssh
            let tlsPairs = spec.activeKeys.tls + spec.additionalTrustedKeys.tls
            guard sshPairs.count <= maxKeysPerAuthority, tlsPairs.count <= maxKeysPerAuthority else {
                throw TeleportError("the auth server sent too many keys for the host CA of \(cluster); refusing the CA list")
            }
            var keys: [SSHPublicKey] = []
            for pair in sshPairs {
                keys.append(try sshKey(Array(pair.publicKey), cluster: cluster))
            }
            var pem = ""
            for pair in tlsPairs {
                pem += try certificatePEM(Array(pair.cert), cluster: cluster)
                guard pem.utf8.count <= maxPEMBytes else {
                    throw TeleportError("the host TLS CA of \(cluster) is too large; refusing the CA list")
                }
            }
            result.append(HostAuthority(cluster: cluster, sshKeys: keys, tlsPEM: pem))
        }
        return result
    }

    /// An `authorized_keys` line with one plain key and nothing else.
    static func sshKey(_ bytes: [UInt8], cluster: String) throws -> SSHPublicKey {
        guard bytes.count <= SSHPublicKey.maxLineBytes, let text = String(validating: bytes, as: UTF8.self) else {
            throw TeleportError("the auth server sent an unreadable SSH host CA key for \(cluster); refusing the CA list")
        }
        var line = Substring(text)
        if line.hasSuffix("\n") { line = line.dropLast() }
        guard !line.contains("\n"), !line.contains("\r") else {
            throw TeleportError("the auth server sent an SSH host CA key for \(cluster) spanning several lines; refusing the CA list")
        }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(line: String(line))
        } catch let error as TeleportError {
            throw TeleportError("the auth server sent an unreadable SSH host CA key for \(cluster): \(error.message)")
        }
        // A certificate is never a CA key (compare CVE-2025-49825).
        guard !key.isCertificate else {
            throw TeleportError("the auth server sent a certificate as the host CA of \(cluster); refusing it")
        }
        return key
    }

    /// One or more PEM certificates that parse, re-encoded as PEM text.
    static func certificatePEM(_ bytes: [UInt8], cluster: String) throws -> String {
        guard bytes.count <= maxPEMBytes, let text = String(validating: bytes, as: UTF8.self),
              text.hasPrefix("-----BEGIN CERTIFICATE-----"),
              let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty
        else {
            throw TeleportError("the auth server sent an unreadable host TLS CA for \(cluster); refusing the CA list")
        }
        var out = ""
        for certificate in certificates {
            guard let pem = try? certificate.toDERBytes() else {
                throw TeleportError("the auth server sent an unreadable host TLS CA for \(cluster); refusing the CA list")
            }
            out += PEM.encode(der: pem, label: "CERTIFICATE")
        }
        return out
    }
}

enum PEM {
    static func encode(der: [UInt8], label: String) -> String {
        let base64 = Base64.encode(der)
        var out = "-----BEGIN \(label)-----\n"
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            out += base64[index..<end] + "\n"
            index = end
        }
        return out + "-----END \(label)-----\n"
    }
}
