import Crypto
import _CryptoExtras
import TeleportSupport

extension SSHCertificate {
    /// Checks the CA signature over the certificate with ``signatureKeyBlob``
    /// (Ed25519, ECDSA P-256/384/521, or RSA with `rsa-sha2-256`/`rsa-sha2-512`;
    /// SHA-1 `ssh-rsa` signatures are refused, as OpenSSH does). Throws when the
    /// signature is wrong or cannot be checked.
    ///
    /// This proves only that the holder of that CA key signed it: whether the
    /// CA is trusted is the caller's question (see ``isSigned(by:)``).
    public func verifySignature() throws {
        do {
            try checkSignature()
        } catch let error as TeleportError {
            throw error
        } catch {
            // swift-crypto's own errors, e.g. an ECDSA point not on the curve.
            throw TeleportError("the SSH certificate's signature cannot be checked: its CA key is not valid")
        }
    }

    private func checkSignature() throws {
        let failure = TeleportError("the SSH certificate's signature is not valid")
        var sig = SSHWireReader(signature, context: "SSH certificate signature")
        let format = try sig.readString("the signature format")
        let sigBlob = try sig.readBytes("the signature data")
        let signed = blob[0..<signedLength]

        var ca = SSHWireReader(signatureKeyBlob, context: "SSH certificate signature key")
        let caType = try ca.readString("the key type")
        switch caType {
        case "ssh-ed25519":
            guard format == "ssh-ed25519" else { throw mismatch(format, caType) }
            let key = try Curve25519.Signing.PublicKey(rawRepresentation: try ca.readBytes("the Ed25519 key"))
            guard sigBlob.count == 64, key.isValidSignature(sigBlob, for: signed) else { throw failure }

        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            guard format == caType else { throw mismatch(format, caType) }
            _ = try ca.readString("the ECDSA curve name")
            let point = try ca.readBytes("the ECDSA point")
            var rs = SSHWireReader(sigBlob, context: "SSH certificate signature")
            let r = try rs.readPositiveMPInt("ECDSA r", maxBytes: 66)
            let s = try rs.readPositiveMPInt("ECDSA s", maxBytes: 66)
            try rs.expectEnd("ECDSA s")
            let valid: Bool
            switch caType {
            case "ecdsa-sha2-nistp256":
                let raw = try Self.fixedWidth(r, 32) + Self.fixedWidth(s, 32)
                valid = try P256.Signing.PublicKey(x963Representation: point).isValidSignature(
                    P256.Signing.ECDSASignature(rawRepresentation: raw), for: signed)
            case "ecdsa-sha2-nistp384":
                let raw = try Self.fixedWidth(r, 48) + Self.fixedWidth(s, 48)
                valid = try P384.Signing.PublicKey(x963Representation: point).isValidSignature(
                    P384.Signing.ECDSASignature(rawRepresentation: raw), for: signed)
            default:
                let raw = try Self.fixedWidth(r, 66) + Self.fixedWidth(s, 66)
                valid = try P521.Signing.PublicKey(x963Representation: point).isValidSignature(
                    P521.Signing.ECDSASignature(rawRepresentation: raw), for: signed)
            }
            guard valid else { throw failure }

        case "ssh-rsa":
            let e = try ca.readPositiveMPInt("the RSA exponent", maxBytes: 64)
            let n = try ca.readPositiveMPInt("the RSA modulus", maxBytes: 2048)
            let key: _RSA.Signing.PublicKey
            do {
                key = try _RSA.Signing.PublicKey(n: n, e: e)
            } catch {
                throw TeleportError("the SSH certificate is signed by an RSA key smaller than 2048 bits, which is not accepted")
            }
            // OpenSSH accepts signatures shorter than the modulus; BoringSSL
            // wants them padded to its length.
            let modulusBytes = (key.keySizeInBits + 7) / 8
            guard sigBlob.count <= modulusBytes else { throw failure }
            let padded = RSASignature(rawRepresentation: [UInt8](repeating: 0, count: modulusBytes - sigBlob.count) + sigBlob)
            let valid: Bool
            switch format {
            case "rsa-sha2-256":
                valid = key.isValidSignature(padded, for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
            case "rsa-sha2-512":
                valid = key.isValidSignature(padded, for: SHA512.hash(data: signed), padding: .insecurePKCS1v1_5)
            case "ssh-rsa":
                throw TeleportError("the SSH certificate is signed with SHA-1 (ssh-rsa), which is not accepted")
            default:
                throw mismatch(format, caType)
            }
            guard valid else { throw failure }

        default:
            throw TeleportError("cannot check an SSH certificate signed by a \(SSHKeyTypes.quoted(caType)) key")
        }
    }

    /// True when the certificate is signed by the CA key `caPublicKeyBlob`
    /// (a plain public key blob) and the signature is valid.
    public func isSigned(by caPublicKeyBlob: [UInt8]) -> Bool {
        guard caPublicKeyBlob == signatureKeyBlob else { return false }
        return (try? verifySignature()) != nil
    }

    private typealias RSASignature = _RSA.Signing.RSASignature

    private func mismatch(_ format: String, _ caType: String) -> TeleportError {
        TeleportError(
            "invalid SSH certificate: a \(SSHKeyTypes.quoted(format)) signature from a \(SSHKeyTypes.quoted(caType)) key")
    }

    /// An mpint's magnitude left-padded to `width` bytes.
    private static func fixedWidth(_ mpint: [UInt8], _ width: Int) throws -> [UInt8] {
        let digits = mpint.drop(while: { $0 == 0 })
        guard digits.count <= width else {
            throw TeleportError("the SSH certificate's signature is not valid")
        }
        return [UInt8](repeating: 0, count: width - digits.count) + digits
    }
}
