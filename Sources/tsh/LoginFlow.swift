import TeleportAuthAPI
import TeleportLogin
import TeleportProfile
import TeleportProxyCommand
import TeleportSupport

/// A login as `tsh login` and the relogin of `tsh proxy ssh` do it: the login
/// itself (TeleportLogin), then the refresh of the cluster cache
/// (TeleportProxyCommand). It lives in the CLI so that neither layer depends
/// on the other.
enum LoginFlow {
    /// Logs in and returns the proxy host of the saved profile (or of the
    /// identity file written).
    @discardableResult
    static func run(_ login: InteractiveLogin, store: ProfileStore) throws -> String {
        let host = try login.run(store: store)
        guard login.identityOutput == nil else { return host }
        // Best effort: the login has succeeded whatever happens here, so a
        // silent proxy must not hold it for long.
        do {
            try ClusterList.refresh(store: store, proxyHost: host, maxConnectSeconds: 5)
        } catch let error as TeleportError {
            Console.warning("logged in, but could not refresh the list of clusters: \(error.message)")
        }
        // The host CAs of the root and its leaves (known_hosts, cas/), as Go tsh's
        // UpdateTrustedCA does; a failure leaves the login standing.
        do {
            try HostAuthorityUpdate.run(store: store, proxyHost: host, maxConnectSeconds: 5)
        } catch let error as TeleportError {
            Console.warning("logged in, but could not fetch the clusters' host CAs: \(error.message)")
        }
        return host
    }

    /// `tsh proxy ssh`'s relogin: the profile's proxy, user and cluster again.
    static func relogin(_ profile: Profile, store: ProfileStore) throws {
        var login = InteractiveLogin(proxy: try ProxyAddress.parse(profile.webProxyAddr))
        login.user = profile.user.isEmpty ? nil : profile.user
        login.cluster = profile.cluster.isEmpty ? nil : profile.cluster
        // The connector logged in with: an SSO one opens the browser, no terminal needed.
        login.authConnector = profile.authConnector.isEmpty ? nil : profile.authConnector
        login.bindAddress = Environment.value("TELEPORT_LOGIN_BIND_ADDR")
        login.openBrowser = Environment.value("TELEPORT_LOGIN_BROWSER") != "none"
        try run(login, store: store)
    }
}
