import Crypto
import TeleportSupport

/// An OpenSSH public key or certificate in its one-line form,
/// `<type> <base64> [comment]` (an `authorized_keys` line, a `.pub` file, the
/// key fields of a `known_hosts` line).
///
/// Parsing is strict and bounded: the base64 must be canonical, the blob's own
/// type string must equal the declared type, and the blob must hold exactly the
/// fields of its type, with nothing after them. Certificates are checked with
/// the full ``SSHCertificate`` parser.
public struct SSHPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The key type, e.g. `ssh-ed25519` or `ssh-ed25519-cert-v01@openssh.com`.
    public let type: String
    /// The wire-format key (RFC 4253 §6.6): what the base64 encodes.
    public let blob: [UInt8]
    /// The comment after the key on the line, if there was one. Not part of
    /// equality.
    public let comment: String?

    /// Longest accepted line for a plain key (a 16384-bit RSA key is under 3 KiB).
    public static let maxLineBytes = 16 * 1024
    /// Longest accepted line for a certificate: Teleport certificates carry the
    /// user's traits, which can be large.
    public static let maxCertificateLineBytes = 1024 * 1024

    /// Parses `<type> <base64> [comment]`, with or without a trailing newline.
    public init(line: String) throws {
        let parts = try SSHKeyLine.split(line, context: "SSH public key")
        try self.init(type: parts.type, base64: parts.base64, comment: parts.comment)
    }

    /// Parses the two key fields separately (as in a `known_hosts` line).
    public init(type: String, base64: String, comment: String? = nil) throws {
        let limit = SSHKeyTypes.isCertificateType(type) ? Self.maxCertificateLineBytes : Self.maxLineBytes
        guard base64.utf8.count <= limit else {
            throw TeleportError("invalid SSH public key: longer than \(limit) bytes")
        }
        guard let blob = Base64.decode(base64) else {
            throw TeleportError("invalid SSH public key: the key data is not valid base64")
        }
        try self.init(blob: blob, comment: comment)
        guard self.type == type else {
            throw TeleportError(
                "invalid SSH public key: declared as \(SSHKeyTypes.quoted(type)) but the key data is \(SSHKeyTypes.quoted(self.type))")
        }
    }

    /// Parses a wire-format key or certificate blob.
    public init(blob: [UInt8], comment: String? = nil) throws {
        guard blob.count <= Self.maxCertificateLineBytes else {
            throw TeleportError("invalid SSH public key: longer than \(Self.maxCertificateLineBytes) bytes")
        }
        var reader = SSHWireReader(blob, context: "SSH public key")
        let type = try reader.readString("the key type")
        if SSHKeyTypes.isCertificateType(type) {
            _ = try SSHCertificate(blob: blob)
        } else {
            guard blob.count <= Self.maxLineBytes else {
                throw TeleportError("invalid SSH public key: longer than \(Self.maxLineBytes) bytes")
            }
            _ = try SSHKeyTypes.readPlainKeyFields(type: type, from: &reader)
            try reader.expectEnd("the key")
        }
        self.type = type
        self.blob = blob
        self.comment = comment
    }

    /// For blobs this module has already validated.
    init(validatedType: String, blob: [UInt8]) {
        self.type = validatedType
        self.blob = blob
        self.comment = nil
    }

    /// True for `*-cert-v01@openssh.com` types.
    public var isCertificate: Bool { SSHKeyTypes.isCertificateType(type) }

    /// The standard base64 of ``blob``.
    public var base64: String { Base64.encode(blob) }

    /// `<type> <base64>`, without comment and without newline.
    public var authorizedKeyLine: String { "\(type) \(base64)" }

    /// `SHA256:<unpadded base64>`, as `ssh-keygen -l` prints it.
    public var fingerprintSHA256: String {
        var b64 = Base64.encode(Array(SHA256.hash(data: blob)))
        while b64.hasSuffix("=") { b64.removeLast() }
        return "SHA256:" + b64
    }

    public var description: String { authorizedKeyLine }

    public static func == (a: SSHPublicKey, b: SSHPublicKey) -> Bool {
        a.type == b.type && a.blob == b.blob
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(blob)
    }
}

/// Splitting a one-line key and the per-type wire structure of plain keys.
enum SSHKeyTypes {
    static let certificateSuffix = "-cert-v01@openssh.com"

    static func isCertificateType(_ type: String) -> Bool {
        type.hasSuffix(certificateSuffix)
    }

    /// A key type name for an error message: quoted, shortened, printable.
    static func quoted(_ type: String) -> String {
        let printable = type.unicodeScalars.prefix(64).map { scalar -> String in
            scalar.value >= 0x20 && scalar.value < 0x7F ? String(scalar) : "?"
        }.joined()
        return "\"" + printable + (type.unicodeScalars.count > 64 ? "…" : "") + "\""
    }

    /// Point sizes of the uncompressed encoding `04 || X || Y` per curve.
    static func ecdsaPointLength(curve: String) -> Int? {
        switch curve {
        case "nistp256": 65
        case "nistp384": 97
        case "nistp521": 133
        default: nil
        }
    }

    /// Reads the fields that follow the type string in a plain key of `type`
    /// (and follow the nonce in a certificate of that base type), and returns
    /// the plain key blob they make up, re-encoded with `type` in front.
    static func readPlainKeyFields(type: String, from reader: inout SSHWireReader) throws -> [UInt8] {
        var out = SSHWireWriter()
        out.writeString(type)
        switch type {
        case "ssh-rsa":
            let e = try reader.readPositiveMPInt("the RSA exponent", maxBytes: 64)
            let n = try reader.readPositiveMPInt("the RSA modulus", maxBytes: 2048)
            out.writeBytes(e)
            out.writeBytes(n)
        case "ssh-ed25519", "sk-ssh-ed25519@openssh.com":
            let key = try reader.readBytes("the Ed25519 key")
            guard key.count == 32 else {
                throw reader.failure("the Ed25519 key is \(key.count) bytes, not 32")
            }
            out.writeBytes(key)
            if type.hasPrefix("sk-") {
                out.writeString(try reader.readString("the security key application"))
            }
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
             "sk-ecdsa-sha2-nistp256@openssh.com":
            let expected = type.hasPrefix("sk-") ? "nistp256" : String(type.dropFirst("ecdsa-sha2-".count))
            let curve = try reader.readString("the ECDSA curve name")
            guard curve == expected else {
                throw reader.failure("a \(type) key names the curve \(quoted(curve))")
            }
            let point = try reader.readBytes("the ECDSA point")
            guard point.count == ecdsaPointLength(curve: curve), point.first == 0x04 else {
                throw reader.failure("the ECDSA point is not an uncompressed \(curve) point")
            }
            out.writeString(curve)
            out.writeBytes(point)
            if type.hasPrefix("sk-") {
                out.writeString(try reader.readString("the security key application"))
            }
        default:
            throw reader.failure("unsupported key type \(quoted(type))")
        }
        return out.bytes
    }
}

/// A one-line key: `<type> <base64> [comment]`.
enum SSHKeyLine {
    struct Parts {
        var type: String
        var base64: String
        var comment: String?
    }

    static func split(_ line: String, context: String) throws -> Parts {
        let limit = SSHPublicKey.maxCertificateLineBytes + 4096
        guard line.utf8.count <= limit else {
            throw TeleportError("invalid \(context): longer than \(limit) bytes")
        }
        var text = Substring(line)
        while let last = text.last, last == "\n" || last == "\r\n" || last == "\r" || last == " " || last == "\t" {
            text.removeLast()
        }
        while let first = text.first, first == " " || first == "\t" {
            text.removeFirst()
        }
        guard !text.isEmpty else { throw TeleportError("invalid \(context): the line is empty") }
        guard !text.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw TeleportError("invalid \(context): expected a single line")
        }
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let typeEnd = text.firstIndex(where: isBlank) else {
            throw TeleportError("invalid \(context): expected \"<type> <base64>\"")
        }
        let type = String(text[..<typeEnd])
        let afterType = text[typeEnd...].drop(while: isBlank)
        let b64End = afterType.firstIndex(where: isBlank) ?? afterType.endIndex
        let base64 = String(afterType[..<b64End])
        let rest = afterType[b64End...].drop(while: isBlank)
        return Parts(type: type, base64: base64, comment: rest.isEmpty ? nil : String(rest))
    }
}
