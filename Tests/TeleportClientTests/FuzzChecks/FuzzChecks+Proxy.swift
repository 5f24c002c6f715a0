#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportProxyCommand
import TeleportSupport

extension FuzzChecks {
    // MARK: 5. Proxy targets

    /// `target` 0xFF `proxy host` 0xFF `cluster`; the proxy host and cluster
    /// are used only when valid (as tsh validates them first).
    static func proxyTarget(_ data: [UInt8]) throws {
        let values = fields(data)
        let proxyHost = values.count > 1 && (try? ProxyAddress.parse(values[1])) != nil
            ? (try! ProxyAddress.parse(values[1])).host : "proxy.example.com"
        let cluster = values.count > 2 && (try? Names.validateCluster(values[2])) != nil
            ? values[2] : "example.com"
        guard let target = try? ProxyTarget.parse(values[0], proxyHost: proxyHost, cluster: cluster) else { return }
        let subsystem = target.subsystem(cluster: cluster)
        try require(subsystem.unicodeScalars.allSatisfy {
            !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value)
                && $0 != "\"" && $0 != "'" && $0 != "\\" && $0 != "`"
        }, "the subsystem \(show(subsystem)) of target \(show(values[0])) holds whitespace, a quote or a control character")
        try asciiHost(target.host, input: values[0])
        try require(!target.host.isEmpty, "target \(show(values[0])) gives an empty host")
        if let login = target.login {
            try require((try? Names.validateLogin(login)) != nil, "target \(show(values[0])) gives the invalid login \(show(login))")
            try require(!login.isEmpty, "target \(show(values[0])) gives an empty login")
        }
        if let port = target.port { try require((1...65535).contains(port), "port \(port) out of range") }
    }

    // MARK: 6. Proxy addresses

    /// `--proxy` text 0xFF `host:port` text. Whatever parses has a valid host
    /// and ports in range, and reads back the same from its own rendering.
    static func proxyAddress(_ data: [UInt8]) throws {
        let values = fields(data)
        if let address = try? ProxyAddress.parse(values[0]) {
            try require((try? Names.validateHost(address.host)) != nil, "ProxyAddress host \(show(address.host)) is invalid")
            try asciiHost(address.host, input: values[0])
            for port in [address.webPort, address.sshPort].compactMap({ $0 }) {
                try require((1...65535).contains(port), "port \(port) out of range")
            }
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            var text = host
            if address.webPort != nil || address.sshPort != nil {
                text += ":" + (address.webPort.map(String.init) ?? "") + (address.sshPort.map { ",\($0)" } ?? "")
            }
            let again = try? ProxyAddress.parse(text)
            try require(again == address, "\(show(values[0])) gives \(show(text)), which reads back as \(String(describing: again))")
            try require(address.webPortCandidates.allSatisfy { (1...65535).contains($0) }, "web port candidates out of range")
        }
        for text in values.prefix(2) {
            for defaultPort in [nil, 443] {
                guard let address = try? HostPort.parse(text, defaultPort: defaultPort) else { continue }
                try hostPortProperties(address)
                try asciiHost(address.host, input: text)
            }
        }
    }

    static func hostPortProperties(_ address: HostPort) throws {
        try require((try? Names.validateHost(address.host)) != nil, "HostPort host \(show(address.host)) is invalid")
        try require((1...65535).contains(address.port), "port \(address.port) out of range")
        let again = try? HostPort.parse(address.description)
        try require(again == address, "\(show(address.description)) reads back as \(String(describing: again))")
    }

    /// A host that validates is ASCII: it names files under ~/.tsh and goes
    /// into ssh_config and onto command lines.
    static func asciiHost(_ host: String, input: String) throws {
        guard enabled(.asciiHost) else { return }
        try require(host.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F },
                    "\(show(input)) gives the host \(show(host)), which is not printable ASCII")
    }
}
