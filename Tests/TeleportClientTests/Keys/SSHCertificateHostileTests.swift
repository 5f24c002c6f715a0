import Foundation
import Testing
@testable import TeleportKeys
@testable import TeleportSupport

extension KeysTests {

    /// Malformed and hostile certificates: every one must give a clear
    /// `TeleportError`, never a crash.
    @Suite struct SSHCertificateHostileTests {
        /// An Ed25519 user certificate built field by field (the signature is not
        /// valid; parsing does not check it).
        struct Builder {
            var type = "ssh-ed25519-cert-v01@openssh.com"
            var nonce = [UInt8](repeating: 7, count: 32)
            var key = sshString([UInt8](repeating: 1, count: 32))
            var serial: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 1]
            var certType = be32(1)
            var keyID = sshString("alice")
            var principals = sshString(sshString("alice") + sshString("root"))
            var validity: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8)
            var criticalOptions = sshString([UInt8]())
            var extensions = sshString(sshString("permit-pty") + sshString([UInt8]())
                                       + sshString("teleport-roles") + sshString(sshString(#"{"roles":["a"]}"#)))
            var reserved = sshString([UInt8]())
            var signatureKey = sshString(sshString("ssh-ed25519") + sshString([UInt8](repeating: 2, count: 32)))
            var signature = sshString(sshString("ssh-ed25519") + sshString([UInt8](repeating: 3, count: 64)))
            var trailing: [UInt8] = []

            var blob: [UInt8] {
                sshString(type) + sshString(nonce) + key + serial + certType + keyID + principals + validity
                    + criticalOptions + extensions + reserved + signatureKey + signature + trailing
            }
        }

        @Test func builderMakesAParsableCertificate() throws {
            let cert = try SSHCertificate(blob: Builder().blob)
            #expect(cert.principals == ["alice", "root"])
            #expect(cert.extensions.map(\.name) == ["permit-pty", "teleport-roles"])
            #expect(cert.roles == ["a"])
            #expect(cert.validBefore == .max)
        }

        func expectFailure(_ blob: [UInt8], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                let cert = try SSHCertificate(blob: blob)
                Issue.record("parsed a bad certificate: \(cert)", sourceLocation: sourceLocation)
            } catch let error as TeleportError {
                #expect(error.message.hasPrefix("invalid SSH certificate"), "\(error.message)", sourceLocation: sourceLocation)
                #expect(error.message.contains(expected), "\(error.message)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            }
        }

        @Test func structuralErrors() {
            var b = Builder()
            b.trailing = [0]
            expectFailure(b.blob, "unexpected bytes after the signature")

            b = Builder()
            b.type = "ssh-ed25519-cert-v01@openssh.con"
            expectFailure(b.blob, "not a certificate type")

            b = Builder()
            b.type = "ssh-dss-cert-v01@openssh.com"
            expectFailure(b.blob, "unsupported certificate type")

            b = Builder()
            b.type = "ecdsa-sha2-nistp256-cert-v01@openssh.com"  // with an Ed25519 key body
            expectFailure(b.blob, "names the curve")

            b = Builder()
            b.key = sshString([UInt8](repeating: 1, count: 31))
            expectFailure(b.blob, "not 32")

            b = Builder()
            b.certType = be32(3)
            expectFailure(b.blob, "unknown certificate type 3")

            b = Builder()
            b.keyID = sshString([0x61, 0xFF, 0x62])
            expectFailure(b.blob, "the key ID is not valid UTF-8")

            b = Builder()
            b.principals = sshString(sshString("alice") + be32(100) + Array("root".utf8))
            expectFailure(b.blob, "a principal claims 100 bytes but only 4 remain")

            b = Builder()
            b.principals = sshString(sshString("alice") + [0, 0])
            expectFailure(b.blob, "truncated")

            b = Builder()
            b.extensions = sshString(sshString("teleport-roles") + sshString(Array("not wrapped".utf8)))
            expectFailure(b.blob, "the value of the extension \"teleport-roles\"")

            b = Builder()
            b.extensions = sshString(sshString("x") + sshString(sshString("v") + [9]))
            expectFailure(b.blob, "unexpected bytes after the value of the extension")

            b = Builder()
            b.criticalOptions = sshString(sshString("force-command"))
            expectFailure(b.blob, "the length of the critical option")

            b = Builder()
            b.signatureKey = sshString(Builder().blob)
            expectFailure(b.blob, "signature key")

            b = Builder()
            b.signatureKey = sshString([UInt8]())
            expectFailure(b.blob, "invalid SSH certificate signature key: the length of the key type is truncated")

            b = Builder()
            b.signature = sshString(sshString("ssh-ed25519"))
            expectFailure(b.blob, "signature data")

            b = Builder()
            b.signature = sshString(sshString("ssh-ed25519") + sshString([1]) + [0])
            expectFailure(b.blob, "unexpected bytes after the signature data")
        }

        /// A certificate whose signature key is a certificate whose signature key
        /// is a certificate… must be refused at the first level, not recursed into.
        @Test func deeplyNestedSignatureKeysDoNotRecurse() throws {
            var blob = Builder().blob
            var b = Builder()
            b.nonce = []
            b.extensions = sshString([UInt8]())
            b.principals = sshString([UInt8]())
            while blob.count < 1_000_000 {
                b.signatureKey = sshString(blob)
                blob = b.blob
            }
            let nested = blob
            expectFailure(nested, "signature key")
            #expect(throws: TeleportError.self) { try SSHPublicKey(blob: nested) }
            // On a secondary thread too, where stacks are small.
            let thread = Thread {
                _ = try? SSHPublicKey(blob: nested)
            }
            thread.stackSize = 512 * 1024
            thread.start()
            while !thread.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        }

        @Test func verifyingHostileSignaturesFailsCleanly() throws {
            var b = Builder()
            // An ECDSA CA key whose point is not on the curve.
            b.signatureKey = sshString(sshString("ecdsa-sha2-nistp256") + sshString("nistp256")
                                       + sshString([4] + [UInt8](repeating: 1, count: 64)))
            b.signature = sshString(sshString("ecdsa-sha2-nistp256")
                                    + sshString(sshString([1, 2]) + sshString([3, 4])))
            #expect(throws: TeleportError("the SSH certificate's signature cannot be checked: its CA key is not valid")) {
                try SSHCertificate(blob: b.blob).verifySignature()
            }
            // Signature format that does not match the CA key.
            b = Builder()
            b.signature = sshString(sshString("rsa-sha2-512") + sshString([UInt8](repeating: 3, count: 64)))
            #expect(throws: TeleportError.self) { try SSHCertificate(blob: b.blob).verifySignature() }
            // A small RSA CA key.
            b = Builder()
            b.signatureKey = sshString(sshString("ssh-rsa") + sshString([1, 0, 1]) + sshString([UInt8](repeating: 0x7F, count: 128)))
            b.signature = sshString(sshString("rsa-sha2-512") + sshString([UInt8](repeating: 3, count: 128)))
            #expect(throws: TeleportError.self) { try SSHCertificate(blob: b.blob).verifySignature() }
            // An Ed25519 signature of the wrong length.
            b = Builder()
            b.signature = sshString(sshString("ssh-ed25519") + sshString([UInt8](repeating: 3, count: 63)))
            #expect(throws: TeleportError("the SSH certificate's signature is not valid")) {
                try SSHCertificate(blob: b.blob).verifySignature()
            }
        }

        @Test func hugeAndPastTheEndLengths() {
            expectFailure(sshString("ssh-ed25519-cert-v01@openssh.com") + be32(0xFFFF_FFFF), "the nonce claims 4294967295 bytes")
            expectFailure(be32(0xFFFF_FFFF) + Array("ssh".utf8), "the key type claims 4294967295 bytes but only 3 remain")
            expectFailure(be32(0x7FFF_FFFF), "the key type claims")
            expectFailure([], "the length of the key type is truncated")
            expectFailure([0, 0], "truncated")
            var b = Builder()
            b.principals = be32(0xFFFF_FFF0)
            expectFailure(b.blob, "the principals claims")
        }

        @Test func aPlainKeyIsNotACertificate() throws {
            let key = try SSHPublicKey(line: GoldenCertificates.userKeyLine)
            expectFailure(key.blob, "\"ssh-ed25519\" is a plain public key, not a certificate")
            #expect(throws: TeleportError.self) { try SSHCertificate(line: GoldenCertificates.userKeyLine) }
        }

        @Test func declaredTypeMustMatch() throws {
            let cert = try SSHCertificate(line: GoldenCertificates.userCertLine)
            let line = "ssh-rsa-cert-v01@openssh.com " + Base64.encode(cert.blob)
            #expect(throws: TeleportError(
                "invalid SSH certificate: declared as \"ssh-rsa-cert-v01@openssh.com\" but the data is \"ssh-ed25519-cert-v01@openssh.com\"")) {
                try SSHCertificate(line: line)
            }
            #expect(throws: TeleportError.self) { try SSHPublicKey(line: line) }
        }

        @Test func badLines() {
            for line in ["", "\n", "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com !!!!",
                         "ssh-ed25519-cert-v01@openssh.com " + String(repeating: "A", count: 1024 * 1024 + 4)] {
                #expect(throws: TeleportError.self) { try SSHCertificate(line: line) }
            }
        }

        /// Every proper prefix of real certificates fails cleanly.
        @Test func everyTruncationFails() throws {
            for line in [GoldenCertificates.userCertLine, GoldenCertificates.hostCertLine] {
                let blob = try SSHCertificate(line: line).blob
                for length in 0..<blob.count {
                    #expect(throws: TeleportError.self) { try SSHCertificate(blob: Array(blob[0..<length])) }
                    #expect(throws: TeleportError.self) { try SSHPublicKey(blob: Array(blob[0..<length])) }
                }
            }
        }

        /// Overwrite each 4-byte window with hostile lengths: parse or fail, never crash.
        @Test func hostileLengthsAtEveryOffset() throws {
            let blob = try SSHCertificate(line: GoldenCertificates.userCertLine).blob
            var failures = 0
            for offset in 0...(blob.count - 4) {
                for value: UInt32 in [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, UInt32(blob.count - offset)] {
                    var mutated = blob
                    mutated.replaceSubrange(offset..<offset + 4, with: be32(value))
                    do {
                        let cert = try SSHCertificate(blob: mutated)
                        _ = (cert.roles, cert.publicKey, cert.signatureKey, cert.isExpired(at: Date()))
                        _ = try? cert.verifySignature()
                    } catch is TeleportError {
                        failures += 1
                    }
                }
            }
            #expect(failures > 0)
        }

        /// A small deterministic fuzz: random byte changes, insertions and deletions.
        @Test func randomMutations() throws {
            var rng = SplitMix64(seed: 0x5eed)
            let seeds = [try SSHCertificate(line: GoldenCertificates.userCertLine).blob,
                         try SSHCertificate(line: GoldenCertificates.hostCertLine).blob,
                         Builder().blob]
            for round in 0..<3000 {
                var blob = seeds[round % seeds.count]
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let position = Int(rng.next() % UInt64(blob.count))
                    switch rng.next() % 3 {
                    case 0: blob[position] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: blob.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
                    default: blob.remove(at: position)
                    }
                }
                if let cert = try? SSHCertificate(blob: blob) {
                    _ = (cert.roles, cert.logins, cert.validBeforeDate, cert.publicKey, cert.description)
                    _ = try? cert.verifySignature()
                }
                _ = try? SSHPublicKey(blob: blob)
                _ = try? SSHPublicKey(line: "x " + Base64.encode(blob))
            }
        }
    }
}
