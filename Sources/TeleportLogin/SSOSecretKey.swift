import Crypto
import TeleportSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The 32-byte AES-256 key of one SSO login and the sealed response the
/// proxy sends back with it: gravitational/teleport lib/secret/secret.go
/// (`NewKey`, `Key.String` as lowercase hex, `Seal`/`Open`: AES-GCM, a
/// 12-byte nonce, no additional data, `{"ciphertext","nonce"}` in standard
/// base64 with the 16-byte tag at the end of the ciphertext).
public struct SSOSecretKey: Sendable {
    let key: SymmetricKey

    /// A fresh random key.
    public init() {
        key = SymmetricKey(size: .bits256)
    }

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw TeleportError("an SSO secret key is 32 bytes") }
        key = SymmetricKey(data: bytes)
    }

    /// Lowercase hex, as Go's `hex.EncodeToString`.
    public var hex: String {
        key.withUnsafeBytes { bytes in
            bytes.map { String.hex(UInt32($0), digits: 2) }.joined()
        }
    }

    /// Whether `text` is this key's hex form, compared in constant time.
    public func matches(hex text: String) -> Bool {
        let expected = Array(hex.utf8)
        let given = Array(text.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for i in expected.indices { difference |= expected[i] ^ given[i] }
        return difference == 0
    }

    /// Opens a `response` parameter. Any failure is the same error: what
    /// failed is not worth telling a forger.
    public func open(sealed text: String) throws -> [UInt8] {
        struct Sealed: Decodable {
            var ciphertext: String
            var nonce: String
        }
        let failure = TeleportError("the login response does not decrypt with this login's key")
        guard text.utf8.count <= 1 << 20,
              let sealed = try? JSONDecoder().decode(Sealed.self, from: Data(text.utf8)),
              let ciphertext = Data(base64Encoded: sealed.ciphertext),
              let nonceBytes = Data(base64Encoded: sealed.nonce),
              nonceBytes.count == 12, ciphertext.count >= 16,
              let nonce = try? AES.GCM.Nonce(data: nonceBytes),
              let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: ciphertext.dropLast(16),
                                               tag: ciphertext.suffix(16)),
              let plain = try? AES.GCM.open(box, using: key) else {
            throw failure
        }
        return Array(plain)
    }

    /// Seals as the proxy does; for tests.
    public func seal(_ plaintext: [UInt8], nonce nonceBytes: [UInt8]? = nil) throws -> String {
        let nonce = try nonceBytes.map { try AES.GCM.Nonce(data: $0) } ?? AES.GCM.Nonce()
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce)
        let ciphertext = Data(box.ciphertext) + Data(box.tag)
        return JSONValue.object([
            ("ciphertext", .string(ciphertext.base64EncodedString())),
            ("nonce", .string(Data(box.nonce).base64EncodedString())),
        ]).compact()
    }
}

