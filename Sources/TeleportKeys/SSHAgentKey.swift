import SwiftASN1
import TeleportSupport
import _CryptoExtras

/// A certificate with its private key, in the form `SSH_AGENTC_ADD_IDENTITY`
/// carries it (draft-miller-ssh-agent §3.2, OpenSSH's PROTOCOL.agent):
/// `string <cert type>, string <certificate>`, then the type's private fields:
/// - Ed25519: `string ENC(A), string k || ENC(A)`;
/// - ECDSA: `mpint d` (the curve and point are in the certificate);
/// - RSA: `mpint d, mpint iqmp, mpint p, mpint q` (`n` and `e` likewise).
///
/// Like ``KeyPairs``, its description shows only the public certificate.
public struct SSHAgentKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let certificate: SSHCertificate
    /// The message fields up to (not including) the comment.
    let fields: [UInt8]

    /// The key in `privateKeyPEM` (a file of `keys/<proxy>/<user>`: OpenSSH
    /// format for Ed25519 and ECDSA, PKCS#1 for RSA) with `certificate`, which
    /// must certify that key.
    public init(privateKeyPEM: String, certificate: SSHCertificate) throws {
        let privateFields: [UInt8]
        let publicBlob: [UInt8]
        if privateKeyPEM.contains("-----BEGIN \(OpenSSHPrivateKey.label)-----") {
            let key = try OpenSSHPrivateKey(pem: privateKeyPEM)
            publicBlob = key.publicKeyBlob
            privateFields = try Self.certificateFields(of: key)
        } else {
            (publicBlob, privateFields) = try Self.rsaFields(pkcs1PEM: privateKeyPEM)
        }
        guard publicBlob == certificate.publicKeyBlob else {
            throw TeleportError("the SSH certificate does not certify the private key stored with it; run 'tsh login' again")
        }
        var out = SSHWireWriter()
        out.writeString(certificate.keyType)
        out.writeBytes(certificate.blob)
        out.writeRaw(privateFields)
        self.certificate = certificate
        self.fields = out.bytes
    }

    /// The blob the agent lists this identity under, and removes it by.
    public var blob: [UInt8] { certificate.blob }

    public var description: String { "SSHAgentKey(\(certificate.keyType), private key redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["certificate": certificate], displayStyle: .struct) }

    /// The private section of an OpenSSH key file holds the plain key's
    /// agent fields; a certificate leaves out what the certificate carries.
    private static func certificateFields(of key: OpenSSHPrivateKey) throws -> [UInt8] {
        switch key.keyType {
        case "ssh-ed25519":
            return key.privateFields  // string ENC(A), string k || ENC(A)
        case let type where type.hasPrefix("ecdsa-sha2-"):
            var r = SSHWireReader(key.privateFields, context: "ECDSA private key")
            _ = try r.readString("the curve name")
            _ = try r.readBytes("the ECDSA point")
            return Array(key.privateFields[r.offset...])  // mpint d
        default:
            throw TeleportError("cannot add a \(SSHKeyTypes.quoted(key.keyType)) key to the SSH agent")
        }
    }

    /// An RSA key from PKCS#1 (`RSA PRIVATE KEY`): RFC 8017 A.1.2's
    /// `RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }`.
    /// DER INTEGERs of positive values are already minimal mpints; `qInv`
    /// (q⁻¹ mod p) is OpenSSH's `iqmp`.
    private static func rsaFields(pkcs1PEM: String) throws -> (publicBlob: [UInt8], fields: [UInt8]) {
        let der: [UInt8]
        do {
            der = Array(try _RSA.Signing.PrivateKey(pemRepresentation: pkcs1PEM).derRepresentation)
        } catch {
            throw TeleportError("cannot read the SSH private key: not an OpenSSH or PKCS#1 RSA key")
        }
        let integers: [[UInt8]]
        do {
            let root = try DER.parse(der)
            guard root.identifier == .sequence, case .constructed(let children) = root.content else {
                throw TeleportError("not a SEQUENCE")
            }
            integers = try children.map { node in
                guard node.identifier == .integer, case .primitive(let bytes) = node.content,
                      let first = bytes.first, first & 0x80 == 0 else { throw TeleportError("not a positive INTEGER") }
                return Array(bytes)
            }
        } catch {
            throw TeleportError("cannot read the RSA private key: it is not PKCS#1")
        }
        guard integers.count == 9, integers[0] == [0] else {
            throw TeleportError("cannot read the RSA private key: it is not a two-prime PKCS#1 key")
        }
        let (n, e, d, p, q, qInv) = (integers[1], integers[2], integers[3], integers[4], integers[5], integers[8])
        var pub = SSHWireWriter()
        pub.writeString("ssh-rsa")
        pub.writeBytes(e)
        pub.writeBytes(n)
        var fields = SSHWireWriter()
        for value in [d, qInv, p, q] { fields.writeBytes(value) }
        return (pub.bytes, fields.bytes)
    }
}
