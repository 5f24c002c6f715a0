import TeleportSupport
import TeleportTransport

extension ProxySSH {
    /// One clear message for a failed native leg, with what to do next.
    func explain(_ error: TeleportError, route: TLSRoute) -> TeleportError {
        let proxy = "\(route.host):\(route.port)"
        let detail = Names.printable(error.message, limit: 1000)
        let relogin = "run 'tsh login --proxy=\(legProfile.proxyHost)'"
        switch error.kind {
        case .refused:
            return TeleportError(explainRefusal(detail), kind: .refused)
        case .untrusted:
            return TeleportError("the proxy \(proxy) did not present a TLS certificate signed by the host CA of \(legProfile.rootCluster) from your login (\(detail)); tsh never trusts a server on first use. If the cluster rotated its CA, \(relogin)", kind: .untrusted)
        case .credentialsRefused:
            return TeleportError("the proxy \(proxy) refused your certificate (\(detail)); \(relogin) for a new one", kind: .credentialsRefused)
        case .unreachable:
            return TeleportError("\(detail); check that the proxy \(proxy) is up and reachable", kind: .unreachable)
        case .timeout:
            return TeleportError("the proxy \(proxy) did not answer in time (\(detail)); check that it is up and reachable", kind: .timeout)
        case .unsupported:
            return TeleportError("the proxy \(proxy) does not offer the gRPC transport (\(detail)); use --transport=auto or --transport=openssh", kind: .unsupported)
        case .invalidInput:
            return TeleportError("\(detail); \(relogin)", kind: .invalidInput)
        default:
            return TeleportError("the connection through the proxy \(proxy) failed: \(detail)", kind: error.kind)
        }
    }
}
