import TeleportSupport

/// The `openssh-key-v1` private key container (PROTOCOL.key), unencrypted and
/// with one key: `-----BEGIN OPENSSH PRIVATE KEY-----`, base64 in lines of 70
/// characters, exactly as `ssh-keygen` writes it.
///
/// We write it ourselves because libssh 0.10 exports only Ed25519 keys in
/// this format (and then as one unwrapped base64 line, with non-canonical
/// padding); ECDSA and RSA come out as PKCS#8 PEM, which is not what OpenSSH
/// or `tsh` write for SSH keys.
struct OpenSSHPrivateKey: Equatable {
    static let label = "OPENSSH PRIVATE KEY"
    static let magic = Array("openssh-key-v1\0".utf8)
    static let maxPEMBytes = 64 * 1024

    /// The key type, e.g. `ssh-ed25519`.
    var keyType: String
    /// The plain public key blob.
    var publicKeyBlob: [UInt8]
    /// The private section's key fields after the type string:
    /// Ed25519: `string pk, string sk(64)`; ECDSA: `string curve, string Q, mpint d`.
    var privateFields: [UInt8]
    var comment: String
    /// The check value read from a file (nil for a key built in memory).
    var checkint: UInt32?

    init(keyType: String, publicKeyBlob: [UInt8], privateFields: [UInt8], comment: String = "",
         checkint: UInt32? = nil) {
        self.keyType = keyType
        self.publicKeyBlob = publicKeyBlob
        self.privateFields = privateFields
        self.comment = comment
        self.checkint = checkint
    }

    /// An ECDSA key on `curve` (`nistp256`…): `point` is the uncompressed
    /// public point, `scalar` the private scalar as big-endian bytes.
    static func ecdsa(curve: String, point: [UInt8], scalar: [UInt8]) -> OpenSSHPrivateKey {
        let type = "ecdsa-sha2-\(curve)"
        var pub = SSHWireWriter()
        pub.writeString(type)
        pub.writeString(curve)
        pub.writeBytes(point)
        var fields = SSHWireWriter()
        fields.writeString(curve)
        fields.writeBytes(point)
        fields.writeMPInt(magnitude: scalar)
        return OpenSSHPrivateKey(keyType: type, publicKeyBlob: pub.bytes, privateFields: fields.bytes)
    }

    /// The file content. `checkint` is the random value OpenSSH uses to detect
    /// a wrong passphrase; it has no meaning for unencrypted keys.
    func pem(checkint: UInt32 = UInt32.random(in: .min ... .max)) -> String {
        var section = SSHWireWriter()
        section.writeUInt32(checkint)
        section.writeUInt32(checkint)
        section.writeString(keyType)
        section.writeRaw(privateFields)
        section.writeString(comment)
        var pad: UInt8 = 1
        while section.bytes.count % 8 != 0 {
            section.writeRaw([pad])
            pad += 1
        }
        var out = SSHWireWriter()
        out.writeRaw(Self.magic)
        out.writeString("none")  // cipher
        out.writeString("none")  // kdf
        out.writeBytes([UInt8]())  // kdf options
        out.writeUInt32(1)  // number of keys
        out.writeBytes(publicKeyBlob)
        out.writeBytes(section.bytes)
        return PEMText.encode(label: Self.label, der: out.bytes, width: 70)
    }

    /// Reads an unencrypted single-key container holding an Ed25519 or ECDSA key.
    init(pem: String) throws {
        let context = "OpenSSH private key"
        guard pem.utf8.count <= Self.maxPEMBytes,
              let der = PEMText.decode(label: Self.label, from: pem)
        else { throw TeleportError("invalid \(context): not an OPENSSH PRIVATE KEY block") }
        var r = SSHWireReader(der, context: context)
        guard try r.readBytes(Self.magic.count, "the header") == Self.magic else {
            throw r.failure("bad header")
        }
        let cipher = try r.readString("the cipher name")
        let kdf = try r.readString("the KDF name")
        let kdfOptions = try r.readBytes("the KDF options")
        guard cipher == "none", kdf == "none", kdfOptions.isEmpty else {
            throw r.failure("the key is encrypted with a passphrase, which is not supported")
        }
        guard try r.readUInt32("the number of keys") == 1 else { throw r.failure("expected exactly one key") }
        let publicBlob = try r.readBytes("the public key")
        let section = try r.readBytes("the private section")
        try r.expectEnd("the private section")

        var p = SSHWireReader(section, context: context)
        let checkint = try p.readUInt32("the check value")
        guard try p.readUInt32("the check value") == checkint else {
            throw p.failure("the check values differ")
        }
        let type = try p.readString("the key type")
        let fieldsStart = p.offset
        var expectedPublic = SSHWireWriter()
        expectedPublic.writeString(type)
        switch type {
        case "ssh-ed25519":
            let pk = try p.readBytes("the Ed25519 public key")
            let sk = try p.readBytes("the Ed25519 private key")
            guard pk.count == 32, sk.count == 64, Array(sk[32...]) == pk else {
                throw p.failure("malformed Ed25519 key")
            }
            expectedPublic.writeBytes(pk)
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            let curve = try p.readString("the curve name")
            let point = try p.readBytes("the ECDSA point")
            _ = try p.readPositiveMPInt("the ECDSA private scalar", maxBytes: 66)
            guard "ecdsa-sha2-" + curve == type, point.count == SSHKeyTypes.ecdsaPointLength(curve: curve) else {
                throw p.failure("malformed ECDSA key")
            }
            expectedPublic.writeString(curve)
            expectedPublic.writeBytes(point)
        default:
            throw p.failure("unsupported key type \(SSHKeyTypes.quoted(type))")
        }
        let fields = Array(section[fieldsStart..<p.offset])
        let comment = try p.readString("the comment")
        var expected: UInt8 = 1
        while !p.isAtEnd {
            guard try p.readBytes(1, "the padding")[0] == expected else { throw p.failure("bad padding") }
            expected &+= 1
        }
        guard expectedPublic.bytes == publicBlob else {
            throw p.failure("the public key does not match the private key")
        }
        self.init(keyType: type, publicKeyBlob: publicBlob, privateFields: fields, comment: comment,
                  checkint: checkint)
    }
}
