/// What the user passed as `--proxy`: `host`, `host:webport`,
/// `host:webport,sshport`, any of them after `https://`.
public struct ProxyAddress: Equatable, Sendable {
    public var host: String
    public var webPort: Int?
    public var sshPort: Int?

    public init(host: String, webPort: Int? = nil, sshPort: Int? = nil) {
        self.host = host
        self.webPort = webPort
        self.sshPort = sshPort
    }

    /// The web ports to try, in order: the given one, or 3080 then 443 as tsh does.
    public var webPortCandidates: [Int] {
        webPort.map { [$0] } ?? Ports.webCandidates
    }

    public static func parse(_ input: String) throws -> ProxyAddress {
        var text = Substring(input.trimmingCharacters(in: " \t"))
        if text.lowercased().hasPrefix("https://") {
            text = text.dropFirst("https://".count)
        } else if text.contains("://") {
            throw TeleportError("invalid --proxy \(Names.quoted(input)): the web proxy is reached over HTTPS; use host[:port]")
        }
        while text.hasSuffix("/") { text = text.dropLast() }
        guard !text.isEmpty else {
            throw TeleportError("--proxy is empty; pass the proxy address, for example --proxy=teleport.example.com")
        }

        let (host, portPart) = try HostPort.split(text, what: "--proxy \(Names.quoted(input))")
        var address = ProxyAddress(host: String(host))
        try Names.validateHost(address.host, kind: "proxy host")
        if let portPart {
            let ports = portPart.split(separator: ",", omittingEmptySubsequences: false)
            guard ports.count <= 2 else {
                throw TeleportError("invalid --proxy \(Names.quoted(input)): expected host:webport,sshport")
            }
            address.webPort = try port(ports[0], input: input)
            if ports.count == 2 { address.sshPort = try port(ports[1], input: input) }
        }
        return address
    }

    private static func port(_ text: Substring, input: String) throws -> Int? {
        if text.isEmpty { return nil }
        guard let value = Ports.parse(text) else {
            throw TeleportError("invalid port \(Names.quoted(String(text))) in --proxy \(Names.quoted(input))")
        }
        return value
    }
}

/// A `host:port` pair as the profile stores it (`web_proxy_addr`, `ssh_proxy_addr`).
public struct HostPort: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`; `defaultPort` applies when none is given.
    public static func parse(_ text: String, defaultPort: Int? = nil) throws -> HostPort {
        let (host, port) = try split(Substring(text), what: "address \(Names.quoted(text))")
        try Names.validateHost(String(host), kind: "address host")
        let number: Int?
        if let port { number = Int(port) } else { number = defaultPort }
        guard let number, Ports.isValid(number) else {
            throw TeleportError("invalid address \(Names.quoted(text)): it needs a port between 1 and 65535")
        }
        return HostPort(host: String(host), port: number)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Splits `host`, `host:port` or `[v6]:port` (the port part unparsed),
    /// at the last colon outside brackets.
    package static func split(_ text: Substring, what: String) throws -> (host: Substring, port: Substring?) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw TeleportError("invalid \(what): missing ']' after an IPv6 address")
            }
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            guard rest.hasPrefix(":") else { throw TeleportError("invalid \(what)") }
            return (host, rest.dropFirst())
        }
        guard let colon = text.lastIndex(of: ":") else { return (text, nil) }
        return (text[..<colon], text[text.index(after: colon)...])
    }
}
