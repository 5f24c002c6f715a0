import TeleportProfile
import TeleportSupport

/// Reads what the OpenSSH client of a failed proxy leg wrote on stderr.
public enum LegFailure: Equatable, Sendable {
    /// Failed before any session existed (throttled handshake, session limit
    /// of a shared connection): nothing was relayed, so a retry is safe.
    case retryable
    /// The proxy refused the subsystem; `message` is what it said, if OpenSSH
    /// printed it before exiting.
    case refused(message: String?)
    /// OpenSSH could not verify the proxy's host key.
    case hostKey
    /// The proxy did not answer within ConnectTimeout. Not retried: a
    /// throttled proxy closes at once, a silent one would only waste time.
    case timeout
    case other

    public static func classify(_ stderr: String) -> LegFailure {
        let lines = stderr.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: " \t\r") }
        if lines.contains(where: { $0.contains("subsystem request failed") || $0.hasPrefix("Request for subsystem") }) {
            let said = proxyLines(lines)
            return .refused(message: said.isEmpty ? nil : said.joined(separator: "\n"))
        }
        if lines.contains(where: { $0.contains("Host key verification failed") || $0.contains("REMOTE HOST IDENTIFICATION") }) {
            return .hostKey
        }
        if lines.contains(where: { $0.contains("Connection timed out") || $0.contains("Operation timed out") }) {
            return .timeout
        }
        let preSession = lines.contains { line in
            line.hasPrefix("kex_exchange_identification:")
                || line.hasPrefix("ssh_exchange_identification:")
                || line.contains("Session open refused by peer")
                || (line.hasPrefix("Connection closed by ") && line.contains(" port "))
                || (line.hasPrefix("Connection reset by ") && line.contains(" port "))
        }
        return preSession ? .retryable : .other
    }

    /// Lines that OpenSSH did not write itself: the proxy's own words, sent on
    /// the channel's stderr.
    static func proxyLines(_ lines: [String]) -> [String] {
        let openssh = ["subsystem request failed", "Request for subsystem", "kex_exchange_identification",
                       "Connection closed by", "Connection to ", "Warning: ", "mux_client_", "ControlSocket",
                       "channel ", "client_loop", "ssh: ", "Killed by signal", "Transferred: ",
                       "Authenticated to", "debug", "Shared connection to"]
        return lines.filter { line in
            !line.isEmpty && !openssh.contains(where: { line.hasPrefix($0) || line.contains($0 + ":") })
        }
    }
}
