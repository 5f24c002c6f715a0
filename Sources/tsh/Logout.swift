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

    func run() throws {
        let directory = try ProfileDirectory.resolve()
        let store = ProfileStore(directory: directory)
        let selection = ProfileSelection(proxy: proxyOption.proxy, user: userOption.user)
        switch (selection.proxy, selection.user) {
        case (nil, nil):
            guard FileSystem.isDirectory(directory.root) else {
                Console.out("All users logged out.\n")
                return
            }
            let removed = try ProfileLock.with(directory) { try store.removeAll() }
            Console.out(removed ? "Logged out all users from all proxies.\n" : "All users logged out.\n")
        case (let proxy?, let user?):
            let host = try ProxyAddress.parse(proxy).host
            let removed = try ProfileLock.with(directory) { try store.remove(proxyHost: host, user: user) }
            guard removed else {
                Console.out("User \(user) already logged out from \(host).\n")
                throw ExitCode(1)
            }
            Console.out("Logged out \(user) from \(host).\n")
        default:
            throw TeleportError("--proxy and --user must be given together, or neither to log out everyone")
        }
    }
}
