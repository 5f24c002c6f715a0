#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportProfile
import TeleportSupport

/// `tsh clusters`: the root and leaf clusters the proxy routes to, from its
/// `proxysites` subsystem, cached in the profile for `tsh config`.
public enum ClusterList {
    public struct Site: Decodable, Sendable {
        public var name: String
        public var lastConnected: String?
        public var status: String?

        enum CodingKeys: String, CodingKey {
            case name, status
            case lastConnected = "lastconnected"
        }
    }

    /// Asks the proxy, over the same kind of leg as `tsh proxy ssh`. A
    /// best-effort caller can shorten the connect timeout.
    public static func fetch(legProfile: LegProfile, maxConnectSeconds: Int? = nil) throws -> [Site] {
        var leg = legProfile.leg(login: legProfile.anyLogin, sshPath: try LegProfile.sshPath())
        if let maxConnectSeconds { leg.connectTimeoutSeconds = min(leg.connectTimeoutSeconds, maxConnectSeconds) }
        let (result, stdout) = try ChildProcess.run(try leg.arguments(subsystem: "proxysites"),
                                                    captureStdout: true, stdinNull: true)
        // The list is the answer, whatever the exit status: a proxy may close
        // the channel without sending one.
        let sites: [Site]
        do {
            sites = try JSONDecoder().decode([Site].self, from: Data(stdout))
        } catch {
            let detail = Names.printable(result.stderr.replacingAll("\r", with: "").trimmingCharacters(in: " \n\t"),
                                         limit: 500)
            if stdout.isEmpty {
                throw TeleportError("the proxy did not list its clusters (ssh exit \(result.status))\(detail.isEmpty ? "" : ": " + detail)")
            }
            throw TeleportError("the proxy's cluster list is not the JSON array tsh expects")
        }
        for site in sites { try Names.validateCluster(site.name) }
        return sites
    }

    /// Root first, then the leaves in the proxy's order.
    public static func ordered(_ sites: [Site], root: String) -> [String] {
        ProfileStore.rootFirst(root, sites.map(\.name))
    }

    /// Fetches and caches the list.
    @discardableResult
    public static func refresh(store: ProfileStore, proxyHost: String, maxConnectSeconds: Int? = nil) throws -> [Site] {
        let legProfile = try LegProfile.load(store: store, proxyHost: proxyHost)
        let sites = try fetch(legProfile: legProfile, maxConnectSeconds: maxConnectSeconds)
        try ProfileLock.with(store.directory) {
            try store.saveClusters(ordered(sites, root: legProfile.rootCluster), proxyHost: proxyHost)
        }
        return sites
    }
}
