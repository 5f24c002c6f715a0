import TeleportSupport

/// The cluster's `auth.signature_algorithm_suite` (from `/webapi/ping`): it
/// decides which key algorithms the client generates for a login.
///
/// | suite | SSH key | TLS key |
/// |---|---|---|
/// | `legacy` (absent or empty) | RSA 2048 | RSA 2048 |
/// | `balanced-v1` | Ed25519 | ECDSA P-256 |
/// | `fips-v1` | ECDSA P-256 | ECDSA P-256 |
/// | `hsm-v1` | Ed25519 | ECDSA P-256 |
public enum SignatureSuite: String, CaseIterable, Codable, Sendable {
    case legacy
    case balancedV1 = "balanced-v1"
    case fipsV1 = "fips-v1"
    case hsmV1 = "hsm-v1"

    /// Reads the value the proxy sent: absent or empty means `legacy`; a
    /// name this client does not know is an error rather than a guess.
    public init(serverValue: String?) throws {
        guard let value = serverValue, !value.isEmpty else {
            self = .legacy
            return
        }
        guard let suite = SignatureSuite(rawValue: value) else {
            let known = SignatureSuite.allCases.map(\.rawValue).joined(separator: ", ")
            throw TeleportError(
                "the cluster uses the signature algorithm suite \"\(value)\", which this client does not support (supported: \(known)); upgrade tsh")
        }
        self = suite
    }

    /// The algorithm of the SSH key for this suite.
    public var sshKeyAlgorithm: KeyAlgorithm {
        switch self {
        case .legacy: .rsa2048
        case .balancedV1, .hsmV1: .ed25519
        case .fipsV1: .ecdsaP256
        }
    }

    /// The algorithm of the TLS key for this suite.
    public var tlsKeyAlgorithm: KeyAlgorithm {
        switch self {
        case .legacy: .rsa2048
        case .balancedV1, .hsmV1, .fipsV1: .ecdsaP256
        }
    }
}

/// A key algorithm the client can generate.
public enum KeyAlgorithm: String, CaseIterable, Sendable {
    case rsa2048 = "RSA2048"
    case ecdsaP256 = "ECDSAP256"
    case ed25519 = "Ed25519"

    /// The OpenSSH key type name of a key of this algorithm.
    public var sshKeyType: String {
        switch self {
        case .rsa2048: "ssh-rsa"
        case .ecdsaP256: "ecdsa-sha2-nistp256"
        case .ed25519: "ssh-ed25519"
        }
    }
}
