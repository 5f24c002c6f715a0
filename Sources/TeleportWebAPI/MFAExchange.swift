#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportSupport

/// `POST /webapi/mfa/login/begin`: Go's `client.MFAChallengeRequest`
/// (gravitational/teleport lib/client/weblogin.go; served by
/// `mfaLoginBegin` in lib/web/apiserver.go).
public struct MFAChallengeRequest: Sendable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Compact JSON in Go's field order. `passwordless` is always false: this
    /// client has no security-key support.
    public func jsonBody() -> [UInt8] {
        Array(JSONValue.object([
            ("user", .string(user)),
            ("pass", .string(password)),
            ("passwordless", .bool(false)),
        ]).compact().utf8)
    }
}

/// The begin reply: Go's `client.MFAAuthenticateChallenge`
/// (lib/client/weblogin.go). Only what this client acts on is kept: whether a
/// WebAuthn challenge is offered (its content is never used) and whether TOTP is.
public struct MFAChallenge: Sendable, Equatable {
    public var offersWebAuthn: Bool
    public var offersTOTP: Bool

    public init(offersWebAuthn: Bool, offersTOTP: Bool) {
        self.offersWebAuthn = offersWebAuthn
        self.offersTOTP = offersTOTP
    }

    /// What the client does with a challenge (docs/login.md §1.3).
    public enum Answer: Equatable, Sendable {
        /// Ask for a TOTP code (or take `--otp`).
        case totp
        /// No second factor offered: finish with the password alone.
        case passwordOnly
        /// Only a security key could answer.
        case securityKeyOnly
    }

    public var answer: Answer {
        if offersTOTP { return .totp }
        if offersWebAuthn { return .securityKeyOnly }
        return .passwordOnly
    }
}

extension MFAChallenge: Decodable {
    enum CodingKeys: String, CodingKey {
        case webauthn = "webauthn_challenge"
        case totp = "totp_challenge"
    }

    /// Any non-null `webauthn_challenge` counts as an offer; its shape
    /// (`lib/auth/webauthntypes`) is not needed here.
    private struct Anything: Decodable {
        init(from decoder: Decoder) throws {}
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        offersTOTP = try c.decodeIfPresent(Bool.self, forKey: .totp) ?? false
        if c.contains(.webauthn), try !c.decodeNil(forKey: .webauthn) {
            _ = try c.decode(Anything.self, forKey: .webauthn)
            offersWebAuthn = true
        } else {
            offersWebAuthn = false
        }
    }
}

/// `POST /webapi/mfa/login/finish`: Go's `client.AuthenticateSSHUserRequest`
/// (lib/client/weblogin.go), whose reply is the same `SSHLoginResponse` as
/// `/webapi/ssh/certs`.
public struct MFALoginFinishRequest: Sendable {
    public var user: String
    public var password: String
    /// Empty when the challenge asked for no TOTP.
    public var totpCode: String
    public var sshPublicKey: [UInt8]
    public var tlsPublicKey: [UInt8]
    public var ttlNanoseconds: Int64
    public var routeToCluster: String

    public init(user: String, password: String, totpCode: String, sshPublicKey: [UInt8], tlsPublicKey: [UInt8],
                ttlNanoseconds: Int64, routeToCluster: String = "") {
        self.user = user
        self.password = password
        self.totpCode = totpCode
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.ttlNanoseconds = ttlNanoseconds
        self.routeToCluster = routeToCluster
    }

    /// Compact JSON as Go's `json.Marshal` writes the struct: fields in
    /// declaration order, `webauthn_challenge_response` and `totp_code` always
    /// present (no `omitempty`), the embedded `UserPublicKeys` inline (its
    /// `pub_key` and attestation fields are `omitempty` and unset),
    /// `compatibility` omitted when empty, and the untagged `RouteToCluster` and
    /// `KubernetesCluster` under their Go names.
    public func jsonBody() -> [UInt8] {
        Array(JSONValue.object([
            ("user", .string(user)),
            ("password", .string(password)),
            ("webauthn_challenge_response", .null),
            ("totp_code", .string(totpCode)),
            ("ssh_pub_key", .string(Data(sshPublicKey).base64EncodedString())),
            ("tls_pub_key", .string(Data(tlsPublicKey).base64EncodedString())),
            ("ttl", .int(ttlNanoseconds)),
            ("RouteToCluster", .string(routeToCluster)),
            ("KubernetesCluster", .string("")),
        ]).compact().utf8)
    }
}

extension WebClient {
    /// Begins a local login. Returns nil when the proxy has no such route
    /// (404: a proxy older than the MFA login endpoints), so that the caller
    /// can fall back to `/webapi/ssh/certs`.
    public func mfaLoginBegin(_ request: MFAChallengeRequest) throws -> MFAChallenge? {
        let response = try http.post(baseURL + "/webapi/mfa/login/begin", json: request.jsonBody())
        if response.status == 404 { return nil }
        return try decode(MFAChallenge.self, from: response, what: "login challenge")
    }

    public func mfaLoginFinish(_ request: MFALoginFinishRequest) throws -> SSHCertsResponse {
        let response = try http.post(baseURL + "/webapi/mfa/login/finish", json: request.jsonBody())
        return try decode(SSHCertsResponse.self, from: response, what: "login")
    }
}
