/// The profile's `known_hosts`: one `@cert-authority` line per host CA key
/// (teleport-reference §2.1).
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
            // OpenSSH separates fields with spaces or tabs.
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let isSameCluster = fields.count >= 2 && fields[0] == "@cert-authority" && fields[1] == hosts
            if isSameCluster && !newLines.contains(line) { continue }
            if seen.insert(line).inserted { kept.append(line) }
        }
        for line in newLines where seen.insert(line).inserted {
            kept.append(line)
        }
        return kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
    }
}
