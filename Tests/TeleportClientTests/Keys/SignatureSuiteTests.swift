import Testing
@testable import TeleportKeys
@testable import TeleportSupport

extension KeysTests {

    @Suite struct SignatureSuiteTests {
        @Test func absentOrEmptyMeansLegacy() throws {
            #expect(try SignatureSuite(serverValue: nil) == .legacy)
            #expect(try SignatureSuite(serverValue: "") == .legacy)
        }

        @Test func readsEveryKnownValue() throws {
            #expect(try SignatureSuite(serverValue: "legacy") == .legacy)
            #expect(try SignatureSuite(serverValue: "balanced-v1") == .balancedV1)
            #expect(try SignatureSuite(serverValue: "fips-v1") == .fipsV1)
            #expect(try SignatureSuite(serverValue: "hsm-v1") == .hsmV1)
        }

        @Test func unknownValueIsAnErrorNamingIt() {
            #expect {
                try SignatureSuite(serverValue: "balanced-v2")
            } throws: { error in
                let message = (error as? TeleportError)?.message ?? ""
                return message.contains("\"balanced-v2\"") && message.contains("balanced-v1")
            }
            #expect(throws: TeleportError.self) { try SignatureSuite(serverValue: "Balanced-V1") }
        }

        @Test func algorithmTable() {
            #expect(SignatureSuite.legacy.sshKeyAlgorithm == .rsa2048)
            #expect(SignatureSuite.legacy.tlsKeyAlgorithm == .rsa2048)
            #expect(SignatureSuite.balancedV1.sshKeyAlgorithm == .ed25519)
            #expect(SignatureSuite.balancedV1.tlsKeyAlgorithm == .ecdsaP256)
            #expect(SignatureSuite.hsmV1.sshKeyAlgorithm == .ed25519)
            #expect(SignatureSuite.hsmV1.tlsKeyAlgorithm == .ecdsaP256)
            #expect(SignatureSuite.fipsV1.sshKeyAlgorithm == .ecdsaP256)
            #expect(SignatureSuite.fipsV1.tlsKeyAlgorithm == .ecdsaP256)
        }
    }
}
