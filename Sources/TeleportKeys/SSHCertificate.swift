#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportSupport

/// An OpenSSH certificate (PROTOCOL.certkeys), as the proxy returns it from a
/// login and as `<user>-ssh/<cluster>-cert.pub` holds it.
///
/// The parser is strict and bounds-checked: every length is checked before
/// it is used, nested lists must be consumed exactly, strings must be UTF-8,
/// and nothing may follow the signature. Malformed input gives a
/// `TeleportError`, never a crash.
public struct SSHCertificate: Sendable, Equatable, CustomStringConvertible {
    /// A user certificate (1) or a host certificate (2).
    public enum CertType: UInt32, Sendable {
        case user = 1
        case host = 2
    }

    /// `valid_before` of a certificate that never expires.
    public static let forever: UInt64 = .max

    /// The certificate type name, e.g. `ssh-ed25519-cert-v01@openssh.com`.
    public let keyType: String
    public let nonce: [UInt8]
    /// The certified key as a plain public key blob (`ssh-ed25519 …`), to
    /// compare with ``KeyPairs/sshPublicKeyBlob``.
    public let publicKeyBlob: [UInt8]
    public let serial: UInt64
    public let certType: CertType
    public let keyID: String
    /// Empty means valid for any principal.
    public let principals: [String]
    /// Seconds since the epoch.
    public let validAfter: UInt64
    /// Seconds since the epoch; ``forever`` for no expiry.
    public let validBefore: UInt64
    /// In certificate order; values unwrapped (empty for flags).
    public let criticalOptions: [(name: String, value: String)]
    /// In certificate order; values unwrapped (empty for flags).
    public let extensions: [(name: String, value: String)]
    /// The CA's public key blob.
    public let signatureKeyBlob: [UInt8]
    /// The CA key's type, e.g. `ssh-ed25519`.
    public let signatureKeyType: String
    /// The signature field as encoded: `string format, string blob`.
    public let signature: [UInt8]
    /// The signature algorithm, e.g. `ssh-ed25519` or `rsa-sha2-512`.
    public let signatureAlgorithm: String
    /// The whole certificate blob.
    public let blob: [UInt8]
    /// The length of the signed prefix of ``blob`` (everything before the signature field).
    let signedLength: Int

    /// Parses `<type> <base64> [comment]`, with or without a trailing newline,
    /// as the proxy returns it and as `-cert.pub` files hold it.
    public init(line: String) throws {
        let parts = try SSHKeyLine.split(line, context: "SSH certificate")
        guard parts.base64.utf8.count <= SSHPublicKey.maxCertificateLineBytes else {
            throw TeleportError("invalid SSH certificate: longer than \(SSHPublicKey.maxCertificateLineBytes) bytes")
        }
        guard let blob = Base64.decode(parts.base64) else {
            throw TeleportError("invalid SSH certificate: the certificate data is not valid base64")
        }
        try self.init(blob: blob)
        guard keyType == parts.type else {
            throw TeleportError(
                "invalid SSH certificate: declared as \(SSHKeyTypes.quoted(parts.type)) but the data is \(SSHKeyTypes.quoted(keyType))")
        }
    }

    /// Parses the wire-format certificate.
    public init(blob: [UInt8]) throws {
        guard blob.count <= SSHPublicKey.maxCertificateLineBytes else {
            throw TeleportError("invalid SSH certificate: longer than \(SSHPublicKey.maxCertificateLineBytes) bytes")
        }
        var r = SSHWireReader(blob, context: "SSH certificate")
        let type = try r.readString("the key type")
        guard SSHKeyTypes.isCertificateType(type) else {
            if (try? SSHPublicKey(blob: blob)) != nil {
                throw r.failure("\(SSHKeyTypes.quoted(type)) is a plain public key, not a certificate")
            }
            throw r.failure("\(SSHKeyTypes.quoted(type)) is not a certificate type")
        }
        let baseType = String(type.dropLast(SSHKeyTypes.certificateSuffix.count))
        guard SSHCertificate.supportedBaseTypes.contains(baseType) else {
            throw r.failure("unsupported certificate type \(SSHKeyTypes.quoted(type))")
        }
        keyType = type
        nonce = try r.readBytes("the nonce")
        publicKeyBlob = try SSHKeyTypes.readPlainKeyFields(type: baseType, from: &r)
        serial = try r.readUInt64("the serial")
        let rawCertType = try r.readUInt32("the certificate type")
        guard let certType = CertType(rawValue: rawCertType) else {
            throw r.failure("unknown certificate type \(rawCertType) (expected 1 for user or 2 for host)")
        }
        self.certType = certType
        keyID = try r.readString("the key ID")

        var principalsReader = SSHWireReader(try r.readBytes("the principals"), context: "SSH certificate")
        var principals: [String] = []
        while !principalsReader.isAtEnd {
            principals.append(try principalsReader.readString("a principal"))
        }
        self.principals = principals

        validAfter = try r.readUInt64("valid after")
        validBefore = try r.readUInt64("valid before")
        criticalOptions = try SSHCertificate.readOptions(try r.readBytes("the critical options"), what: "critical option")
        extensions = try SSHCertificate.readOptions(try r.readBytes("the extensions"), what: "extension")
        _ = try r.readBytes("the reserved field")
        signatureKeyBlob = try r.readBytes("the signature key")
        // The signature covers everything up to and including the signature key.
        signedLength = r.offset
        // The CA key must be a plain key (as OpenSSH requires). It is parsed
        // as such, never with the certificate parser: a certificate nested
        // in the signature key of a certificate, and so on, would otherwise
        // recurse until the stack overflows.
        var caReader = SSHWireReader(signatureKeyBlob, context: "SSH certificate signature key")
        let caType = try caReader.readString("the key type")
        guard !SSHKeyTypes.isCertificateType(caType) else {
            throw r.failure("its signature key is itself a certificate")
        }
        _ = try SSHKeyTypes.readPlainKeyFields(type: caType, from: &caReader)
        try caReader.expectEnd("the key")
        signatureKeyType = caType
        signature = try r.readBytes("the signature")
        try r.expectEnd("the signature")

        var sigReader = SSHWireReader(signature, context: "SSH certificate signature")
        signatureAlgorithm = try sigReader.readString("the signature format")
        _ = try sigReader.readBytes("the signature data")
        if signatureAlgorithm.hasPrefix("sk-") {
            _ = try sigReader.readBytes(1, "the security key flags")
            _ = try sigReader.readUInt32("the security key counter")
        }
        try sigReader.expectEnd("the signature data")
        self.blob = blob
    }

    static let supportedBaseTypes: Set<String> = [
        "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// Critical options and extensions: `string name, string data` pairs in
    /// which non-empty data is itself one string.
    private static func readOptions(_ bytes: [UInt8], what: String) throws -> [(name: String, value: String)] {
        var r = SSHWireReader(bytes, context: "SSH certificate")
        var options: [(name: String, value: String)] = []
        while !r.isAtEnd {
            let name = try r.readString("the name of a \(what)")
            let data = try r.readBytes("the \(what) \(SSHKeyTypes.quoted(name))")
            var value = ""
            if !data.isEmpty {
                var inner = SSHWireReader(data, context: "SSH certificate")
                value = try inner.readString("the value of the \(what) \(SSHKeyTypes.quoted(name))")
                try inner.expectEnd("the value of the \(what) \(SSHKeyTypes.quoted(name))")
            }
            options.append((name, value))
        }
        return options
    }

    // MARK: Derived values

    /// The certified key as a plain public key.
    public var publicKey: SSHPublicKey {
        SSHPublicKey(validatedType: String(keyType.dropLast(SSHKeyTypes.certificateSuffix.count)),
                     blob: publicKeyBlob)
    }

    /// The CA key that signed the certificate.
    public var signatureKey: SSHPublicKey {
        SSHPublicKey(validatedType: signatureKeyType, blob: signatureKeyBlob)
    }

    /// `<type> <base64>` without newline (append `\n` for a `-cert.pub` file).
    public var authorizedKeyLine: String { "\(keyType) \(Base64.encode(blob))" }

    public var description: String {
        "\(keyType) certificate \(SSHKeyTypes.quoted(keyID)) serial \(serial)"
    }

    /// The value of the extension `name`, or nil.
    public func extensionValue(_ name: String) -> String? {
        extensions.first(where: { $0.name == name })?.value
    }

    /// The value of the critical option `name`, or nil.
    public func criticalOptionValue(_ name: String) -> String? {
        criticalOptions.first(where: { $0.name == name })?.value
    }

    /// Teleport roles from the `teleport-roles` extension
    /// (`{"version":"v1","roles":[…]}`); empty when absent or unreadable.
    public var roles: [String] {
        guard let json = extensionValue("teleport-roles"),
              let decoded = try? JSONDecoder().decode(TeleportRoles.self, from: Data(json.utf8))
        else { return [] }
        return decoded.roles ?? []
    }

    private struct TeleportRoles: Decodable {
        var version: String?
        var roles: [String]?
    }

    /// The principals a person logs in as: those starting `-teleport-` are
    /// Teleport's internal ones.
    public var logins: [String] {
        principals.filter { !$0.hasPrefix("-teleport-") }
    }

    /// The `teleport-route-to-cluster` extension, if present and non-empty.
    public var routeToCluster: String? {
        guard let value = extensionValue("teleport-route-to-cluster"), !value.isEmpty else { return nil }
        return value
    }

    public var validAfterDate: Date { Self.date(validAfter) }

    /// `Date.distantFuture` for a certificate that never expires.
    public var validBeforeDate: Date { Self.date(validBefore) }

    private static func date(_ seconds: UInt64) -> Date {
        let distant = Date.distantFuture.timeIntervalSince1970
        let value = Double(seconds)
        return value >= distant ? .distantFuture : Date(timeIntervalSince1970: value)
    }

    /// OpenSSH's rule: valid while `valid_after <= now < valid_before`.
    public func isExpired(at date: Date = Date()) -> Bool {
        guard validBefore != Self.forever else { return false }
        return Self.seconds(date) >= validBefore
    }

    /// Within the validity period at `date`.
    public func isValid(at date: Date = Date()) -> Bool {
        !isExpired(at: date) && Self.seconds(date) >= validAfter
    }

    private static func seconds(_ date: Date) -> UInt64 {
        let t = date.timeIntervalSince1970
        guard t > 0 else { return 0 }
        guard t < 1.8e19 else { return .max }
        return UInt64(t)
    }

    public static func == (a: SSHCertificate, b: SSHCertificate) -> Bool {
        a.blob == b.blob
    }
}
