import Testing
import Foundation
@testable import TeleportLogin
@testable import TeleportWebAPI
import TeleportSupport

/// The two-step local login's bodies, byte for byte, and what the client does
/// with each challenge (docs/login.md §1; gravitational/teleport
/// lib/client/weblogin.go `MFAChallengeRequest`, `AuthenticateSSHUserRequest`).
@Suite struct MFALoginTests {
    static let password = "correct \"horse\" \\ <staple> wörd"
    static let sshKey = Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n".utf8)
    static let tlsKey = Array("-----BEGIN PUBLIC KEY-----\nMFkw/+8=\n-----END PUBLIC KEY-----\n".utf8)

    @Test func beginBody() throws {
        let body = String(decoding: MFAChallengeRequest(user: "alice", password: Self.password).jsonBody(), as: UTF8.self)
        #expect(body == (try GoldenFile.expect("mfa-login-begin.json", body)))
    }

    @Test func finishBodyWithTOTP() throws {
        let request = MFALoginFinishRequest(user: "bob", password: Self.password, totpCode: "123456",
                                            sshPublicKey: Self.sshKey, tlsPublicKey: Self.tlsKey,
                                            ttlNanoseconds: 43_200_000_000_000)
        let body = String(decoding: request.jsonBody(), as: UTF8.self)
        #expect(body == (try GoldenFile.expect("mfa-login-finish.json", body)))
    }

    @Test func finishBodyPasswordOnlyToLeaf() throws {
        let request = MFALoginFinishRequest(user: "alice", password: Self.password, totpCode: "",
                                            sshPublicKey: Self.sshKey, tlsPublicKey: Self.tlsKey,
                                            ttlNanoseconds: 3_600_000_000_000, routeToCluster: "leaf.example.com")
        let body = String(decoding: request.jsonBody(), as: UTF8.self)
        #expect(body == (try GoldenFile.expect("mfa-login-finish-leaf.json", body)))
    }

    static func challenge(_ json: String) throws -> MFAChallenge {
        try JSONDecoder().decode(MFAChallenge.self, from: Data(json.utf8))
    }

    @Test func totpChallengeAsksForACode() throws {
        let c = try Self.challenge(#"{"webauthn_challenge":null,"totp_challenge":true}"#)
        #expect(c == MFAChallenge(offersWebAuthn: false, offersTOTP: true))
        #expect(c.answer == .totp)
    }

    @Test func noDeviceFinishesWithThePassword() throws {
        #expect(try Self.challenge(#"{"webauthn_challenge":null,"totp_challenge":false}"#).answer == .passwordOnly)
        #expect(try Self.challenge(#"{}"#).answer == .passwordOnly)
    }

    @Test func webauthnOnlyNeedsASecurityKey() throws {
        let json = #"""
            {"webauthn_challenge":{"publicKey":{"challenge":"3q2+7w==","timeout":60000,"rpId":"localhost",
             "allowCredentials":[{"type":"public-key","id":"AAEC"}],"userVerification":"discouraged"}},
             "totp_challenge":false}
            """#
        let c = try Self.challenge(json)
        #expect(c == MFAChallenge(offersWebAuthn: true, offersTOTP: false))
        #expect(c.answer == .securityKeyOnly)
        let message = MFALogin.securityKeyOnlyError(user: "alice").message
        #expect(message.contains("no security-key support"))
        #expect(message.contains("OTP"))
        #expect(message.contains("--auth=<sso connector>"))
    }

    @Test func bothOfferedUsesTOTP() throws {
        let c = try Self.challenge(#"{"webauthn_challenge":{"publicKey":{}},"totp_challenge":true}"#)
        #expect(c.answer == .totp)
    }

    @Test func wrongTypesAreRefused() {
        #expect(throws: (any Error).self) { try Self.challenge(#"{"totp_challenge":"yes"}"#) }
    }
}
