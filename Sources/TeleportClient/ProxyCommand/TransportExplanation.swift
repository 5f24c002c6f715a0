import TeleportTransport

extension ProxySSH {
    /// One clear message for a failed native leg, with what to do next.
    func explain(_ error: TransportError, route: TLSRoute) -> TeleportError {
        let proxy = "\(route.host):\(route.port)"
        let detail = Names.printable(error.detail, limit: 1000)
        switch error.kind {
        case .refused:
            return TeleportError(explainRefusal(detail))
        case .untrustedServer:
            return TeleportError("the proxy \(proxy) did not present a TLS certificate signed by the host CA of \(connection.rootCluster) from your login (\(detail)); tsh never trusts a server on first use. If the cluster rotated its CA, run 'tsh login --proxy=\(connection.proxyHost)'")
        case .clientCertificateRefused:
            return TeleportError("the proxy \(proxy) refused your certificate (\(detail)); run 'tsh login --proxy=\(connection.proxyHost)' for a new one")
        case .unreachable:
            return TeleportError("\(detail); check that the proxy \(proxy) is up and reachable")
        case .timeout:
            return TeleportError("the proxy \(proxy) did not answer in time (\(detail)); check that it is up and reachable")
        case .notOffered:
            return TeleportError("the proxy \(proxy) does not offer the gRPC transport (\(detail)); use --transport=openssh or --transport=auto")
        case .localCredentials:
            return TeleportError("\(detail); run 'tsh login --proxy=\(connection.proxyHost)'")
        case .closed:
            return TeleportError("the connection through the proxy \(proxy) ended: \(detail)")
        }
    }
}
