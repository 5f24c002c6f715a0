import Dispatch
import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportWebAPI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A single sign-on console login (GitHub, OIDC, SAML), as Go tsh does it
/// (gravitational/teleport lib/client/weblogin.go `SSHAgentSSOLogin`,
/// lib/client/sso/redirector.go, lib/web/apiserver.go `githubLoginConsole`
/// and its twins):
///
/// 1. keys, a fresh AES-256 key and a one-shot callback server on the loopback;
/// 2. `POST /webapi/<kind>/login/console` with the callback URL (carrying the
///    key as `secret_key`) returns the identity provider's URL;
/// 3. the browser goes there, and the proxy sends it back to the callback
///    with the login response sealed with the key;
/// 4. the response is opened and validated as a password login's, saved
///    (by `commit`), and the browser is sent to the proxy's success page.
public struct SSOLogin {
    public struct Connector: Sendable, Equatable {
        public var kind: SSOKind
        /// The `connector_id`, also recorded as the profile's `auth_connector`.
        public var name: String
        public var display: String

        public init(kind: SSOKind, name: String, display: String) {
            self.kind = kind
            self.name = name
            self.display = display
        }

        /// The connector of a ping's `auth` (`type`, then the object of that
        /// name), or nil for a local one. `requested` names it when the ping
        /// does not (`--auth`).
        public static func from(ping auth: PingResponse.Auth?, requested: String?) throws -> Connector? {
            let type = auth?.type ?? ""
            if type.isEmpty || type == "local" { return nil }
            guard let kind = SSOKind(rawValue: type) else {
                throw TeleportError("the cluster's authentication type is \"\(Names.printable(type, limit: 40))\", which this tsh does not support; use --auth=local or a GitHub, OIDC or SAML connector")
            }
            let object: PingResponse.Auth.SSOConnector?
            switch kind {
            case .github: object = auth?.github
            case .oidc: object = auth?.oidc
            case .saml: object = auth?.saml
            }
            guard let name = object?.name.flatMap({ $0.isEmpty ? nil : $0 }) ?? requested else {
                throw TeleportError("the proxy names no \(type) connector; pass --auth=<connector name>")
            }
            try AuthConnectorName.validate(name)
            let display = object?.display.flatMap { $0.isEmpty ? nil : Names.printable($0, limit: 60) } ?? name
            return Connector(kind: kind, name: name, display: display)
        }
    }

    public var discovery: ProxyDiscovery
    public var connector: Connector
    /// The cluster to select in the profile; the root when nil.
    public var cluster: String?
    public var ttlMinutes: Int?
    /// `--bind-addr` / `TELEPORT_LOGIN_BIND_ADDR`.
    public var bindAddress: String?
    /// False with `--browser=none` / `TELEPORT_LOGIN_BROWSER=none`.
    public var openBrowser = true
    /// Go tsh waits `defaults.SSOCallbackTimeout` (3 minutes).
    public var timeoutSeconds = SSOLogin.defaultTimeoutSeconds

    /// 180 s; `TSH_SSO_TIMEOUT_SECONDS` overrides it (meant for tests).
    public static var defaultTimeoutSeconds: Int {
        if let text = Environment.value("TSH_SSO_TIMEOUT_SECONDS"), let n = Int(text), n > 0 { return n }
        return 180
    }

    public init(discovery: ProxyDiscovery, connector: Connector, cluster: String?, ttlMinutes: Int?) {
        self.discovery = discovery
        self.connector = connector
        self.cluster = cluster
        self.ttlMinutes = ttlMinutes
    }

    /// Logs in. `commit` writes the validated material (the profile, or an
    /// identity file); it runs before the browser is told of success. Nothing
    /// is written unless a callback proves itself and validates.
    @discardableResult
    public func run(commit: (LoginMaterial) throws -> Void) throws -> LoginMaterial {
        if let cluster { try Names.validateCluster(cluster) }
        let suite = try SignatureSuite(serverValue: discovery.ping.auth?.signatureAlgorithmSuite?.value)
        let keys = try KeyPairs.generate(for: suite)
        let secret = SSOSecretKey()
        let server = try SSOCallbackServer(bindAddress: bindAddress)
        defer { server.close() }

        let ttl = PasswordLogin(discovery: discovery, user: "", cluster: cluster, ttlMinutes: ttlMinutes).certificateTTL
        // url.Values{"secret_key": {hex}}.Encode() in Go: hex needs no escaping.
        let callbackURL = "http://\(server.authority)/callback?secret_key=\(secret.hex)"
        let reply = try discovery.web.ssoLoginConsole(kind: connector.kind, SSOLoginConsoleRequest(
            redirectURL: callbackURL,
            sshPublicKey: Array(keys.sshPublicKeyLine.utf8),
            tlsPublicKey: Array(keys.tlsPublicKeyPEM.utf8),
            certTTLNanoseconds: ttl, connectorID: connector.name, routeToCluster: cluster ?? ""))

        // Printed always: the browser may not open, or may be on another screen.
        if openBrowser, Browser.open(reply.redirectURL) {
            Console.err("If browser window does not open automatically, open it by clicking on the link:\n \(reply.redirectURL)\n")
        } else {
            Console.err("Use the following URL to authenticate:\n \(reply.redirectURL)\n")
        }

        let proxy = "https://\(discovery.webProxyAddr)"
        // lib/client/sso/redirector.go: LoginSuccessRedirectURL, LoginFailedRedirectURL.
        let successPage = proxy + "/web/msg/info/login_success"
        let errorPage = proxy + "/web/msg/error/login"
        let validation = LoginResponseValidation(discovery: discovery, cluster: cluster)
        let deadline = DispatchTime.now() + .seconds(timeoutSeconds)

        while let request = server.next(until: deadline) {
            switch SSOCallback.decide(query: request.query, key: secret) {
            case .rejected(let reason):
                Console.warning("ignored a request to the login callback: \(reason); still waiting for the login")
                server.reject(request, message: "This login callback was refused: \(reason). tsh is still waiting for the login.")
            case .denied(let message):
                server.redirect(request, to: errorPage)
                throw TeleportError("identity provider callback failed with error: \(Names.printable(message, limit: 500))")
            case .sealedResponse(let plaintext):
                let material: LoginMaterial
                do {
                    let response = try JSONDecoder().decode(SSHCertsResponse.self, from: Data(plaintext))
                    material = try validation.material(from: response, keys: keys, authConnector: connector.name)
                } catch {
                    let reason = (error as? TeleportError)?.message ?? "the login response is not valid JSON"
                    Console.warning("ignored a login response: \(reason); still waiting for the login")
                    server.reject(request, message: "This login response was refused: \(reason). tsh is still waiting for the login.")
                    continue
                }
                do {
                    try Self.uninterrupted { try commit(material) }
                } catch {
                    server.redirect(request, to: errorPage)
                    throw error
                }
                server.redirect(request, to: successPage)
                return material
            }
        }
        throw TeleportError("timed out after \(timeoutSeconds) seconds waiting for the single sign-on login in the browser; run the command again to retry")
    }

    /// Runs `body` (the save) with Ctrl-C, SIGTERM and SIGHUP ignored, so that
    /// an interrupt cannot leave a half-written profile behind. The save takes
    /// milliseconds; an interrupt during it is dropped.
    static func uninterrupted<T>(_ body: () throws -> T) rethrows -> T {
        let previous = (signal(SIGINT, SIG_IGN), signal(SIGTERM, SIG_IGN), signal(SIGHUP, SIG_IGN))
        defer {
            signal(SIGINT, previous.0)
            signal(SIGTERM, previous.1)
            signal(SIGHUP, previous.2)
        }
        return try body()
    }
}
