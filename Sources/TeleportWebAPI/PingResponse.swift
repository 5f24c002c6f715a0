import TeleportSupport

/// `GET /webapi/ping` and `/webapi/find` (docs/protocol.md, "Ping"). Every field
/// is optional and unknown fields are ignored: servers add fields each release.
public struct PingResponse: Decodable, Sendable {
    public struct Auth: Decodable, Sendable {
        public var type: String?
        public var secondFactor: String?
        public var local: Local?
        public var privateKeyPolicy: String?
        public var loadAllCAs: Bool?
        public var signatureAlgorithmSuite: SuiteName?
        /// Go duration text such as `12h0m0s`.
        public var defaultSessionTTL: String?

        public struct Local: Decodable, Sendable {
            public var name: String?
        }

        /// The default SSO connector, under the key named by `type`
        /// (lib/web/apiserver.go `githubSettings`, `oidcSettings`, `samlSettings`).
        public var github: SSOConnector?
        public var oidc: SSOConnector?
        public var saml: SSOConnector?

        public struct SSOConnector: Decodable, Sendable {
            public var name: String?
            public var display: String?
        }

        enum CodingKeys: String, CodingKey {
            case type, local, github, oidc, saml
            case secondFactor = "second_factor"
            case privateKeyPolicy = "private_key_policy"
            case loadAllCAs = "load_all_cas"
            case signatureAlgorithmSuite = "signature_algorithm_suite"
            case defaultSessionTTL = "default_session_ttl"
        }
    }

    /// The suite arrives as its name; tolerate the numeric enum too.
    public struct SuiteName: Decodable, Sendable {
        public var value: String

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                value = text
            } else {
                let number = try container.decode(Int.self)
                let names = [0: "", 1: "legacy", 2: "balanced-v1", 3: "fips-v1", 4: "hsm-v1"]
                value = names[number] ?? "unknown(\(number))"
            }
        }
    }

    public struct Proxy: Decodable, Sendable {
        public var ssh: SSH?
        public var tlsRoutingEnabled: Bool?

        enum CodingKeys: String, CodingKey {
            case ssh
            case tlsRoutingEnabled = "tls_routing_enabled"
        }
    }

    public struct SSH: Decodable, Sendable {
        public var listenAddr: String?
        public var publicAddr: String?
        public var sshPublicAddr: String?
        public var dialTimeout: Int64?

        enum CodingKeys: String, CodingKey {
            case listenAddr = "listen_addr"
            case publicAddr = "public_addr"
            case sshPublicAddr = "ssh_public_addr"
            case dialTimeout = "dial_timeout"
        }
    }

    public var auth: Auth?
    public var proxy: Proxy?
    public var serverVersion: String?
    public var minClientVersion: String?
    public var clusterName: String?

    enum CodingKeys: String, CodingKey {
        case auth, proxy
        case serverVersion = "server_version"
        case minClientVersion = "min_client_version"
        case clusterName = "cluster_name"
    }
}
