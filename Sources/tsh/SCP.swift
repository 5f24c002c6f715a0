import ArgumentParser
import TeleportProfile
import TeleportProxyCommand
import TeleportSupport

/// `tsh scp`: the system scp, set up as `tsh ssh` sets up ssh.
struct SCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy files to or from a node through the Teleport proxy (the system scp).",
        discussion: """
            Examples:
              tsh scp file.txt ubuntu@node1:/tmp/
              tsh scp -r ubuntu@node1:/var/log/app ./logs
              tsh scp --cluster=leaf -P 22 notes.md node2:
            """)

    @OptionGroup var proxyOption: ProxyOption
    @OptionGroup var clusterOption: ClusterOption

    @Option(name: [.short, .long], help: "Remote login, when the path names none. Env: TELEPORT_LOGIN.")
    var login: String?

    @Option(name: .customShort("P"), help: "SSH port of the node (default 3022).")
    var port: Int?

    @Flag(name: .short, help: "Copy directories recursively.")
    var recursive = false

    @Flag(name: .long, help: "Print the scp command line instead of running it.")
    var dryRun = false

    @Argument(help: "Sources, then the target; remote paths are [user@]node:path.")
    var paths: [String] = []

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let context = try SSHCommandLine.context(
            selection: ProfileSelection(proxy: proxyOption.proxy, cluster: clusterOption.cluster),
            store: store, relogin: LoginFlow.relogin)
        let arguments = try SSHCommandLine.scp(
            scpPath: try SSHCommandLine.program("scp", override: Environment.value("TSH_SCP")),
            context: context, paths: paths, recursive: recursive, port: port,
            login: login ?? Environment.value("TELEPORT_LOGIN"))
        if dryRun {
            Console.out(SSHCommandLine.shellLine(arguments))
            return
        }
        Debug.log("exec: \(SSHCommandLine.shellLine(arguments).dropLast())")
        try SSHCommandLine.exec(arguments)
    }
}
