import TeleportKeys
import TeleportSupport

/// A profile: `<proxyHost>.yaml`, what tsh remembers about one proxy
/// (docs/protocol.md, "~/.tsh"). Keys are written in tsh's order with tsh's
/// omissions, so real tsh reads what we write, and we read what it writes.
public struct Profile: Equatable, Sendable {
    public var webProxyAddr: String
    public var sshProxyAddr: String
    public var kubeProxyAddr = ""
    public var postgresProxyAddr = ""
    public var mysqlProxyAddr = ""
    public var mongoProxyAddr = ""
    public var user: String
    public var cluster: String
    public var dynamicForwardPorts: [String] = []
    public var dir = ""
    public var tlsRoutingEnabled = false
    public var tlsRoutingConnUpgradeRequired = false
    public var authConnector = ""
    public var loadAllCAs = false
    public var mfaMode = ""
    public var privateKeyPolicy = "none"
    public var pivSlot = ""
    public var missingClusterDetails = false
    public var samlSLOEnabled = false
    /// Nanoseconds; written as Go duration text.
    public var sshDialTimeout: Int64 = 30_000_000_000
    public var ssoHost = ""

    public init(webProxyAddr: String, sshProxyAddr: String, user: String, cluster: String) {
        self.webProxyAddr = webProxyAddr
        self.sshProxyAddr = sshProxyAddr
        self.user = user
        self.cluster = cluster
    }

    /// The profile's name: the host of the web proxy address.
    public var proxyHost: String {
        (try? HostPort.parse(webProxyAddr, defaultPort: 443).host) ?? webProxyAddr
    }

    public func yaml() -> String {
        var lines: [String] = []
        func add(_ key: String, _ value: String, omitEmpty: Bool = false) {
            if omitEmpty && value.isEmpty { return }
            lines.append("\(key): \(FlatYAML.quote(value))")
        }
        func add(_ key: String, _ value: Bool) {
            lines.append("\(key): \(value)")
        }
        add("web_proxy_addr", webProxyAddr, omitEmpty: true)
        add("ssh_proxy_addr", sshProxyAddr, omitEmpty: true)
        add("kube_proxy_addr", kubeProxyAddr, omitEmpty: true)
        add("postgres_proxy_addr", postgresProxyAddr, omitEmpty: true)
        add("mysql_proxy_addr", mysqlProxyAddr, omitEmpty: true)
        add("mongo_proxy_addr", mongoProxyAddr, omitEmpty: true)
        add("user", user, omitEmpty: true)
        add("cluster", cluster, omitEmpty: true)
        if !dynamicForwardPorts.isEmpty {
            lines.append("dynamic_forward_ports:")
            lines += dynamicForwardPorts.map { "- \(FlatYAML.quote($0))" }
        }
        add("dir", dir)
        add("tls_routing_enabled", tlsRoutingEnabled)
        add("tls_routing_conn_upgrade_required", tlsRoutingConnUpgradeRequired)
        add("auth_connector", authConnector, omitEmpty: true)
        add("load_all_cas", loadAllCAs)
        add("mfa_mode", mfaMode, omitEmpty: true)
        add("private_key_policy", privateKeyPolicy)
        add("piv_slot", pivSlot)
        add("missingclusterdetails", missingClusterDetails)
        add("saml_slo_enabled", samlSLOEnabled)
        add("ssh_dial_timeout", GoDuration.format(nanoseconds: sshDialTimeout))
        add("sso_host", ssoHost, omitEmpty: true)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a profile written by us or by real tsh (v16, v17). Unknown keys
    /// are ignored.
    public static func parse(yaml text: String, source: String) throws -> Profile {
        let fields: [String: FlatYAML.Value]
        do {
            fields = try FlatYAML.parse(text)
        } catch let error as TeleportError {
            throw TeleportError("\(source): \(error.message)")
        }
        func string(_ key: String) -> String {
            if case .scalar(let v)? = fields[key] { return v }
            return ""
        }
        func bool(_ key: String) -> Bool { string(key) == "true" }

        let web = string("web_proxy_addr")
        guard !web.isEmpty else {
            throw TeleportError("\(source) has no web_proxy_addr; log in again with 'tsh login'")
        }
        _ = try HostPort.parse(web, defaultPort: 443)
        var profile = Profile(webProxyAddr: web, sshProxyAddr: string("ssh_proxy_addr"),
                              user: string("user"), cluster: string("cluster"))
        profile.kubeProxyAddr = string("kube_proxy_addr")
        profile.postgresProxyAddr = string("postgres_proxy_addr")
        profile.mysqlProxyAddr = string("mysql_proxy_addr")
        profile.mongoProxyAddr = string("mongo_proxy_addr")
        if case .list(let ports)? = fields["dynamic_forward_ports"] { profile.dynamicForwardPorts = ports }
        profile.dir = string("dir")
        profile.tlsRoutingEnabled = bool("tls_routing_enabled")
        profile.tlsRoutingConnUpgradeRequired = bool("tls_routing_conn_upgrade_required")
        profile.authConnector = string("auth_connector")
        profile.loadAllCAs = bool("load_all_cas")
        profile.mfaMode = string("mfa_mode")
        profile.privateKeyPolicy = string("private_key_policy")
        profile.pivSlot = string("piv_slot")
        profile.missingClusterDetails = bool("missingclusterdetails")
        profile.samlSLOEnabled = bool("saml_slo_enabled")
        if let timeout = GoDuration.parse(string("ssh_dial_timeout")), timeout > 0 {
            profile.sshDialTimeout = timeout
        }
        profile.ssoHost = string("sso_host")
        if !profile.user.isEmpty { try Names.validateUser(profile.user) }
        if !profile.cluster.isEmpty { try Names.validateCluster(profile.cluster) }
        return profile
    }
}
