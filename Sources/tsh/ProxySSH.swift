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

    @Option(name: .long, help: ArgumentHelp("Force a transport: grpc (Teleport's TransportService over TLS), openssh (the system ssh and the proxy: subsystem), or auto (gRPC, else OpenSSH).", visibility: .hidden))
    var transport: ProxyTransport = .auto

    @Argument(help: "[user@]host[:port], as OpenSSH passes %r@%h:%p.")
    var target: String

    /// Parses `tsh proxy ssh` arguments by hand when they are only the flags
    /// above and one target; anything else (help, mistakes) returns nil and
    /// goes through ArgumentParser, so its messages stay the only ones.
    static func fastParse(_ argv: [String]) -> ProxySSHCommand? {
        guard argv.count >= 4, argv[1] == "proxy", argv[2] == "ssh" else { return nil }
        var cluster: String?, proxy: String?, login: String?, target: String?
        var relogin = true, multiplex = false, dryRun = false
        var transport = ProxyTransport.auto
        var i = 3
        func value(_ arg: String, _ name: String) -> String?? {
            if arg.hasPrefix(name + "=") { return .some(String(arg.dropFirst(name.count + 1))) }
            if arg == name {
                i += 1
                return i < argv.count ? .some(argv[i]) : .some(nil)
            }
            return nil
        }
        while i < argv.count {
            let arg = argv[i]
            if let v = value(arg, "--cluster") { guard let v else { return nil }; cluster = v }
            else if let v = value(arg, "--proxy") { guard let v else { return nil }; proxy = v }
            else if let v = value(arg, "--login") ?? value(arg, "-l") { guard let v else { return nil }; login = v }
            else if let v = value(arg, "--transport") {
                guard let v, let chosen = ProxyTransport(rawValue: v) else { return nil }
                transport = chosen
            }
            else if arg == "--relogin" { relogin = true }
            else if arg == "--no-relogin" { relogin = false }
            else if arg == "--multiplex" { multiplex = true }
            else if arg == "--dry-run" { dryRun = true }
            else if arg.hasPrefix("-") || target != nil { return nil }
            else { target = arg }
            i += 1
        }
        guard let target else { return nil }
        // Every property is set: ArgumentParser's wrappers trap on reading one
        // that neither parsing nor assignment gave a value.
        var command = ProxySSHCommand()
        command.cluster = cluster
        command.proxy = proxy
        command.login = login
        command.relogin = relogin
        command.multiplex = multiplex
        command.dryRun = dryRun
        command.transport = transport
        command.target = target
        return command
    }

    func run() throws {
        var request = ProxySSH.Request(target: target)
        request.proxy = proxy ?? Environment.value("TELEPORT_PROXY")
        request.cluster = cluster ?? Environment.value("TELEPORT_CLUSTER") ?? Environment.value("TELEPORT_SITE")
        request.login = login ?? Environment.value("TELEPORT_LOGIN")
        request.relogin = relogin
        request.multiplex = multiplex || Environment.value("TSH_MULTIPLEX") == "1"
        request.transport = transport
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let plan = try ProxySSH.prepare(request, store: store)
        if dryRun {
            Console.out(try plan.dryRunText())
            return
        }
        let status = try plan.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension ProxyTransport: ExpressibleByArgument {}
