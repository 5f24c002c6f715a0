import Foundation
import Testing
@testable import TeleportKeys
@testable import TeleportSupport

extension KeysTests {

    @Suite struct KeyPairsTests {
        static let expectedSSHType: [SignatureSuite: String] = [
            .legacy: "ssh-rsa", .balancedV1: "ssh-ed25519", .hsmV1: "ssh-ed25519", .fipsV1: "ecdsa-sha2-nistp256",
        ]

        @Test(arguments: SignatureSuite.allCases)
        func generatedSSHKeyIsAcceptedByOpenSSH(suite: SignatureSuite) throws {
            let keys = try KeyPairs.generate(for: suite)
            let type = try #require(Self.expectedSSHType[suite])
            #expect(keys.sshKeyType == type)
            #expect(keys.sshPublicKeyLine.hasPrefix(type + " "))
            #expect(keys.sshPublicKeyLine.hasSuffix("\n"))
            #expect(keys.sshPublicKeyLine.split(separator: " ").count == 2, "no comment")
            #expect(try SSHPublicKey(line: keys.sshPublicKeyLine).blob == keys.sshPublicKeyBlob)

            let lines = keys.sshPrivateKeyPEM.split(separator: "\n", omittingEmptySubsequences: false)
            if suite == .legacy {
                #expect(lines.first == "-----BEGIN RSA PRIVATE KEY-----")
                #expect(lines.dropLast().last == "-----END RSA PRIVATE KEY-----")
            } else {
                #expect(lines.first == "-----BEGIN OPENSSH PRIVATE KEY-----")
                #expect(lines.dropLast().last == "-----END OPENSSH PRIVATE KEY-----")
                // ssh-keygen's layout: 70-character lines, only the last one shorter.
                let body = lines.dropFirst().dropLast(2)
                #expect(body.dropLast().allSatisfy { $0.count == 70 })
                #expect((body.last?.count ?? 0) <= 70)
            }
            #expect(keys.sshPrivateKeyPEM.hasSuffix("-----\n"))

            let dir = try KeyTestDirectory()
            let file = try dir.write("alice", keys.sshPrivateKeyPEM)
            let derived = try runTool("ssh-keygen", ["-y", "-f", file]).stdout
            #expect(derived.trimmingCharacters(in: .whitespacesAndNewlines) + "\n" == keys.sshPublicKeyLine)
            // And OpenSSH computes the same fingerprint as we do.
            let fingerprint = try runTool("ssh-keygen", ["-l", "-E", "sha256", "-f", file]).stdout
            #expect(fingerprint.contains(keys.sshPublicKey.fingerprintSHA256))
        }

        @Test(arguments: SignatureSuite.allCases)
        func generatedTLSKeyIsTheRightKind(suite: SignatureSuite) throws {
            let keys = try KeyPairs.generate(for: suite)
            #expect(keys.tlsPublicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
            #expect(keys.tlsPublicKeyPEM.hasSuffix("-----END PUBLIC KEY-----\n"))
            let dir = try KeyTestDirectory()
            let file = try dir.write("alice.key", keys.tlsPrivateKeyPEM)
            let text = try runTool("openssl", ["pkey", "-in", file, "-noout", "-text"]).stdout
            let publicPEM = try runTool("openssl", ["pkey", "-in", file, "-pubout"]).stdout
            #expect(publicPEM == keys.tlsPublicKeyPEM)
            if suite == .legacy {
                #expect(keys.tlsPrivateKeyPEM.hasPrefix("-----BEGIN RSA PRIVATE KEY-----\n"))
                #expect(text.contains("Private-Key: (2048 bit"))
            } else {
                #expect(keys.tlsPrivateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
                #expect(text.contains("prime256v1") || text.contains("P-256"))
            }
        }

        @Test(arguments: SignatureSuite.allCases)
        func sshAndTLSKeysAreSeparateAndFresh(suite: SignatureSuite) throws {
            let a = try KeyPairs.generate(for: suite)
            let b = try KeyPairs.generate(for: suite)
            #expect(a.sshPublicKeyBlob != b.sshPublicKeyBlob)
            #expect(a.tlsPublicKeyPEM != b.tlsPublicKeyPEM)
            // The TLS key is not the SSH key in another encoding.
            let sshAsTLS = try? KeyPairs.tlsPublicKey(fromPrivateKeyPEM: a.sshPrivateKeyPEM)
            #expect(sshAsTLS != a.tlsPublicKeyPEM)
        }

        @Test(arguments: SignatureSuite.allCases)
        func loadDerivesTheSamePublicKeys(suite: SignatureSuite) throws {
            let keys = try KeyPairs.generate(for: suite)
            let loaded = try KeyPairs.load(sshPrivateKeyPEM: keys.sshPrivateKeyPEM, tlsPrivateKeyPEM: keys.tlsPrivateKeyPEM)
            #expect(loaded.sshPublicKeyLine == keys.sshPublicKeyLine)
            #expect(loaded.sshPublicKeyBlob == keys.sshPublicKeyBlob)
            #expect(loaded.tlsPublicKeyPEM == keys.tlsPublicKeyPEM)
        }

        @Test func descriptionsDoNotShowPrivateKeys() throws {
            let keys = try KeyPairs.generate(for: .balancedV1)
            for text in [String(describing: keys), String(reflecting: keys), "\(keys)"] {
                #expect(!text.contains("PRIVATE"))
                #expect(text.contains("ssh-ed25519"))
            }
            var dumped = ""
            dump(keys, to: &dumped)
            #expect(!dumped.contains("PRIVATE"))
        }

        @Test(arguments: [("ed25519", nil), ("ecdsa", 256), ("ecdsa", 384), ("rsa", 2048)] as [(String, Int?)])
        func readsKeysWrittenBySSHKeygen(type: String, bits: Int?) throws {
            let dir = try KeyTestDirectory()
            let publicLine = try sshKeygenKey(dir, "id", type: type, bits: bits)
            let pem = try dir.read("id")
            #expect(try SSHPublicKey(privateKeyPEM: pem) == SSHPublicKey(line: publicLine))
        }

        /// Our OpenSSH container writer reproduces ssh-keygen's files byte for byte.
        @Test(arguments: [("ed25519", nil), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521)] as [(String, Int?)])
        func openSSHContainerMatchesSSHKeygen(type: String, bits: Int?) throws {
            let dir = try KeyTestDirectory()
            try sshKeygenKey(dir, "id", type: type, bits: bits)
            let original = try dir.read("id")
            let parsed = try OpenSSHPrivateKey(pem: original)
            #expect(parsed.comment == "")
            #expect(parsed.pem(checkint: try #require(parsed.checkint)) == original)
        }

        @Test func refusesEncryptedAndDamagedKeys() throws {
            let dir = try KeyTestDirectory()
            try runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret", "-C", "", "-f", dir.path("enc")])
            try runTool("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "secret", "-C", "", "-f", dir.path("encrsa")])
            let keys = try KeyPairs.generate(for: .fipsV1)
            var lines = keys.sshPrivateKeyPEM.split(separator: "\n")
            lines.remove(at: 2)
            let damaged = lines.joined(separator: "\n") + "\n"
            for pem in [try dir.read("enc"), try dir.read("encrsa"), "", "garbage", damaged,
                        "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n",
                        keys.tlsPublicKeyPEM, "x\0y"] {
                #expect(throws: TeleportError.self) { try SSHPublicKey(privateKeyPEM: pem) }
                #expect(throws: TeleportError.self) {
                    try KeyPairs.load(sshPrivateKeyPEM: pem, tlsPrivateKeyPEM: keys.tlsPrivateKeyPEM)
                }
            }
            #expect(throws: TeleportError.self) { try OpenSSHPrivateKey(pem: try dir.read("enc")) }
            #expect(throws: TeleportError.self) {
                try KeyPairs.load(sshPrivateKeyPEM: keys.sshPrivateKeyPEM, tlsPrivateKeyPEM: "garbage")
            }
        }

        @Test func legacySingleKeyProfilesLoad() throws {
            // Older tsh used one RSA key for both SSH and TLS.
            let keys = try KeyPairs.generate(for: .legacy)
            let loaded = try KeyPairs.load(sshPrivateKeyPEM: keys.sshPrivateKeyPEM, tlsPrivateKeyPEM: keys.sshPrivateKeyPEM)
            #expect(loaded.sshPublicKeyBlob == keys.sshPublicKeyBlob)
            #expect(loaded.tlsPublicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        }
    }
}
