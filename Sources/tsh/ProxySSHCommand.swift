import ArgumentParser
import TeleportProfile
import TeleportProxyCommand
import TeleportSupport

/// `tsh proxy ssh`: what OpenSSH runs as `ProxyCommand … %r@%h:%p`.
struct ProxySSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Proxy an SSH connection through the Teleport proxy (for OpenSSH's ProxyCommand).",
        discussion: """
            Examples:
              ssh -o 'ProxyCommand=tsh proxy ssh --cluster=root %r@%h:%p' ubuntu@node1
              tsh proxy ssh --dry-run ubuntu@node1:22
              tsh proxy ssh --proxy=teleport.example.com -l ubuntu --no-relogin node1
            """)

    @OptionGroup var proxyOption: ProxyOption
    @OptionGroup var clusterOption: ClusterOption

    @Option(name: [.short, .long], help: "Remote login, when the target has none. Env: TELEPORT_LOGIN.")
    var login: String?

    @Flag(inversion: .prefixedNo, help: "Log in again on the terminal when the certificate has expired.")
    var relogin = true

    @Flag(name: .long, help: "Share proxy connections between legs (OpenSSH ControlMaster). Env: TSH_MULTIPLEX=1.")
    var multiplex = false

    @Flag(name: .long, help: "Print the transport that would carry the connection, why, and the ssh command line, instead of connecting.")
    var dryRun = false

    @Option(name: .long, help: "Transport: auto (gRPC, else the OpenSSH leg), grpc (Teleport's TransportService over TLS only), or openssh (the system ssh and the proxy: subsystem only).")
    var transport: ProxyTransport = .auto

    @Argument(help: "[user@]host[:port], as OpenSSH passes %r@%h:%p.")
    var target: String

    /// What ArgumentParser read, in the form the hand parser produces.
    var arguments: ProxySSHArguments {
        var parsed = ProxySSHArguments(target: target)
        parsed.proxy = proxyOption.proxy
        parsed.cluster = clusterOption.cluster
        parsed.login = login
        parsed.relogin = relogin
        parsed.multiplex = multiplex
        parsed.dryRun = dryRun
        parsed.transport = transport
        return parsed
    }

    func run() throws {
        try Self.run(arguments)
    }

    /// Runs `tsh proxy ssh`, however its arguments were parsed.
    static func run(_ arguments: ProxySSHArguments) throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let plan = try ProxySSH.prepare(arguments.request(), store: store, relogin: LoginFlow.relogin)
        if arguments.dryRun {
            Console.out(try plan.dryRunText())
            return
        }
        let status = try plan.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension ProxyTransport: ExpressibleByArgument {}
