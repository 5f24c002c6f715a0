import ArgumentParser
import TeleportAuthAPI
import TeleportProfile
import TeleportSupport
import TeleportTransport

/// `tsh ls`: the nodes of the current (or `--cluster`) cluster, from its auth
/// server's `ListUnifiedResources` through the proxy.
struct LS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the SSH nodes of a cluster.",
        discussion: """
            Examples:
              tsh ls
              tsh ls env=prod
              tsh ls --search=web --format=names
              tsh ls --format=yaml
              tsh ls --query='labels["env"] == "prod"' --cluster=leaf.example.com
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, yaml, names
    }

    @OptionGroup var proxyOption: ProxyOption

    @Option(help: "The cluster to list (a leaf cluster's name, say); the profile's by default.")
    var cluster: String?

    @Option(help: "Keywords to search for, separated by commas.")
    var search: String?

    @Option(help: "A predicate expression the server filters with.")
    var query: String?

    @Option(help: "Output format: text, json, yaml or names.")
    var format: Format = .text

    @Flag(name: .shortAndLong, help: "Show Teleport's own labels too.")
    var verbose = false

    @Argument(help: "Label filters, key=value[,key=value...].")
    var labels: [String] = []

    func run() throws {
        var filter = NodeFilter()
        for argument in labels {
            for pair in argument.split(separator: ",") {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw ValidationError("a label filter is key=value, not \(Names.quoted(String(pair)))")
                }
                filter.labels[String(pair[..<eq]).trimmingCharacters(in: " ")] =
                    String(pair[pair.index(after: eq)...]).trimmingCharacters(in: " ")
            }
        }
        if let search { filter.searchKeywords = NodeFilter.parseSearchKeywords(search) }
        if let query { filter.predicate = query }
        if let cluster { try Names.validateCluster(cluster) }

        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        guard let host = try ProfileSelection(proxy: proxyOption.proxy).proxyHost(in: store.directory) else {
            throw TeleportError("Not logged in.", kind: .notLoggedIn)
        }
        let entry = try store.loadEntry(proxyHost: host)
        let target = cluster ?? (entry.profile.cluster.isEmpty ? nil : entry.profile.cluster)
        let client = try AuthClient.forProfile(store: store, proxyHost: host, cluster: target)
        let request = filter
        let nodes = try BlockingCall.run { try await client.listNodes(request) }
        let report = NodeReport(nodes: nodes, verbose: verbose)
        switch format {
        case .text: Console.out(report.text(width: TextTable.outputWidth()))
        case .names: Console.out(report.names())
        case .json: Console.out(NodeReport.json(nodes))
        case .yaml: Console.out(NodeReport.yaml(nodes))
        }
    }
}
