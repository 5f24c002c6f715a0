#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportSupport

/// The single sign-on connector types with a console login
/// (`/webapi/{github,oidc,saml}/login/console`, lib/web/apiserver.go).
public enum SSOKind: String, Sendable, CaseIterable {
    case github, oidc, saml
}

/// `POST /webapi/<kind>/login/console`: Go's `client.SSOLoginConsoleReq`
/// (gravitational/teleport lib/client/weblogin.go).
public struct SSOLoginConsoleRequest: Sendable {
    /// `http://127.0.0.1:<port>/callback?secret_key=<64 hex>`. Holds the
    /// secret: it goes into this body and nowhere else.
    public var redirectURL: String
    public var sshPublicKey: [UInt8]
    public var tlsPublicKey: [UInt8]
    public var certTTLNanoseconds: Int64
    public var connectorID: String
    public var routeToCluster: String

    public init(redirectURL: String, sshPublicKey: [UInt8], tlsPublicKey: [UInt8], certTTLNanoseconds: Int64,
                connectorID: String, routeToCluster: String = "") {
        self.redirectURL = redirectURL
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.certTTLNanoseconds = certTTLNanoseconds
        self.connectorID = connectorID
        self.routeToCluster = routeToCluster
    }

    /// Compact JSON as Go marshals the struct: `redirect_url`, the embedded
    /// `SSOUserPublicKeys` (`public_key` and attestations are `omitempty` and
    /// unset), `cert_ttl` in nanoseconds, `connector_id`, `compatibility`
    /// omitted when empty, then the untagged `RouteToCluster` and
    /// `KubernetesCluster`.
    public func jsonBody() -> [UInt8] {
        Array(JSONValue.object([
            ("redirect_url", .string(redirectURL)),
            ("ssh_pub_key", .string(Data(sshPublicKey).base64EncodedString())),
            ("tls_pub_key", .string(Data(tlsPublicKey).base64EncodedString())),
            ("cert_ttl", .int(certTTLNanoseconds)),
            ("connector_id", .string(connectorID)),
            ("RouteToCluster", .string(routeToCluster)),
            ("KubernetesCluster", .string("")),
        ]).compact().utf8)
    }
}

/// `client.SSOLoginConsoleResponse`: where to send the browser.
public struct SSOLoginConsoleResponse: Decodable, Sendable {
    public var redirectURL: String

    enum CodingKeys: String, CodingKey {
        case redirectURL = "redirect_url"
    }
}

extension WebClient {
    public func ssoLoginConsole(kind: SSOKind, _ request: SSOLoginConsoleRequest) throws -> SSOLoginConsoleResponse {
        let response = try http.post(baseURL + "/webapi/\(kind.rawValue)/login/console", json: request.jsonBody())
        let reply = try decode(SSOLoginConsoleResponse.self, from: response, what: "single sign-on")
        // Only a web page may be opened: never a file:, javascript: or other scheme.
        let lower = reply.redirectURL.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"),
              !reply.redirectURL.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw TeleportError("the proxy sent an identity provider address that is not an http(s) URL; refusing to open it")
        }
        return reply
    }
}

extension WebClient {
    /// `GET /webapi/ping/<connector>` (lib/web/apiserver.go `pingWithConnector`):
    /// the ping, with the `auth` settings of that connector (`local`,
    /// `passwordless`, `headless`, or an SSO connector's name).
    public func ping(connector: String) throws -> PingResponse {
        try AuthConnectorName.validate(connector)
        return try decode(PingResponse.self, from: http.get(baseURL + "/webapi/ping/" + connector), what: "ping")
    }
}

/// Connector names (`--auth`, `TELEPORT_AUTH`, the profile's `auth_connector`).
public enum AuthConnectorName {
    /// The names that are not SSO connectors (lib/web/apiserver.go `pingWithConnector`).
    public static let local: Set<String> = ["local", "passwordless", "headless"]

    /// Whether a profile's connector is an SSO one (a login needs a browser,
    /// not a terminal).
    public static func isSSO(_ name: String) -> Bool {
        !name.isEmpty && !local.contains(name)
    }

    /// Teleport resource names; anything else cannot go into a URL path as is.
    public static func validate(_ name: String) throws {
        let ok = !name.isEmpty && name.utf8.count <= 253 && name.unicodeScalars.allSatisfy { s in
            s.value < 0x80 && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "-_.@".unicodeScalars.contains(s))
        }
        guard ok else {
            throw TeleportError("invalid auth connector name \"\(Names.printable(name, limit: 100))\"; use --auth=local or the name of an SSO connector")
        }
    }
}
