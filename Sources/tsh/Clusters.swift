import ArgumentParser
import TeleportClient

/// `tsh clusters`: the root and leaf clusters behind the proxy, refreshed
/// into the profile's cache.
struct Clusters: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the root and leaf clusters reachable through the proxy.")

    @Option(name: .long, help: "Profile to use (its proxy host). Env: TELEPORT_PROXY.")
    var proxy: String?

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        guard let host = try (proxy ?? Environment.value("TELEPORT_PROXY")).map({ try ProxyAddress.parse($0).host })
                ?? store.directory.currentProfileName() else {
            throw TeleportError("Not logged in.")
        }
        let connection = try ProfileConnection.load(store: store, proxyHost: host)
        let sites = try ClusterList.refresh(store: store, proxyHost: host)
        let root = connection.rootCluster
        let ordered = ClusterList.ordered(sites, root: root)
        let byName = Dictionary(sites.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        switch format {
        case .json:
            let rows: [JSONValue] = ordered.map { name in
                .object([
                    ("cluster_name", .string(name)),
                    ("status", .string(byName[name]?.status ?? "")),
                    ("cluster_type", .string(name == root ? "root" : "leaf")),
                    ("selected", .bool(name == connection.entry.profile.cluster)),
                ])
            }
            Console.out(JSONValue.array(rows).rendered() + "\n")
        case .yaml:
            var out = ""
            for name in ordered {
                out += "- cluster_name: \(FlatYAML.quote(name))\n"
                out += "  status: \(FlatYAML.quote(byName[name]?.status ?? ""))\n"
                out += "  cluster_type: \(name == root ? "root" : "leaf")\n"
                out += "  selected: \(name == connection.entry.profile.cluster)\n"
            }
            Console.out(out)
        case .text:
            let width = max(12, (ordered.map(\.count).max() ?? 0) + 1)
            func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
            var out = pad("Cluster Name") + "Status " + " Cluster Type Selected\n"
            out += pad(String(repeating: "-", count: width - 1)) + "------ " + " ------------ --------\n"
            for name in ordered {
                let status = Names.printable(byName[name]?.status ?? "", limit: 20)
                let type = name == root ? "root" : "leaf"
                let selected = name == connection.entry.profile.cluster ? "*" : ""
                out += pad(name) + status + String(repeating: " ", count: max(1, 7 - status.count)) + " "
                    + type + String(repeating: " ", count: 13 - type.count) + selected + "\n"
            }
            Console.out(out)
        }
    }
}
