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
    /// Logs in and returns what was saved (or written to the identity file).
    @discardableResult
    static func run(_ login: InteractiveLogin, store: ProfileStore) throws -> LoginMaterial {
        let material = try login.run(store: store)
        let host = material.profile.proxyHost
        // With `-k only` the credentials these calls use are in the agent alone.
        guard login.identityOutput == nil, login.agent.writesKeyFiles else { return material }
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
        return material
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
        // The environment's choice (default auto); `only` would leave the relogin's caller no files.
        let agent = try AddKeysToAgent.resolve(nil)
        login.agent = agent == .only ? .yes : agent
        try run(login, store: store)
    }
}
