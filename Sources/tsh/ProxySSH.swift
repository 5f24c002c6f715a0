import ArgumentParser
import TeleportClient

#if canImport(Glibc)
import Glibc
#endif

/// `tsh proxy ssh`: what OpenSSH runs as `ProxyCommand … %r@%h:%p`.
struct ProxySSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Proxy an SSH connection through the Teleport proxy (for OpenSSH's ProxyCommand).")

    @Option(name: .long, help: "Teleport proxy (host or host:port) naming the profile. Env: TELEPORT_PROXY.")
    var proxy: String?

    @Option(name: .long, help: "Cluster of the node. Env: TELEPORT_CLUSTER.")
    var cluster: String?

    @Option(name: [.short, .long], help: "Remote login, when the target has none. Env: TELEPORT_LOGIN.")
    var login: String?

    @Flag(inversion: .prefixedNo, help: "Log in again on the terminal when the certificate has expired.")
    var relogin = true

    @Flag(name: .long, help: "Share proxy connections between legs (OpenSSH ControlMaster). Env: TSH_MULTIPLEX=1.")
    var multiplex = false

    @Flag(name: .long, help: "Print the ssh command line instead of running it.")
    var dryRun = false

    @Argument(help: "[user@]host[:port], as OpenSSH passes %r@%h:%p.")
    var target: String

    func run() throws {
        var request = ProxySSH.Request(target: target)
        request.proxy = proxy ?? Environment.value("TELEPORT_PROXY")
        request.cluster = cluster ?? Environment.value("TELEPORT_CLUSTER") ?? Environment.value("TELEPORT_SITE")
        request.login = login ?? Environment.value("TELEPORT_LOGIN")
        request.relogin = relogin
        request.multiplex = multiplex || Environment.value("TSH_MULTIPLEX") == "1"
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let plan = try ProxySSH.prepare(request, store: store)
        if dryRun {
            Console.out(ShellWords.join(try plan.arguments()) + "\n")
            return
        }
        let status = try plan.run()
        if status != 0 { throw ExitCode(status) }
    }
}
