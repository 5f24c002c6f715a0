import Testing
import Foundation
@testable import TeleportLogin
@testable import TeleportWebAPI
import TeleportSupport

/// The SSO callback's decisions: only a callback that proves it comes from
/// the proxy counts (gravitational/teleport lib/secret/secret.go for the
/// sealing, lib/web/apiserver.go `ConstructSSHResponse` and
/// `RedirectURLWithError` for the queries).
@Suite struct SSOCallbackTests {
    static let keyBytes: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xFF) }
    static let plaintext = Array(#"{"username":"alice","cert":"","tls_cert":"","host_signers":[]}"#.utf8)

    static func key() throws -> SSOSecretKey { try SSOSecretKey(bytes: keyBytes) }

    @Test func keyIsLowercaseHexOf32Bytes() throws {
        let hex = try Self.key().hex
        #expect(hex.count == 64)
        #expect(hex == Self.keyBytes.map { String(format: "%02x", $0) }.joined())
        #expect(SSOSecretKey().hex != SSOSecretKey().hex)
    }

    @Test func opensWhatTheProxySeals() throws {
        let key = try Self.key()
        let sealed = try key.seal(Self.plaintext)
        #expect(try key.open(sealed: sealed) == Self.plaintext)
        let query = "response=" + FormQuery.escape(sealed)
        #expect(SSOCallback.decide(query: query, key: key) == .sealedResponse(plaintext: Self.plaintext))
    }

    /// A vector sealed by Go's lib/secret (AES-256-GCM, 12-byte nonce, no AAD,
    /// tag appended), recomputed here with a fixed nonce.
    @Test func knownVector() throws {
        let key = try Self.key()
        let nonce: [UInt8] = Array(repeating: 1, count: 12)
        let sealed = try key.seal(Array("hello".utf8), nonce: nonce)
        #expect(sealed.hasPrefix(#"{"ciphertext":""#))
        #expect(sealed.hasSuffix(#"","nonce":"AQEBAQEBAQEBAQEB"}"#))
        #expect(try key.open(sealed: sealed) == Array("hello".utf8))
    }

    @Test func aResponseSealedWithAnotherKeyIsRejected() throws {
        let sealed = try SSOSecretKey().seal(Self.plaintext)
        let decision = SSOCallback.decide(query: "response=" + FormQuery.escape(sealed), key: try Self.key())
        guard case .rejected = decision else { Issue.record("accepted: \(decision)"); return }
    }

    @Test func tamperedOrGarbageResponsesAreRejected() throws {
        let key = try Self.key()
        let sealed = try key.seal(Self.plaintext)
        struct Sealed: Codable { var ciphertext: String; var nonce: String }
        var parts = try JSONDecoder().decode(Sealed.self, from: Data(sealed.utf8))
        var bytes = [UInt8](Data(base64Encoded: parts.ciphertext)!)
        bytes[0] ^= 1
        parts.ciphertext = Data(bytes).base64EncodedString()
        let tampered = String(decoding: try JSONEncoder().encode(parts), as: UTF8.self)
        for response in [tampered, "", "{}", "not json", #"{"ciphertext":"AAAA","nonce":"AAAA"}"#,
                         #"{"ciphertext":"!!","nonce":"AQEBAQEBAQEBAQEB"}"#] {
            let decision = SSOCallback.decide(query: "response=" + FormQuery.escape(response), key: key)
            guard case .rejected = decision else { Issue.record("accepted \(response)"); continue }
        }
    }

    @Test func anErrorCountsOnlyWithTheSecret() throws {
        let key = try Self.key()
        // As RedirectURLWithError sends it: keys sorted, the secret kept.
        #expect(SSOCallback.decide(query: "err=no+teams&secret_key=\(key.hex)", key: key) == .denied(message: "no teams"))
        for forged in ["err=no+teams", "err=x&secret_key=\(String(repeating: "0", count: 64))",
                       "err=x&secret_key=\(key.hex.uppercased())", "err=x&secret_key=\(key.hex.dropLast())",
                       "err=x&secret_key=\(key.hex)&secret_key=\(key.hex)"] {
            let decision = SSOCallback.decide(query: forged, key: key)
            guard case .rejected = decision else { Issue.record("accepted \(forged)"); continue }
        }
    }

    @Test func aWrongSecretSpoilsEvenAGoodResponse() throws {
        let key = try Self.key()
        let good = "response=" + FormQuery.escape(try key.seal(Self.plaintext))
        let decision = SSOCallback.decide(query: good + "&secret_key=" + String(repeating: "a", count: 64), key: key)
        guard case .rejected = decision else { Issue.record("accepted: \(decision)"); return }
    }

    @Test func emptyAmbiguousOrMalformedQueriesAreRejected() throws {
        let key = try Self.key()
        let good = FormQuery.escape(try key.seal(Self.plaintext))
        for query in ["", "secret_key=\(key.hex)", "response=\(good)&response=\(good)", "response=%zz",
                      "response=\(good);x=1", "err=a&err=b&secret_key=\(key.hex)"] {
            let decision = SSOCallback.decide(query: query, key: key)
            guard case .rejected = decision else { Issue.record("accepted \(query)"); continue }
        }
    }

    @Test func formQueryDecodesAsGo() throws {
        let q = try #require(FormQuery.parse("a=1+2&b=%C3%A9%26&c&=d"))
        #expect(q.values("a") == ["1 2"])
        #expect(q.values("b") == ["é&"])
        #expect(q.values("c") == [""])
        #expect(q.values("") == ["d"])
        #expect(FormQuery.parse("a=%") == nil)
        #expect(FormQuery.parse("a=1;b=2") == nil)
        #expect(FormQuery.escape("{\"a\": \"b+/=\"}") == "%7B%22a%22%3A+%22b%2B%2F%3D%22%7D")
    }

    @Test func consoleRequestBody() throws {
        let request = SSOLoginConsoleRequest(
            redirectURL: "http://127.0.0.1:40123/callback?secret_key=" + String(repeating: "ab", count: 32),
            sshPublicKey: MFALoginTests.sshKey, tlsPublicKey: MFALoginTests.tlsKey,
            certTTLNanoseconds: 43_200_000_000_000, connectorID: "github")
        let body = String(decoding: request.jsonBody(), as: UTF8.self)
        #expect(body == (try GoldenFile.expect("sso-login-console.json", body)))
    }

    @Test func connectorFromPing() throws {
        func auth(_ json: String) throws -> PingResponse.Auth {
            try JSONDecoder().decode(PingResponse.Auth.self, from: Data(json.utf8))
        }
        let github = try SSOLogin.Connector.from(
            ping: auth(#"{"type":"github","github":{"name":"gh","display":"GitHub","EndpointURL":"https://github.com"}}"#),
            requested: nil)
        #expect(github == SSOLogin.Connector(kind: .github, name: "gh", display: "GitHub"))
        let saml = try SSOLogin.Connector.from(ping: auth(#"{"type":"saml","saml":{"name":"saml-idp","display":"SAML IdP"}}"#), requested: nil)
        #expect(saml?.kind == .saml)
        #expect(try SSOLogin.Connector.from(ping: auth(#"{"type":"local","local":{"name":""},"oidc":null}"#), requested: nil) == nil)
        #expect(throws: TeleportError.self) { try SSOLogin.Connector.from(ping: auth(#"{"type":"kerberos"}"#), requested: nil) }
        #expect(throws: TeleportError.self) {
            try SSOLogin.Connector.from(ping: auth(#"{"type":"oidc","oidc":{"name":"../x"}}"#), requested: nil)
        }
        #expect(AuthConnectorName.isSSO("github"))
        #expect(!AuthConnectorName.isSSO("local"))
        #expect(!AuthConnectorName.isSSO(""))
    }

    @Test func bindAddresses() throws {
        #expect(try SSOCallbackServer.parseBindAddress("127.0.0.1:8080") == ("127.0.0.1", 8080))
        #expect(try SSOCallbackServer.parseBindAddress("[::1]:0") == ("::1", 0))
        #expect(try SSOCallbackServer.parseBindAddress(":9000") == ("", 9000))
        #expect(throws: TeleportError.self) { try SSOCallbackServer.parseBindAddress("localhost") }
        #expect(throws: TeleportError.self) { try SSOCallbackServer.parseBindAddress("::1:80") }
        #expect(throws: TeleportError.self) { try SSOCallbackServer.parseBindAddress("h:99999") }
    }

    @Test func browserCommandFromTheBrowserVariable() {
        let url = "https://idp.example.com/authorize?state=ab&x=1"
        #expect(Browser.command(for: url, browserVariable: "/bin/echo --new-window") == ["/bin/echo", "--new-window", url])
        #expect(Browser.command(for: url, browserVariable: "no-such-browser-here:/bin/echo open %s now")
                == ["/bin/echo", "open", url, "now"])
    }
}
