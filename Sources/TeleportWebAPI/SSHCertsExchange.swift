#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportSupport

/// `POST /webapi/ssh/certs` request (docs/protocol.md, "Password login").
public struct SSHCertsRequest: Sendable {
    public var user: String
    public var password: String
    public var otpToken: String
    public var sshPublicKey: [UInt8]
    public var tlsPublicKey: [UInt8]
    public var ttlNanoseconds: Int64
    /// The cluster the certificate is for (`--cluster`); empty for the root.
    public var routeToCluster: String

    public init(user: String, password: String, otpToken: String,
                sshPublicKey: [UInt8], tlsPublicKey: [UInt8], ttlNanoseconds: Int64, routeToCluster: String = "") {
        self.user = user
        self.password = password
        self.otpToken = otpToken
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.ttlNanoseconds = ttlNanoseconds
        self.routeToCluster = routeToCluster
    }

    /// The request body as sent: compact JSON with the fields in the order of
    /// Go's `CreateSSHCertReq`, byte fields in standard base64.
    public func jsonBody() -> [UInt8] {
        var fields: [(String, JSONValue)] = [("user", .string(user)), ("password", .string(password))]
        if !otpToken.isEmpty { fields.append(("otp_token", .string(otpToken))) }
        fields += [
            ("ssh_pub_key", .string(Base64.encode(sshPublicKey))),
            ("tls_pub_key", .string(Base64.encode(tlsPublicKey))),
            ("ttl", .int(ttlNanoseconds)),
            ("compatibility", .string("")),
            // Untagged Go field names, hence the capitals.
            ("RouteToCluster", .string(routeToCluster)),
            ("KubernetesCluster", .string("")),
        ]
        return Array(JSONValue.object(fields).compact().utf8)
    }
}

/// The login response: the SSH and TLS certificates and the root cluster's CAs.
public struct SSHCertsResponse: Sendable {
    public struct HostSigner: Sendable {
        public var domainName: String
        public var checkingKeys: [String]
        public var tlsCerts: [String]
    }

    public var username: String
    public var sshCert: String
    public var tlsCert: String
    public var hostSigners: [HostSigner]
}

extension SSHCertsResponse: Decodable {
    enum CodingKeys: String, CodingKey {
        case username, cert
        case tlsCert = "tls_cert"
        case hostSigners = "host_signers"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        username = try c.decode(String.self, forKey: .username)
        sshCert = try Base64Text.decode(try c.decode(String.self, forKey: .cert), field: "cert")
        tlsCert = try Base64Text.decode(c.decodeIfPresent(String.self, forKey: .tlsCert) ?? "", field: "tls_cert")
        hostSigners = try c.decodeIfPresent([HostSigner].self, forKey: .hostSigners) ?? []
    }
}

extension SSHCertsResponse.HostSigner: Decodable {
    enum CodingKeys: String, CodingKey {
        case domainName = "domain_name"
        case checkingKeys = "checking_keys"
        case tlsCerts = "tls_certs"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domainName = try c.decode(String.self, forKey: .domainName)
        checkingKeys = try (c.decodeIfPresent([String].self, forKey: .checkingKeys) ?? []).map {
            try Base64Text.decode($0, field: "host_signers.checking_keys")
        }
        tlsCerts = try (c.decodeIfPresent([String].self, forKey: .tlsCerts) ?? []).map {
            try Base64Text.decode($0, field: "host_signers.tls_certs")
        }
    }
}

/// Go's `[]byte` fields holding text (PEM, authorized_keys lines).
enum Base64Text {
    static func decode(_ text: String, field: String) throws -> String {
        guard let data = Base64.decode(text) else {
            throw TeleportError("the proxy sent invalid base64 in \"\(field)\"")
        }
        guard let string = String(validating: data, as: UTF8.self) else {
            throw TeleportError("the proxy sent non-UTF-8 text in \"\(field)\"")
        }
        return string
    }
}
