import Foundation
import Testing
@testable import TeleportKeys
@testable import TeleportSupport

extension KeysTests {

    @Suite struct SSHPublicKeyTests {
        @Test(arguments: [("ed25519", nil), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("rsa", 2048)] as [(String, Int?)])
        func parsesSSHKeygenPublicKeys(type: String, bits: Int?) throws {
            let dir = try KeyTestDirectory()
            try runTool("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "bob@example", "-f", dir.path("id")]
                        + (bits.map { ["-b", String($0)] } ?? []))
            let line = try dir.read("id.pub")
            let key = try SSHPublicKey(line: line)
            let fields = line.split(separator: " ")
            #expect(key.type == String(fields[0]))
            #expect(key.base64 == String(fields[1]))
            #expect(key.comment == "bob@example")
            #expect(key.authorizedKeyLine == "\(fields[0]) \(fields[1])")
            #expect(!key.isCertificate)
            let fingerprint = try runTool("ssh-keygen", ["-l", "-E", "sha256", "-f", dir.path("id.pub")]).stdout
            #expect(fingerprint.split(separator: " ")[1] == Substring(key.fingerprintSHA256))
            // The known_hosts form: fields given separately.
            #expect(try SSHPublicKey(type: key.type, base64: key.base64) == key)
            #expect(try SSHPublicKey(blob: key.blob) == key)
        }

        @Test func toleratesSurroundingWhitespaceAndTabs() throws {
            let key = try SSHPublicKey(line: GoldenCertificates.userKeyLine)
            let messy = "  " + key.type + "\t " + key.base64 + "  some comment with spaces \r\n"
            let parsed = try SSHPublicKey(line: messy)
            #expect(parsed == key)
            #expect(parsed.comment == "some comment with spaces")
        }

        @Test func certificateLinesAreRecognised() throws {
            let key = try SSHPublicKey(line: GoldenCertificates.userCertLine)
            #expect(key.isCertificate)
            #expect(key.type == "ssh-ed25519-cert-v01@openssh.com")
        }

        @Test func rejectsMalformedLines() throws {
            let key = try SSHPublicKey(line: GoldenCertificates.userKeyLine)
            let b64 = key.base64
            let cases: [(String, String)] = [
                ("", "empty"),
                ("   \n", "empty"),
                ("ssh-ed25519", "expected"),
                ("ssh-ed25519 " + b64.dropLast(), "base64"),                       // bad length
                ("ssh-ed25519 " + b64.replacingOccurrences(of: "A", with: "*"), "base64"),
                ("ssh-ed25519 " + b64.prefix(20) + "\n" + b64.dropFirst(20), "single line"),
                ("ssh-rsa " + b64, "declared as \"ssh-rsa\""),                      // wrong declared type
                ("ssh-ed25519 " + Base64.encode(key.blob + [0]), "unexpected bytes"),  // trailing garbage
                ("ssh-ed25519 " + Base64.encode(key.blob.dropLast()), "only 31 remain"),
                ("ssh-ed25519 AAAA", "truncated"),
                ("foo-key " + Base64.encode(sshString("foo-key") + sshString([1, 2, 3])), "unsupported key type"),
                ("ssh-ed25519 " + String(repeating: "A", count: 16 * 1024 + 4), "longer than"),
            ]
            for (line, expected) in cases {
                #expect {
                    try SSHPublicKey(line: line)
                } throws: { error in
                    let message = (error as? TeleportError)?.message ?? "\(error)"
                    let ok = message.hasPrefix("invalid SSH public key") && message.contains(expected)
                    if !ok { Issue.record("\(line.prefix(60)): \(message)") }
                    return ok
                }
            }
        }

        @Test func base64IsStrict() {
            #expect(Base64.decode("AAAA") == [0, 0, 0])
            #expect(Base64.decode("AA==") == [0])
            #expect(Base64.decode("AAA=") == [0, 0])
            #expect(Base64.decode("") == [])
            #expect(Base64.decode("AB==") == nil, "non-canonical trailing bits")
            #expect(Base64.decode("AAB=") == nil, "non-canonical trailing bits")
            #expect(Base64.decode("A===") == nil)
            #expect(Base64.decode("=AAA") == nil)
            #expect(Base64.decode("AA=A") == nil)
            #expect(Base64.decode("AAAA====") == nil)
            #expect(Base64.decode("AA AA") == nil)
            #expect(Base64.decode("AAAAé") == nil)
            #expect(Base64.decode("AAA") == nil)
            var generator = SystemRandomNumberGenerator()
            for length in 0..<70 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let encoded = Base64.encode(bytes)
                #expect(encoded == Data(bytes).base64EncodedString())
                #expect(Base64.decode(encoded) == bytes)
            }
        }

        @Test func ecdsaPointMustMatchTheCurve() throws {
            let point = [UInt8](repeating: 4, count: 65)
            let good = sshString("ecdsa-sha2-nistp256") + sshString("nistp256") + sshString(point)
            _ = try SSHPublicKey(blob: good)
            let wrongCurve = sshString("ecdsa-sha2-nistp256") + sshString("nistp384") + sshString(point)
            #expect(throws: TeleportError.self) { try SSHPublicKey(blob: wrongCurve) }
            let shortPoint = sshString("ecdsa-sha2-nistp256") + sshString("nistp256") + sshString(Array(point.dropLast()))
            #expect(throws: TeleportError.self) { try SSHPublicKey(blob: shortPoint) }
            let compressed = sshString("ecdsa-sha2-nistp256") + sshString("nistp256") + sshString([2] + point.dropFirst())
            #expect(throws: TeleportError.self) { try SSHPublicKey(blob: compressed) }
        }

        @Test func rsaIntegersMustBePositive() throws {
            let n = [UInt8](repeating: 0x7F, count: 256)
            _ = try SSHPublicKey(blob: sshString("ssh-rsa") + sshString([1, 0, 1]) + sshString(n))
            #expect(throws: TeleportError.self) {
                try SSHPublicKey(blob: sshString("ssh-rsa") + sshString([0x81, 0, 1]) + sshString(n))
            }
            #expect(throws: TeleportError.self) {
                try SSHPublicKey(blob: sshString("ssh-rsa") + sshString([UInt8]()) + sshString(n))
            }
            #expect(throws: TeleportError.self) {
                try SSHPublicKey(blob: sshString("ssh-rsa") + sshString([1, 0, 1]) + sshString([UInt8](repeating: 0x7F, count: 2049)))
            }
        }
    }
}
