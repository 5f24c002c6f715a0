import ArgumentParser

/// `tsh proxy`: the proxy commands; only `ssh` for now.
struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run local proxies to Teleport resources.",
        discussion: """
            Examples:
              tsh proxy ssh ubuntu@node1
              tsh proxy ssh --cluster=leaf --dry-run ubuntu@node2:22
            """,
        subcommands: [ProxySSHCommand.self, TLSRelayCommand.self])
}
