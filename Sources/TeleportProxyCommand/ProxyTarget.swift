import TeleportProfile
import TeleportSupport

/// The `[user@]host[:port]` that OpenSSH passes to `tsh proxy ssh` as
/// `%r@%h:%p` (docs/protocol.md, "tsh proxy ssh"). `%h` comes from the command line and
/// ssh_config, so every part is validated.
public struct ProxyTarget: Equatable, Sendable {
    public var login: String?
    public var host: String
    public var port: Int?

    public init(login: String? = nil, host: String, port: Int? = nil) {
        self.login = login
        self.host = host
        self.port = port
    }

    /// Parses the target, splitting the user at the last `@`, then strips
    /// `.<proxyHost>` and then `.<cluster>` from the host.
    public static func parse(_ text: String, proxyHost: String, cluster: String) throws -> ProxyTarget {
        guard !text.isEmpty, text.utf8.count <= 1024 else {
            throw TeleportError("invalid target \(Names.quoted(text)): expected [user@]host[:port]")
        }
        var rest = Substring(text)
        var login: String?
        if let at = rest.lastIndex(of: "@") {
            login = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            try Names.validateLogin(login!)
        }
        let (host, portText) = try HostPort.split(rest, what: "target \(Names.quoted(text))")
        var port: Int?
        if let portText {
            guard let value = Ports.parse(portText) else {
                throw TeleportError("invalid port \(Names.quoted(String(portText))) in target \(Names.quoted(text))")
            }
            port = value
        }
        var name = String(host)
        for suffix in ["." + proxyHost, "." + cluster] where name.count > suffix.count && name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        try Names.validateHost(name, kind: "node name")
        return ProxyTarget(login: login, host: name, port: port)
    }

    /// `<host>:<port>` as TransportService's `dial_target.host_port` takes it.
    public var hostPort: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(hostPart):\(port ?? 3022)"
    }

    /// The subsystem the proxy routes: `proxy:<host>:<port>@<cluster>`.
    public func subsystem(cluster: String) -> String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "proxy:\(hostPart):\(port ?? Ports.nodeSSH)@\(cluster)"
    }
}
