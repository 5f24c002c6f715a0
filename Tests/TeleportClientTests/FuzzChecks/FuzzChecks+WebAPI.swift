#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportKeys
import TeleportLogin
import TeleportProxyCommand
import TeleportSupport
import TeleportWebAPI

extension FuzzChecks {
    // MARK: 4. Web API responses

    /// The JSON bodies of `/webapi/ping`, `/webapi/ssh/certs`
    /// and the `proxysites` list, and what tsh derives from them.
    static func webapi(_ data: [UInt8]) throws {
        let json = Data(data)
        if let ping = try? JSONDecoder().decode(PingResponse.self, from: json) {
            _ = try? SignatureSuite(serverValue: ping.auth?.signatureAlgorithmSuite?.value)
            if let ttl = ping.auth?.defaultSessionTTL { _ = GoDuration.parse(ttl) }
            if let name = ping.clusterName { _ = try? Names.validateCluster(name) }
            // ProxyDiscovery's own reading of the addresses, with and without
            // an SSH port given on the command line.
            let dialled = HostPort(host: "proxy.example.com", port: 443)
            for requested in [ProxyAddress(host: "proxy.example.com"), ProxyAddress(host: "proxy.example.com", sshPort: 3023)] {
                if let found = try? ProxyDiscovery.addresses(ping: ping, dialled: dialled, requested: requested) {
                    try hostPortProperties(found.web)
                    try hostPortProperties(found.ssh)
                }
            }
            for text in [ping.serverVersion, ping.minClientVersion, ping.auth?.local?.name] {
                try printableProperties(Names.printable(text ?? "", limit: 50))
            }
        }
        if let response = try? JSONDecoder().decode(SSHCertsResponse.self, from: json) {
            if let cert = try? SSHCertificate(line: response.sshCert) { try certificateProperties(cert) }
            for signer in response.hostSigners.prefix(16) {
                _ = try? Names.validateCluster(signer.domainName)
                for text in signer.checkingKeys.prefix(16) {
                    if let key = try? SSHPublicKey(line: text) { try keyProperties(key) }
                }
            }
        }
        if let sites = try? JSONDecoder().decode([ClusterList.Site].self, from: json) {
            _ = ClusterList.ordered(sites.filter { (try? Names.validateCluster($0.name)) != nil }, root: "example.com")
        }
    }

    static func printableProperties(_ text: String) throws {
        try require(text.unicodeScalars.allSatisfy {
            $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value))
        }, "Names.printable left a control character in \(show(text))")
    }
}
