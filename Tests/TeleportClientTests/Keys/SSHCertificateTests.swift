import Foundation
import Testing
@testable import TeleportKeys
@testable import TeleportSupport

extension KeysTests {

    /// Certificates made by the real ssh-keygen, for every CA and key type we can meet.
    @Suite struct SSHCertificateTests {
        struct Combo: CustomTestStringConvertible, Sendable {
            var caType: String
            var caBits: Int?
            var keyType: String
            var keyBits: Int?
            var expectedKeyType: String
            var expectedSignatureAlgorithm: String
            var testDescription: String { "CA \(caType)\(caBits.map(String.init) ?? "") key \(expectedKeyType)" }
        }

        static let combos: [Combo] = [
            Combo(caType: "ed25519", keyType: "ed25519", expectedKeyType: "ssh-ed25519", expectedSignatureAlgorithm: "ssh-ed25519"),
            Combo(caType: "rsa", caBits: 2048, keyType: "rsa", keyBits: 2048, expectedKeyType: "ssh-rsa", expectedSignatureAlgorithm: "rsa-sha2-512"),
            Combo(caType: "ecdsa", caBits: 256, keyType: "ecdsa", keyBits: 256, expectedKeyType: "ecdsa-sha2-nistp256", expectedSignatureAlgorithm: "ecdsa-sha2-nistp256"),
            Combo(caType: "ecdsa", caBits: 384, keyType: "ecdsa", keyBits: 384, expectedKeyType: "ecdsa-sha2-nistp384", expectedSignatureAlgorithm: "ecdsa-sha2-nistp384"),
            Combo(caType: "ecdsa", caBits: 521, keyType: "ecdsa", keyBits: 521, expectedKeyType: "ecdsa-sha2-nistp521", expectedSignatureAlgorithm: "ecdsa-sha2-nistp521"),
            Combo(caType: "rsa", caBits: 3072, keyType: "ed25519", expectedKeyType: "ssh-ed25519", expectedSignatureAlgorithm: "rsa-sha2-512"),
            Combo(caType: "ed25519", keyType: "rsa", keyBits: 2048, expectedKeyType: "ssh-rsa", expectedSignatureAlgorithm: "ssh-ed25519"),
            Combo(caType: "ecdsa", caBits: 256, keyType: "ed25519", expectedKeyType: "ssh-ed25519", expectedSignatureAlgorithm: "ecdsa-sha2-nistp256"),
        ]

        @Test(arguments: combos)
        func parsesUserCertificates(combo: Combo) throws {
            let dir = try KeyTestDirectory()
            let caLine = try sshKeygenKey(dir, "ca", type: combo.caType, bits: combo.caBits)
            let keyLine = try sshKeygenKey(dir, "user", type: combo.keyType, bits: combo.keyBits)
            let before = UInt64(Date().timeIntervalSince1970)
            try runTool("ssh-keygen", [
                "-q", "-s", dir.path("ca"), "-I", "keyid", "-n", "alice,-teleport-internal-join", "-V", "-1m:+1h",
                "-O", "extension:teleport-roles={\"version\":\"v1\",\"roles\":[\"access\",\"editor\"]}",
                dir.path("user.pub"),
            ])
            let after = UInt64(Date().timeIntervalSince1970)
            let line = try dir.read("user-cert.pub")
            let cert = try SSHCertificate(line: line)

            #expect(cert.keyType == combo.expectedKeyType + "-cert-v01@openssh.com")
            #expect(cert.nonce.count == 32)
            #expect(cert.publicKeyBlob == (try SSHPublicKey(line: keyLine)).blob)
            #expect(cert.publicKey == (try SSHPublicKey(line: keyLine)))
            #expect(cert.serial == 0)
            #expect(cert.certType == .user)
            #expect(cert.keyID == "keyid")
            #expect(cert.principals == ["alice", "-teleport-internal-join"])
            #expect(cert.logins == ["alice"])
            #expect(cert.validAfter >= before - 61 && cert.validAfter <= after - 59)
            #expect(cert.validBefore == cert.validAfter + 3660)
            #expect(cert.criticalOptions.isEmpty)
            #expect(cert.extensions.map(\.name) == [
                "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty",
                "permit-user-rc", "teleport-roles",
            ])
            #expect(cert.extensions.dropLast().allSatisfy { $0.value == "" })
            #expect(cert.extensionValue("teleport-roles") == #"{"version":"v1","roles":["access","editor"]}"#)
            #expect(cert.extensionValue("missing") == nil)
            #expect(cert.roles == ["access", "editor"])
            #expect(cert.routeToCluster == nil)
            #expect(cert.signatureKeyBlob == (try SSHPublicKey(line: caLine)).blob)
            #expect(cert.signatureKey == (try SSHPublicKey(line: caLine)))
            #expect(cert.signatureAlgorithm == combo.expectedSignatureAlgorithm)

            let now = Date()
            #expect(!cert.isExpired(at: now))
            #expect(cert.isValid(at: now))
            #expect(cert.isExpired(at: now.addingTimeInterval(2 * 3600)))
            #expect(!cert.isValid(at: now.addingTimeInterval(-3600)))
            #expect(cert.isExpired(at: cert.validBeforeDate))
            #expect(!cert.isExpired(at: cert.validBeforeDate.addingTimeInterval(-1)))
            #expect(cert.validBeforeDate.timeIntervalSince1970 == Double(cert.validBefore))

            try cert.verifySignature()
            #expect(cert.isSigned(by: cert.signatureKeyBlob))
            #expect(!cert.isSigned(by: cert.publicKeyBlob))

            // The line round-trips, and the generic key parser accepts it too.
            #expect(cert.authorizedKeyLine == line.split(separator: " ").prefix(2).joined(separator: " "))
            #expect(try SSHCertificate(blob: cert.blob) == cert)
            let asKey = try SSHPublicKey(line: line)
            #expect(asKey.isCertificate)
            #expect(asKey.blob == cert.blob)
        }

        @Test(arguments: [("ed25519", nil), ("rsa", 2048), ("ecdsa", 384)] as [(String, Int?)])
        func parsesHostCertificates(caType: String, caBits: Int?) throws {
            let dir = try KeyTestDirectory()
            try sshKeygenKey(dir, "hostca", type: caType, bits: caBits)
            let hostLine = try sshKeygenKey(dir, "host", type: "ecdsa", bits: 256)
            try runTool("ssh-keygen", [
                "-q", "-s", dir.path("hostca"), "-h", "-I", "node1", "-z", "12345678901234",
                "-n", "node1.example.com,node1,127.0.0.1", "-V", "always:forever", dir.path("host.pub"),
            ])
            let cert = try SSHCertificate(line: try dir.read("host-cert.pub"))
            #expect(cert.certType == .host)
            #expect(cert.keyType == "ecdsa-sha2-nistp256-cert-v01@openssh.com")
            #expect(cert.publicKeyBlob == (try SSHPublicKey(line: hostLine)).blob)
            #expect(cert.serial == 12_345_678_901_234)
            #expect(cert.keyID == "node1")
            #expect(cert.principals == ["node1.example.com", "node1", "127.0.0.1"])
            #expect(cert.validAfter == 0)
            #expect(cert.validBefore == SSHCertificate.forever)
            #expect(cert.validBeforeDate == .distantFuture)
            #expect(!cert.isExpired(at: Date(timeIntervalSince1970: 1e11)))
            #expect(cert.criticalOptions.isEmpty)
            #expect(cert.extensions.isEmpty)
            #expect(cert.roles.isEmpty)
            try cert.verifySignature()
        }

        @Test func tamperedCertificatesFailVerification() throws {
            let cert = try SSHCertificate(line: GoldenCertificates.userCertLine)
            try cert.verifySignature()
            // Change one byte of the key ID ("alice" -> "blice"): still parses, no longer verifies.
            var blob = cert.blob
            let keyIDOffset = try #require(indexOf(Array("alice".utf8), in: blob))
            blob[keyIDOffset] = UInt8(ascii: "b")
            let forged = try SSHCertificate(blob: blob)
            #expect(forged.keyID == "blice")
            #expect(throws: TeleportError.self) { try forged.verifySignature() }
            #expect(!forged.isSigned(by: cert.signatureKeyBlob))
            // Change one byte of the signature itself.
            var sigBlob = cert.blob
            sigBlob[sigBlob.count - 10] ^= 0x01
            #expect(throws: TeleportError.self) { try SSHCertificate(blob: sigBlob).verifySignature() }
        }

        @Test func sha1SignaturesAreRefused() throws {
            let dir = try KeyTestDirectory()
            try sshKeygenKey(dir, "ca", type: "rsa", bits: 2048)
            try sshKeygenKey(dir, "user", type: "ed25519")
            try runTool("ssh-keygen", ["-q", "-s", dir.path("ca"), "-t", "ssh-rsa", "-I", "x", "-n", "alice", dir.path("user.pub")])
            let cert = try SSHCertificate(line: try dir.read("user-cert.pub"))
            #expect(cert.signatureAlgorithm == "ssh-rsa")
            #expect(throws: TeleportError("the SSH certificate is signed with SHA-1 (ssh-rsa), which is not accepted")) {
                try cert.verifySignature()
            }
        }

        private func indexOf(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
            guard needle.count <= haystack.count else { return nil }
            return (0...(haystack.count - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
        }
    }

    /// A fixed certificate, checked in, with every field pinned.
    @Suite struct SSHCertificateGoldenTests {
        @Test func userCertificate() throws {
            let cert = try SSHCertificate(line: GoldenCertificates.userCertLine)
            #expect(cert.keyType == "ssh-ed25519-cert-v01@openssh.com")
            #expect(hex(cert.nonce) == "36326cf05cb2e116e46a992459cc151f299d6ba5aad382ac7d031eacf87373e4")
            #expect(cert.publicKey == (try SSHPublicKey(line: GoldenCertificates.userKeyLine)))
            #expect(cert.publicKey.fingerprintSHA256 == "SHA256:E5+H1VeTYDpmCr/hIpCYv3HMQpDhGE5CHqkJkG6Rlq0")
            #expect(cert.serial == 42)
            #expect(cert.certType == .user)
            #expect(cert.keyID == "alice")
            #expect(cert.principals == ["alice", "root", "-teleport-internal-join"])
            #expect(cert.logins == ["alice", "root"])
            #expect(cert.validAfter == 1_717_200_000)  // 2024-06-01T00:00:00Z
            #expect(cert.validBefore == 1_717_243_200)  // 2024-06-01T12:00:00Z
            #expect(cert.validAfterDate == Date(timeIntervalSince1970: 1_717_200_000))
            #expect(cert.validBeforeDate == Date(timeIntervalSince1970: 1_717_243_200))
            #expect(cert.isExpired(at: Date()))
            #expect(cert.isValid(at: Date(timeIntervalSince1970: 1_717_220_000)))
            #expect(cert.criticalOptions.map(\.name) == ["source-address"])
            #expect(cert.criticalOptionValue("source-address") == "10.0.0.0/8,127.0.0.1")
            #expect(cert.extensions.map(\.name) == [
                "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty",
                "permit-user-rc", "teleport-roles", "teleport-route-to-cluster", "teleport-traits",
            ])
            #expect(cert.extensions.map(\.value) == [
                "", "", "", "", "", #"{"version":"v1","roles":["access","editor"]}"#, "example.com",
                #"{"logins":["alice","root"]}"#,
            ])
            #expect(cert.roles == ["access", "editor"])
            #expect(cert.routeToCluster == "example.com")
            #expect(cert.signatureKey == (try SSHPublicKey(line: GoldenCertificates.userCALine)))
            #expect(cert.signatureKeyType == "ssh-rsa")
            #expect(cert.signatureKey.fingerprintSHA256 == "SHA256:ITO8N2Q0i7VfR9jXIqG7Z6DC9ZELeHOypOTSJFXZ12g")
            #expect(cert.signatureAlgorithm == "rsa-sha2-512")
            #expect(cert.signature.count == 4 + 12 + 4 + 256)
            #expect(cert.blob.count == 1116)
            try cert.verifySignature()
            #expect(cert.isSigned(by: try SSHPublicKey(line: GoldenCertificates.userCALine).blob))
            #expect(cert.authorizedKeyLine + " alice@laptop" == GoldenCertificates.userCertLine)
            #expect(cert.description == "ssh-ed25519-cert-v01@openssh.com certificate \"alice\" serial 42")
        }

        @Test func hostCertificate() throws {
            let cert = try SSHCertificate(line: GoldenCertificates.hostCertLine)
            #expect(cert.keyType == "ecdsa-sha2-nistp256-cert-v01@openssh.com")
            #expect(hex(cert.nonce) == "f738c211972bc11281ef59a85c9163931b082f326994120d6f619315f458b85f")
            #expect(cert.publicKey == (try SSHPublicKey(line: GoldenCertificates.hostKeyLine)))
            #expect(cert.publicKey.fingerprintSHA256 == "SHA256:/MdFOTlvLMLw4Qb605SaHzkU4BLD+ZhdtX5DXtQj8Xg")
            #expect(cert.serial == 7)
            #expect(cert.certType == .host)
            #expect(cert.keyID == "node1")
            #expect(cert.principals == ["node1.example.com", "node1"])
            #expect(cert.validAfter == 1_717_200_000)
            #expect(cert.validBefore == SSHCertificate.forever)
            #expect(!cert.isExpired(at: Date()))
            #expect(cert.criticalOptions.isEmpty)
            #expect(cert.extensions.isEmpty)
            #expect(cert.signatureKey == (try SSHPublicKey(line: GoldenCertificates.hostCALine)))
            #expect(cert.signatureKey.fingerprintSHA256 == "SHA256:OLWBib9m/Bdm4P9HYQrHn6RzBi4CZvcUPtxi4DIaK64")
            #expect(cert.signatureAlgorithm == "ssh-ed25519")
            #expect(cert.blob.count == 386)
            try cert.verifySignature()
            #expect(cert.authorizedKeyLine + " host.pub" == GoldenCertificates.hostCertLine)
        }

        private func hex(_ bytes: [UInt8]) -> String {
            bytes.map { String(format: "%02x", $0) }.joined()
        }
    }
}
