import TeleportSupport

/// What `tsh clusters` prints: the clusters behind a proxy, root first, in
/// Go tsh's table, JSON and YAML shapes.
public struct ClusterReport: Sendable {
    public var sites: [ClusterList.Site]
    public var root: String
    /// The profile's selected cluster, marked `*` / `selected: true`.
    public var selected: String

    public init(sites: [ClusterList.Site], root: String, selected: String) {
        self.sites = sites
        self.root = root
        self.selected = selected
    }

    public func rendered(_ format: OutputFormat) -> String {
        let ordered = ClusterList.ordered(sites, root: root)
        let byName = Dictionary(sites.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func status(_ name: String) -> String { byName[name]?.status ?? "" }
        func type(_ name: String) -> String { name == root ? "root" : "leaf" }
        switch format {
        case .json:
            let rows: [JSONValue] = ordered.map { name in
                .object([
                    ("cluster_name", .string(name)),
                    ("status", .string(status(name))),
                    ("cluster_type", .string(type(name))),
                    ("selected", .bool(name == selected)),
                ])
            }
            return JSONValue.array(rows).rendered() + "\n"
        case .yaml:
            var out = ""
            for name in ordered {
                out += "- cluster_name: \(FlatYAML.quote(name))\n"
                out += "  status: \(FlatYAML.quote(status(name)))\n"
                out += "  cluster_type: \(type(name))\n"
                out += "  selected: \(name == selected)\n"
            }
            return out
        case .text:
            let width = max(12, (ordered.map(\.count).max() ?? 0) + 1)
            func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
            var out = pad("Cluster Name") + "Status " + " Cluster Type Selected\n"
            out += pad(String(repeating: "-", count: width - 1)) + "------ " + " ------------ --------\n"
            for name in ordered {
                let shown = Names.printable(status(name), limit: 20)
                let kind = type(name)
                out += pad(name) + shown + String(repeating: " ", count: max(1, 7 - shown.count)) + " "
                    + kind + String(repeating: " ", count: 13 - kind.count) + (name == selected ? "*" : "") + "\n"
            }
            return out
        }
    }
}
