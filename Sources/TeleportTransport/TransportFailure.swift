import GRPCCore
import NIOCore
import NIOSSL
import TeleportSupport

/// What went wrong on a TLS or gRPC leg, classified where the evidence is
/// (the TLS alert, the gRPC status), so callers can decide: fall back to
/// another transport, explain, or retry.
enum TransportFailure: Error, Sendable {
    /// The proxy does not serve this route: no ALPN protocol agreed, a
    /// non-TLS answer (the SSH banner of an old proxy's SSH port), or
    /// gRPC UNIMPLEMENTED. Nothing was relayed, so another transport may run.
    case notOffered(String)
    /// The server's certificate does not chain to the trusted CA, or does not
    /// name the server.
    case untrustedServer(String)
    /// The server refused our client certificate (expired, or from a CA it
    /// does not trust).
    case clientCertificateRefused(String)
    case unreachable(String)
    case timeout(String)
    /// A gRPC status from the proxy, with its message.
    case status(RPCError.Code, String)
    /// Our own certificate or key files cannot be used.
    case localCredentials(String)
    case closed(String)

    /// Classifies a TLS handshake failure from BoringSSL's error queue.
    static func handshake(_ error: any Error) -> TransportFailure {
        let text = String(describing: error)
        let upper = text.uppercased()
        if upper.contains("CERTIFICATE_VERIFY_FAILED") || upper.contains("FAILEDTOVALIDATEHOSTNAME")
            || upper.contains("UNABLE_TO_GET_ISSUER") || upper.contains("CERTIFICATE_EXPIRED") && !upper.contains("ALERT") {
            return .untrustedServer(text)
        }
        if upper.contains("ALERT_CERTIFICATE_EXPIRED") || upper.contains("ALERT_BAD_CERTIFICATE")
            || upper.contains("ALERT_UNKNOWN_CA") || upper.contains("ALERT_CERTIFICATE_UNKNOWN")
            || upper.contains("ALERT_CERTIFICATE_REQUIRED") || upper.contains("ALERT_ACCESS_DENIED") {
            return .clientCertificateRefused(text)
        }
        // Anything else during the handshake (an SSH banner where TLS was
        // expected, no protocol agreed, the connection closed): the proxy
        // does not serve this route, and nothing was relayed.
        return .notOffered(text)
    }

    /// Classifies a failure to open the TCP connection.
    static func connect(_ error: any Error, host: String, port: Int) -> TransportFailure {
        if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError {
            return .timeout("\(host):\(port) did not accept a connection in time")
        }
        return .unreachable("cannot reach \(host):\(port): \(error)")
    }
}

extension TransportFailure {
    /// The one error type, with the kind callers switch on. A failure after
    /// the proxy accepted the target is the end of that connection, whatever
    /// its cause: nothing else may take over then.
    func teleportError(established: Bool = false) -> TeleportError {
        if established {
            return TeleportError("the connection ended: \(detail)", kind: .other)
        }
        switch self {
        case .notOffered(let text): return TeleportError(text, kind: .unsupported)
        case .untrustedServer(let text): return TeleportError(text, kind: .untrusted)
        case .clientCertificateRefused(let text): return TeleportError(text, kind: .credentialsRefused)
        case .unreachable(let text): return TeleportError(text, kind: .unreachable)
        case .timeout(let text): return TeleportError(text, kind: .timeout)
        case .localCredentials(let text): return TeleportError(text, kind: .invalidInput)
        case .closed(let text): return TeleportError(text, kind: .other)
        case .status(let code, let message):
            // An old proxy without the service answers UNIMPLEMENTED.
            return TeleportError(message, kind: code == .unimplemented ? .unsupported : .refused)
        }
    }

    var detail: String {
        switch self {
        case .notOffered(let t), .untrustedServer(let t), .clientCertificateRefused(let t), .unreachable(let t),
             .timeout(let t), .localCredentials(let t), .closed(let t): return t
        case .status(_, let message): return message
        }
    }
}
