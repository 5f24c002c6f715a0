import GRPCCore
import NIOCore
import NIOSSL

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
        if upper.contains("NO_APPLICATION_PROTOCOL") || upper.contains("WRONG_VERSION_NUMBER")
            || upper.contains("UNKNOWN_PROTOCOL") || upper.contains("HTTP_REQUEST") {
            return .notOffered(text)
        }
        if case NIOSSLError.uncleanShutdown = error { return .closed(text) }
        return .closed(text)
    }

    /// Classifies a failure to open the TCP connection.
    static func connect(_ error: any Error, host: String, port: Int) -> TransportFailure {
        if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError {
            return .timeout("\(host):\(port) did not accept a connection in time")
        }
        return .unreachable("cannot reach \(host):\(port): \(error)")
    }
}
