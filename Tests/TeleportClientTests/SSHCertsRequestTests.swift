import Testing
import Foundation
@testable import TeleportSupport
@testable import TeleportWebAPI

/// The `POST /webapi/ssh/certs` body, byte for byte (docs/protocol.md, "Password login").
@Suite struct SSHCertsRequestTests {
    static func request(otp: String = "", route: String = "") -> SSHCertsRequest {
        SSHCertsRequest(user: "alice", password: "correct \"horse\" \\ <staple> wörd", otpToken: otp,
                        sshPublicKey: Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n".utf8),
                        tlsPublicKey: Array("-----BEGIN PUBLIC KEY-----\nMFkw/+8=\n-----END PUBLIC KEY-----\n".utf8),
                        ttlNanoseconds: 43_200_000_000_000, routeToCluster: route)
    }

    @Test func rootLoginWithoutOTP() throws {
        let body = String(decoding: Self.request().jsonBody(), as: UTF8.self)
        #expect(body == (try GoldenFile.expect("ssh-certs-request.json", body)))
    }

    /// `tsh login --cluster=leaf` asks for a certificate routed to the leaf,
    /// as real tsh sends `RouteToCluster: tc.SiteName`.
    @Test func leafLoginWithOTP() throws {
        let body = String(decoding: Self.request(otp: "123456", route: "leaf.example.com").jsonBody(),
                          as: UTF8.self)
        #expect(body == (try GoldenFile.expect("ssh-certs-request-leaf.json", body)))
    }
}
