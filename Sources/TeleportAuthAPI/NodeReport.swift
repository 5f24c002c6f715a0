import TeleportProto
import TeleportSupport

/// `tsh ls` output (tool/tsh/common/tsh.go `printNodes`, docs/auth-api.md §4):
/// nodes sorted by hostname (byte order), as a table or one name a line.
public struct NodeReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var hostname: String
        /// The node's name (its UUID), shown with `--verbose`.
        public var id: String
        public var address: String
        public var labels: String
    }

    public var rows: [Row]
    /// `-v`: a `Node ID` column and Teleport's own labels.
    public var verbose: Bool

    public init(nodes: [Types_ServerV2], verbose: Bool = false) {
        self.verbose = verbose
        rows = nodes.map { node in
            var labels = node.metadata.labels
            for (key, command) in node.spec.cmdLabels { labels[key] = command.result }
            return Row(hostname: node.spec.hostname, id: node.metadata.name,
                       address: node.spec.useTunnel ? "⟵ Tunnel" : node.spec.addr,
                       labels: Self.formatLabels(labels, verbose: verbose))
        }.sorted { Array($0.hostname.utf8).lexicographicallyPrecedes(Array($1.hostname.utf8)) }
    }

    /// tool/common `FormatLabels`: plain keys first, then keys with `/`, each
    /// sorted; Teleport's own namespaces only with `verbose`, last.
    public static func formatLabels(_ labels: [String: String], verbose: Bool) -> String {
        let hiddenPrefixes = ["teleport.dev/", "teleport.hidden/", "teleport.internal/"]
        var plain: [String] = [], namespaced: [String] = [], teleport: [String] = []
        for key in labels.keys {
            if hiddenPrefixes.contains(where: { key.hasPrefix($0) }) {
                if verbose { teleport.append(key) }
            } else if key.contains("/") {
                namespaced.append(key)
            } else {
                plain.append(key)
            }
        }
        let byBytes: (String, String) -> Bool = { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return (plain.sorted(by: byBytes) + namespaced.sorted(by: byBytes) + teleport.sorted(by: byBytes))
            .map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")
    }

    /// One hostname a line.
    public func names() -> String {
        rows.map { Self.cell($0.hostname) + "\n" }.joined()
    }

    /// Server text on one line: control characters (a newline or a tab too,
    /// which would forge a row or break the columns) become `?`.
    static func cell(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in Names.printable(text, limit: 1 << 20).unicodeScalars {
            out.append(scalar == "\n" || scalar == "\t" ? "?" : scalar)
        }
        return String(out)
    }

    /// `printNodesAsText`: Go's asciitable, the Labels column cut to `width`
    /// when one is given; with `verbose`, a `Node ID` column after the name
    /// and nothing cut.
    public func text(width: Int? = nil) -> String {
        let header = verbose ? ["Node Name", "Node ID", "Address", "Labels"] : ["Node Name", "Address", "Labels"]
        let cells = rows.map { row in
            (verbose ? [row.hostname, row.id, row.address, row.labels] : [row.hostname, row.address, row.labels])
                .map(Self.cell)
        }
        return TextTable(headers: header, rows: cells).rendered(truncating: verbose ? nil : "Labels", width: width)
    }
}
