import ArgumentParser
import TeleportProfile
import TeleportProxyCommand
import TeleportSupport

/// `tsh ssh`: the system ssh with the profile's identity, certificate,
/// known_hosts and `tsh proxy ssh` as ProxyCommand (built in
/// TeleportProxyCommand's `SSHCommandLine`). The exit status is ssh's.
struct SSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an SSH session on a node through the Teleport proxy (the system ssh).",
        discussion: """
            Examples:
              tsh ssh ubuntu@node1
              tsh ssh -L 8080:localhost:80 ubuntu@node1 uptime
              tsh ssh --cluster=leaf --dry-run -l root node2
            """)

    @OptionGroup var proxyOption: ProxyOption
    @OptionGroup var clusterOption: ClusterOption

    @Option(name: [.short, .long], help: "Remote login, when the target has none. Env: TELEPORT_LOGIN.")
    var login: String?

    @Option(name: .short, help: "SSH port of the node (default 3022).")
    var port: Int?

    @Option(name: .customShort("L"), help: "Forward a local port: [bind:]port:host:hostport (repeatable).")
    var local: [String] = []

    @Option(name: .customShort("R"), help: "Forward a remote port: [bind:]port:host:hostport (repeatable).")
    var remote: [String] = []

    @Option(name: .customShort("D"), help: "Dynamic (SOCKS) forwarding: [bind:]port (repeatable).")
    var dynamic: [String] = []

    @Flag(name: .customShort("A"), help: "Forward the SSH agent to the node.")
    var forwardAgent = false

    @Flag(name: .customShort("t"), help: "Force a terminal.")
    var tty = false

    @Flag(name: .customShort("T"), help: "Disable the terminal.")
    var noTTY = false

    @Flag(name: .long, help: "Print the ssh command line instead of running it.")
    var dryRun = false

    @Argument(help: "[user@]node: the node's name (case-sensitive) or UUID.")
    var target: String

    @Argument(parsing: .captureForPassthrough, help: "The command to run on the node.")
    var command: [String] = []

    func run() throws {
        var options = SSHCommandLine.SSHOptions()
        options.login = login ?? Environment.value("TELEPORT_LOGIN")
        options.port = port
        // ArgumentParser groups repeated options by flag, so the order across
        // -L/-R/-D is lost; ssh treats each independently.
        options.forwards = local.map { ("-L", $0) } + remote.map { ("-R", $0) } + dynamic.map { ("-D", $0) }
        options.forwardAgent = forwardAgent
        options.tty = tty ? true : (noTTY ? false : nil)
        options.command = command
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let context = try SSHCommandLine.context(
            selection: ProfileSelection(proxy: proxyOption.proxy, cluster: clusterOption.cluster),
            store: store, relogin: LoginFlow.relogin)
        let arguments = try SSHCommandLine.ssh(
            sshPath: try SSHCommandLine.program("ssh", override: Environment.value("TSH_SSH")),
            context: context, target: target, options: options)
        if dryRun {
            Console.out(SSHCommandLine.shellLine(arguments))
            return
        }
        Debug.log("exec: \(SSHCommandLine.shellLine(arguments).dropLast())")
        try SSHCommandLine.exec(arguments)
    }
}
