import TeleportKeys
import TeleportSupport

/// The profile's `known_hosts`: one `@cert-authority` line per host CA key
/// (docs/protocol.md, "known_hosts").
public enum KnownHosts {
    /// `@cert-authority <proxyHost>,<cluster>,*.<cluster> <type> <base64> type=host`
    public static func caLine(proxyHost: String, cluster: String, keyType: String, keyBase64: String) -> String {
        "@cert-authority \(proxyHost),\(cluster),*.\(cluster) \(keyType) \(keyBase64) type=host"
    }

    /// Merges `newLines` (the CA lines of `cluster` behind `proxyHost`) into an
    /// existing file: other lines are kept in order, duplicates dropped, and
    /// stale CA lines for the same proxy and cluster replaced.
    public static func merge(existing: String, proxyHost: String, cluster: String, newLines: [String]) -> String {
        let hosts = "\(proxyHost),\(cluster),*.\(cluster)"
        var seen = Set<String>()
        var kept: [String] = []
        for raw in TextLines.split(existing) {
            let line = String(raw).trimmingCharacters(in: " \t\r")
            if line.isEmpty { continue }
            // Fields end at spaces or tabs (as OpenSSH reads them) and at CRs
            // (which OpenSSH leaves in the host field, where its comma-separated
            // patterns still match this proxy). Compared byte-wise.
            let fields = line.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            let isSameCluster = fields.count >= 2 && fields[0].elementsEqual("@cert-authority".utf8)
                && fields[1].elementsEqual(hosts.utf8)
            if isSameCluster && !newLines.contains(line) { continue }
            if seen.insert(line).inserted { kept.append(line) }
        }
        for line in newLines where seen.insert(line).inserted {
            kept.append(line)
        }
        return kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
    }
}
