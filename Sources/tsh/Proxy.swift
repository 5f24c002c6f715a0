import ArgumentParser
import TeleportClient

/// `tsh proxy`: the proxy commands; only `ssh` for now.
struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run local proxies to Teleport resources.",
        subcommands: [ProxySSHCommand.self, TLSRelayCommand.self])
}
