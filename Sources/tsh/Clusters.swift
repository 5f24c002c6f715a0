import ArgumentParser
import TeleportProfile
import TeleportProxyCommand
import TeleportSupport

/// `tsh clusters`: the root and leaf clusters behind the proxy, refreshed
/// into the profile's cache.
struct Clusters: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the root and leaf clusters reachable through the proxy.",
        discussion: """
            Examples:
              tsh clusters
              tsh clusters --format=json
              tsh clusters --proxy=teleport.example.com --format=yaml
            """)

    @OptionGroup var proxyOption: ProxyOption

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        guard let host = try ProfileSelection(proxy: proxyOption.proxy).proxyHost(in: store.directory) else {
            throw TeleportError("Not logged in.", kind: .notLoggedIn)
        }
        let legProfile = try LegProfile.load(store: store, proxyHost: host)
        let sites = try ClusterList.refresh(store: store, proxyHost: host)
        let report = ClusterReport(sites: sites, root: legProfile.rootCluster, selected: legProfile.entry.profile.cluster)
        Console.out(report.rendered(format))
    }
}
