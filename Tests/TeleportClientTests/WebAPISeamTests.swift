import CCurl
import Testing
@testable import TeleportLogin
@testable import TeleportSupport
@testable import TeleportWebAPI

/// A web API without a server: answers by URL, or fails as a transport would.
struct FakeTransport: HTTPTransport {
    var answers: [String: Result<HTTPClient.Response, TeleportError>]

    func get(_ url: String) throws -> HTTPClient.Response {
        guard let answer = answers[url] else {
            throw TeleportError("cannot reach the proxy at \(url)", kind: .unreachable)
        }
        return try answer.get()
    }

    func post(_ url: String, json body: [UInt8]) throws -> HTTPClient.Response {
        try get(url)
    }
}

func json(_ status: Int, _ text: String) -> Result<HTTPClient.Response, TeleportError> {
    .success(HTTPClient.Response(status: status, body: Array(text.utf8)))
}

let pingJSON = #"{"cluster_name":"root.test","auth":{"type":"local","second_factor":"off"},"proxy":{"ssh":{"listen_addr":"0.0.0.0:3023"}}}"#

@Suite struct WebClientErrorTests {
    static let web = WebClient(address: HostPort(host: "p.test", port: 3080), http: FakeTransport(answers: [:]))

    @Test func curlFailuresGetAKind() {
        let url = "https://p.test:3080/webapi/ping"
        #expect(HTTPClient.error(for: CURLE_COULDNT_CONNECT, url: url, detail: "refused", timeout: 30)
            == TeleportError("cannot reach the proxy at https://p.test:3080: refused; check --proxy and your network", kind: .unreachable))
        #expect(HTTPClient.error(for: CURLE_COULDNT_RESOLVE_HOST, url: url, detail: "x", timeout: 30).kind == .unreachable)
        #expect(HTTPClient.error(for: CURLE_OPERATION_TIMEDOUT, url: url, detail: "x", timeout: 30).kind == .timeout)
        #expect(HTTPClient.error(for: CURLE_PEER_FAILED_VERIFICATION, url: url, detail: "x", timeout: 30).kind == .untrusted)
        #expect(HTTPClient.error(for: CURLE_RECV_ERROR, url: url, detail: "x", timeout: 30)
            == TeleportError("request to https://p.test:3080 failed: x"))
    }

    @Test func teleportErrorBodiesBecomeTheMessage() {
        let error = WebAPIError.from(status: 403, body: Array(#"{"error":{"message":"access denied"}}"#.utf8),
                                     origin: "https://p.test:3080")
        #expect(error == TeleportError("access denied", kind: .httpStatus(403)))
    }

    @Test func statusWithoutBodySaysWhatAnswered() {
        #expect(WebAPIError.from(status: 404, body: [], origin: "https://p.test:3080")
            == TeleportError("https://p.test:3080 answered 404 Not Found; is it a Teleport proxy?", kind: .httpStatus(404)))
        #expect(WebAPIError.from(status: 502, body: Array("<html>".utf8), origin: "https://p.test:3080").kind
            == .httpStatus(502))
    }

    @Test func undecodableSuccessNamesTheField() throws {
        let wrongType = HTTPClient.Response(status: 200, body: Array(#"{"cluster_name":7}"#.utf8))
        #expect(throws: TeleportError("the proxy's ping response has a field of the wrong type at \"cluster_name\"; is https://p.test:3080 a Teleport proxy?")) {
            _ = try Self.web.decode(PingResponse.self, from: wrongType, what: "ping")
        }
        let notJSON = HTTPClient.Response(status: 200, body: Array("hello".utf8))
        #expect(throws: TeleportError("the proxy's ping response is not valid JSON; is https://p.test:3080 a Teleport proxy?")) {
            _ = try Self.web.decode(PingResponse.self, from: notJSON, what: "ping")
        }
    }
}

@Suite struct ProxyDiscoveryTests {
    @Test func anUnreachablePortMovesOnTo443() throws {
        let http = FakeTransport(answers: ["https://p.test:443/webapi/ping": json(200, pingJSON)])
        let found = try ProxyDiscovery.discover(ProxyAddress(host: "p.test"), http: http)
        #expect(found.web.address == HostPort(host: "p.test", port: 443))
        #expect(found.rootCluster == "root.test")
        #expect(found.sshProxyAddr == HostPort(host: "p.test", port: Ports.proxySSH))
    }

    @Test func anAnsweringPortIsNotSkipped() {
        let http = FakeTransport(answers: [
            "https://p.test:3080/webapi/ping": json(500, #"{"error":{"message":"boom"}}"#),
            "https://p.test:443/webapi/ping": json(200, pingJSON),
        ])
        #expect(throws: TeleportError("boom", kind: .httpStatus(500))) {
            _ = try ProxyDiscovery.discover(ProxyAddress(host: "p.test"), http: http)
        }
    }

    @Test func aGivenPortIsTheOnlyOneTried() {
        let http = FakeTransport(answers: ["https://p.test:443/webapi/ping": json(200, pingJSON)])
        #expect(throws: TeleportError("cannot reach the proxy at https://p.test:3080/webapi/ping", kind: .unreachable)) {
            _ = try ProxyDiscovery.discover(ProxyAddress(host: "p.test", webPort: 3080), http: http)
        }
    }

    @Test func publicAddressesWin() throws {
        let ping = #"{"cluster_name":"root.test","proxy":{"ssh":{"public_addr":"pub.test:443,other:1","ssh_public_addr":"ssh.test:3024"}}}"#
        let http = FakeTransport(answers: ["https://p.test:3080/webapi/ping": json(200, ping)])
        let found = try ProxyDiscovery.discover(ProxyAddress(host: "p.test"), http: http)
        #expect(found.webProxyAddr == HostPort(host: "pub.test", port: 443))
        #expect(found.sshProxyAddr == HostPort(host: "ssh.test", port: 3024))
    }

    @Test func aProxyMustNameItsCluster() {
        let http = FakeTransport(answers: ["https://p.test:3080/webapi/ping": json(200, "{}")])
        #expect(throws: TeleportError("the proxy at https://p.test:3080 did not name its cluster; is it a Teleport proxy?")) {
            _ = try ProxyDiscovery.discover(ProxyAddress(host: "p.test"), http: http)
        }
    }
}

@Suite struct PasswordLoginCheckTests {
    static func login(ping: String) throws -> PasswordLogin {
        let http = FakeTransport(answers: ["https://p.test:3080/webapi/ping": json(200, ping)])
        let discovery = try ProxyDiscovery.discover(ProxyAddress(host: "p.test"), http: http)
        return PasswordLogin(discovery: discovery, user: "alice", cluster: nil, ttlMinutes: nil)
    }

    static var noCredentials: PasswordLogin.Credentials {
        PasswordLogin.Credentials(
            password: { Issue.record("asked for a password"); return "" },
            otp: { _ in Issue.record("asked for an OTP"); return "" })
    }

    @Test func singleSignOnIsRefusedBeforeAskingAnything() throws {
        let login = try Self.login(ping: #"{"cluster_name":"root.test","auth":{"type":"saml"}}"#)
        #expect(throws: TeleportError("the cluster's default authentication is saml (single sign-on), which this tsh does not support yet; ask for a local user")) {
            _ = try login.run(credentials: Self.noCredentials)
        }
    }

    @Test func webAuthnIsRefusedBeforeAskingAnything() throws {
        let login = try Self.login(ping: #"{"cluster_name":"root.test","auth":{"type":"local","second_factor":"webauthn"}}"#)
        #expect(throws: TeleportError("the cluster requires the second factor \"webauthn\" (WebAuthn), which this tsh does not support yet")) {
            _ = try login.run(credentials: Self.noCredentials)
        }
    }

    @Test func unsafeUserNamesAreRefused() throws {
        var login = try Self.login(ping: pingJSON)
        login.user = "../x"
        #expect(throws: TeleportError.self) { _ = try login.run(credentials: Self.noCredentials) }
    }

    @Test func ttlComesFromTheFlagThenTheCluster() throws {
        var login = try Self.login(ping: #"{"cluster_name":"root.test","auth":{"default_session_ttl":"1h0m0s"}}"#)
        #expect(login.certificateTTL == 3_600_000_000_000)
        login.ttlMinutes = 2
        #expect(login.certificateTTL == 120_000_000_000)
    }
}
