import CLibSSH
import Crypto
import _CryptoExtras
import TeleportSupport

/// The key material of one login: an SSH key pair (for the SSH certificate)
/// and a TLS key pair (for the TLS certificate), in the encodings `tsh`
/// stores under `keys/<proxy>/`.
///
/// `description`, `debugDescription` and reflection show only the public key,
/// so the private keys do not end up in logs by accident.
public struct KeyPairs: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The content of `keys/<proxy>/<user>`: OpenSSH format for Ed25519 and
    /// ECDSA, PKCS#1 (`RSA PRIVATE KEY`) for RSA.
    public let sshPrivateKeyPEM: String
    /// The SSH public key.
    public let sshPublicKey: SSHPublicKey
    /// The content of `keys/<proxy>/<user>.key`: PKCS#8 (`PRIVATE KEY`) for
    /// ECDSA, PKCS#1 (`RSA PRIVATE KEY`) for RSA.
    public let tlsPrivateKeyPEM: String
    /// PKIX (`PUBLIC KEY`), as sent in `tls_pub_key`.
    public let tlsPublicKeyPEM: String

    /// `"<type> <base64>\n"` with no comment: the `.pub` file, and what is
    /// sent (base64 encoded) as `ssh_pub_key`.
    public var sshPublicKeyLine: String { sshPublicKey.authorizedKeyLine + "\n" }

    /// The wire-format SSH public key, to compare with
    /// ``SSHCertificate/publicKeyBlob``.
    public var sshPublicKeyBlob: [UInt8] { sshPublicKey.blob }

    /// The SSH key type, e.g. `ssh-ed25519`.
    public var sshKeyType: String { sshPublicKey.type }

    /// True when `certificate` certifies this SSH key.
    public func matches(_ certificate: SSHCertificate) -> Bool {
        certificate.publicKeyBlob == sshPublicKeyBlob
    }

    /// Fresh keys with the algorithms of `suite`.
    public static func generate(for suite: SignatureSuite) throws -> KeyPairs {
        let ssh = try generateSSHKey(suite.sshKeyAlgorithm)
        let tls = try generateTLSKey(suite.tlsKeyAlgorithm)
        return KeyPairs(sshPrivateKeyPEM: ssh.pem, sshPublicKey: ssh.publicKey,
                        tlsPrivateKeyPEM: tls.privatePEM, tlsPublicKeyPEM: tls.publicPEM)
    }

    /// Keys read back from their files; the public halves are derived from the
    /// private keys. For old single-key profiles, pass the SSH key (PKCS#1 RSA)
    /// as the TLS key as well.
    public static func load(sshPrivateKeyPEM: String, tlsPrivateKeyPEM: String) throws -> KeyPairs {
        let sshPublicKey = try SSHPublicKey(privateKeyPEM: sshPrivateKeyPEM)
        let tlsPublicKeyPEM = try tlsPublicKey(fromPrivateKeyPEM: tlsPrivateKeyPEM)
        return KeyPairs(sshPrivateKeyPEM: sshPrivateKeyPEM, sshPublicKey: sshPublicKey,
                        tlsPrivateKeyPEM: tlsPrivateKeyPEM, tlsPublicKeyPEM: tlsPublicKeyPEM)
    }

    public var description: String {
        "KeyPairs(ssh: \(sshKeyType) \(sshPublicKey.fingerprintSHA256), private keys redacted)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["sshPublicKey": sshPublicKey], displayStyle: .struct)
    }

    // MARK: Generation

    private static func generateSSHKey(_ algorithm: KeyAlgorithm) throws -> (pem: String, publicKey: SSHPublicKey) {
        let pem: String
        let expected: SSHPublicKey
        switch algorithm {
        case .rsa2048:
            // PKCS#1 comes from swift-crypto; libssh would write PKCS#8.
            pem = withFinalNewline(try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
            return (pem, try SSHPublicKey(privateKeyPEM: pem))
        case .ed25519:
            // libssh writes the OpenSSH container for Ed25519, but as one
            // base64 line; re-encode it the way ssh-keygen writes it.
            let key = try LibSSHKey.generate(SSH_KEYTYPE_ED25519, bits: 0)
            expected = try key.publicKey()
            pem = try OpenSSHPrivateKey(pem: try key.exportPrivateKey()).pem()
        case .ecdsaP256:
            // libssh 0.10 can only export ECDSA keys as PKCS#8 and offers no
            // access to the private scalar, so the key comes from swift-crypto
            // and we write the OpenSSH container ourselves.
            let key = P256.Signing.PrivateKey()
            let container = OpenSSHPrivateKey.ecdsa(
                curve: "nistp256", point: Array(key.publicKey.x963Representation),
                scalar: Array(key.rawRepresentation))
            expected = SSHPublicKey(validatedType: container.keyType, blob: container.publicKeyBlob)
            pem = container.pem()
        }
        // Read the file content back with libssh, an independent parser: what
        // we store must load, and must be the key we meant.
        let derived = try SSHPublicKey(privateKeyPEM: pem)
        guard derived == expected else {
            throw TeleportError("internal error: the generated \(algorithm.sshKeyType) key does not read back correctly")
        }
        return (pem, derived)
    }

    private static func generateTLSKey(_ algorithm: KeyAlgorithm) throws -> (privatePEM: String, publicPEM: String) {
        switch algorithm {
        case .rsa2048:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return (withFinalNewline(key.pemRepresentation), withFinalNewline(key.publicKey.pemRepresentation))
        case .ecdsaP256:
            let key = P256.Signing.PrivateKey()
            return (withFinalNewline(key.pemRepresentation), withFinalNewline(key.publicKey.pemRepresentation))
        case .ed25519:
            throw TeleportError("internal error: Ed25519 is not used for TLS keys")
        }
    }

    /// The PKIX public key PEM of a TLS private key (PKCS#8 or SEC1 ECDSA
    /// P-256, PKCS#1 or PKCS#8 RSA).
    static func tlsPublicKey(fromPrivateKeyPEM pem: String) throws -> String {
        guard pem.utf8.count <= OpenSSHPrivateKey.maxPEMBytes else {
            throw TeleportError("cannot read the TLS private key: it is too large")
        }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            return withFinalNewline(key.publicKey.pemRepresentation)
        }
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            return withFinalNewline(key.publicKey.pemRepresentation)
        }
        throw TeleportError(
            "cannot read the TLS private key: it is damaged or not an ECDSA P-256 or RSA key in PEM form")
    }
}

/// swift-crypto's PEM has no newline after the END line; files (and Go's
/// `pem.Encode`) have one.
private func withFinalNewline(_ pem: String) -> String {
    pem.hasSuffix("\n") ? pem : pem + "\n"
}

extension SSHPublicKey {
    /// The public half of an SSH private key file (OpenSSH format, or PEM:
    /// PKCS#1, PKCS#8, SEC1), read with libssh. Encrypted keys are refused.
    public init(privateKeyPEM: String) throws {
        self = try LibSSHKey.importPrivateKey(pem: privateKeyPEM).publicKey()
    }
}
