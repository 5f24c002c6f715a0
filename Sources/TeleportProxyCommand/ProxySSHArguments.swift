import TeleportProfile
import TeleportSupport

/// The command line of `tsh proxy ssh`, as given: its flags and its target.
/// ArgumentParser fills it in the CLI; `fastParse` fills it by hand for the
/// forms OpenSSH uses, and the two must agree (ProxySSHArgumentsTests).
public struct ProxySSHArguments: Equatable, Sendable {
    public var proxy: String?
    public var cluster: String?
    public var login: String?
    public var relogin = true
    public var multiplex = false
    public var dryRun = false
    public var transport = ProxyTransport.auto
    public var target: String

    public init(target: String) {
        self.target = target
    }

    /// Parses `tsh proxy ssh …` (the whole argv, program name first) by hand
    /// when it holds only the flags above and one target. Anything else
    /// (help, mistakes, unknown flags) returns nil and goes through
    /// ArgumentParser, so its messages stay the only ones. It exists because
    /// OpenSSH runs this for every connection, and ArgumentParser's
    /// reflection costs milliseconds of start-up.
    public static func fastParse(_ argv: [String]) -> ProxySSHArguments? {
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
        var parsed = ProxySSHArguments(target: target)
        parsed.cluster = cluster
        parsed.proxy = proxy
        parsed.login = login
        parsed.relogin = relogin
        parsed.multiplex = multiplex
        parsed.dryRun = dryRun
        parsed.transport = transport
        return parsed
    }

    /// The request, with tsh's environment fallbacks applied.
    public func request(environment: (String) -> String? = Environment.value) -> ProxySSH.Request {
        var request = ProxySSH.Request(target: target)
        request.selection = ProfileSelection(proxy: proxy, cluster: cluster, environment: environment)
        request.login = login ?? environment("TELEPORT_LOGIN")
        request.relogin = relogin
        request.multiplex = multiplex || environment("TSH_MULTIPLEX") == "1"
        request.transport = transport
        return request
    }
}
