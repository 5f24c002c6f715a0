import GRPCCore

/// A failed transport leg, as the proxy command needs it: what happened, and
/// whether another transport may still take over (nothing was relayed yet).
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The proxy does not offer this transport.
        case notOffered
        case untrustedServer
        case clientCertificateRefused
        case unreachable
        case timeout
        /// The proxy refused the target (its gRPC status name, e.g. "notFound").
        case refused(code: String)
        case localCredentials
        case closed
    }

    public let kind: Kind
    /// The detail: the proxy's own message for a refusal.
    public let detail: String
    /// True once the proxy accepted the target and bytes may have flowed.
    public let established: Bool

    init(_ failure: TransportFailure, established: Bool) {
        self.established = established
        switch failure {
        case .notOffered(let text): (kind, detail) = (.notOffered, text)
        case .untrustedServer(let text): (kind, detail) = (.untrustedServer, text)
        case .clientCertificateRefused(let text): (kind, detail) = (.clientCertificateRefused, text)
        case .unreachable(let text): (kind, detail) = (.unreachable, text)
        case .timeout(let text): (kind, detail) = (.timeout, text)
        case .localCredentials(let text): (kind, detail) = (.localCredentials, text)
        case .closed(let text): (kind, detail) = (.closed, text)
        case .status(let code, let message):
            // An old proxy without the service answers UNIMPLEMENTED.
            kind = code == .unimplemented ? .notOffered : .refused(code: String(describing: code))
            detail = message
        }
    }

    /// Whether another transport may run in its place.
    public var fallbackPossible: Bool { kind == .notOffered && !established }

    public var description: String { "\(kind): \(detail)" }
}
