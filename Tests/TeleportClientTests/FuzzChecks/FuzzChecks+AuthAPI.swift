import Foundation
import TeleportAuthAPI
import TeleportSupport

extension FuzzChecks {
    // MARK: 9. The auth API's responses

    /// The bytes of a `GetCertAuthoritiesResponse` and of a
    /// `ListUnifiedResourcesResponse`, through the checks the client applies
    /// and into what tsh writes (known_hosts lines, cas/ PEM) and prints
    /// (`tsh ls` in every format): no trap, nothing that could forge a line.
    static func authAPI(_ data: [UInt8]) throws {
        if let authorities = try? AuthInputs.certAuthorities(data) {
            try require(authorities.count <= HostAuthority.maxAuthorities, "accepted \(authorities.count) host CAs")
            for authority in authorities {
                let cluster = authority.cluster
                try require((try? Names.validateCluster(cluster)) != nil,
                            "accepted the invalid cluster name \(show(cluster))")
                for line in authority.knownHostsLines(proxyHost: "proxy.example.com") {
                    let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                    try require(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F },
                                "a known_hosts line that is not printable ASCII: \(show(line))")
                    try require(fields.count == 5 && fields[0] == "@cert-authority"
                                && fields[1] == "proxy.example.com,\(cluster),*.\(cluster)" && fields[4] == "type=host",
                                "a known_hosts line with other fields than a CA line's: \(show(line))")
                }
                if !authority.tlsPEM.isEmpty {
                    try require(authority.tlsPEM.hasPrefix("-----BEGIN CERTIFICATE-----\n")
                                && authority.tlsPEM.hasSuffix("-----END CERTIFICATE-----\n"),
                                "a cas/ file that is not PEM certificates: \(show(authority.tlsPEM))")
                }
            }
        }
        if let output = try? AuthInputs.nodePage(data) {
            let n = output.count
            try require(output.names.split(separator: "\n", omittingEmptySubsequences: false).count == n + 1,
                        "\(n) nodes gave the names \(show(output.names))")
            for table in [output.text, output.verboseText] {
                try require(table.split(separator: "\n", omittingEmptySubsequences: false).count == n + 3,
                            "\(n) nodes gave the table \(show(table))")
            }
            let json = try? JSONSerialization.jsonObject(with: Data(output.json.utf8)) as? [Any]
            try require(json?.count == n, "\(n) nodes gave the JSON \(show(output.json))")
            let items = output.yaml.split(separator: "\n").filter { $0.hasPrefix("- ") }.count
            try require(output.yaml.hasSuffix("\n\n") && (n == 0 ? output.yaml == "[]\n\n" : items == n),
                        "\(n) nodes gave the YAML \(show(output.yaml))")
        }
    }
}
