import ArgumentParser
import TeleportKeys
import TeleportLogin
import TeleportProfile
import TeleportProxyCommand
import TeleportSSHConfig
import TeleportSupport
import TeleportWebAPI

/// `tsh logout`: every profile, or one user's keys for one proxy.
struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a cluster certificate.",
        discussion: """
            Examples:
              tsh logout
              tsh logout --proxy=teleport.example.com --user=alice
              TELEPORT_PROXY=teleport.example.com TELEPORT_USER=alice tsh logout
            """)

    @OptionGroup var proxyOption: ProxyOption
    @OptionGroup var userOption: UserOption
    @OptionGroup var agentOption: AgentOption

    func validate() throws { _ = try agentOption.mode() }

    func run() throws {
        let directory = try ProfileDirectory.resolve()
        let store = ProfileStore(directory: directory)
        let selection = ProfileSelection(proxy: proxyOption.proxy, user: userOption.user)
        let agentSocket = try agentOption.mode().socketPath
        switch (selection.proxy, selection.user) {
        case (nil, nil):
            let unloaded = removeAgentKeys(agentSocket, proxyHost: nil, user: nil)
            guard FileSystem.isDirectory(directory.root) else {
                Console.out(unloaded ? "Logged out all users from all proxies.\n" : "All users logged out.\n")
                return
            }
            let removed = try ProfileLock.with(directory) { try store.removeAll() }
            Console.out(removed || unloaded ? "Logged out all users from all proxies.\n" : "All users logged out.\n")
        case (let proxy?, let user?):
            let host = try ProxyAddress.parse(proxy).host
            let unloaded = removeAgentKeys(agentSocket, proxyHost: host, user: user)
            let removed = try ProfileLock.with(directory) { try store.remove(proxyHost: host, user: user) } || unloaded
            guard removed else {
                Console.out("User \(user) already logged out from \(host).\n")
                throw ExitCode(1)
            }
            Console.out("Logged out \(user) from \(host).\n")
        default:
            throw TeleportError("--proxy and --user must be given together, or neither to log out everyone")
        }
    }

    /// The keys tsh put in the SSH agent go too, as Go tsh's `UnloadKey(s)`
    /// does; an agent that cannot be reached is only a warning.
    private func removeAgentKeys(_ socket: String?, proxyHost: String?, user: String?) -> Bool {
        guard let socket else { return false }
        do {
            return try AgentKeys.remove(socketPath: socket, proxyHost: proxyHost, user: user) > 0
        } catch let error as TeleportError {
            Console.warning("could not remove tsh's keys from the SSH agent: \(error.message)")
            return false
        } catch {
            return false
        }
    }
}
