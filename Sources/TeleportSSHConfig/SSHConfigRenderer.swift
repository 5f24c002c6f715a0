import Mustache
import Templates
import TeleportProfile
import TeleportSupport

/// What `tsh config` knows about one profile, before validation.
public struct SSHConfigParameters: Sendable {
    public var proxyHost: String
    /// The web proxy port: `--proxy=<host>:<port>` of the ProxyCommand.
    public var proxyPort: Int
    /// The root cluster first, then each leaf.
    public var clusterNames: [String]
    public var knownHostsPath: String
    public var identityFilePath: String
    public var certificateFilePath: String
    /// The node login for `User` lines; empty for none.
    public var username: String
    /// The node port, 3022 unless `--port`.
    public var port: Int
    public var executablePath: String
    public var appName = "tsh"
    /// Share proxy connections (`tsh proxy ssh --multiplex`).
    public var multiplex = false

    public init(proxyHost: String, proxyPort: Int, clusterNames: [String], knownHostsPath: String,
                identityFilePath: String, certificateFilePath: String, username: String, port: Int,
                executablePath: String) {
        self.proxyHost = proxyHost
        self.proxyPort = proxyPort
        self.clusterNames = clusterNames
        self.knownHostsPath = knownHostsPath
        self.identityFilePath = identityFilePath
        self.certificateFilePath = certificateFilePath
        self.username = username
        self.port = port
        self.executablePath = executablePath
    }
}

/// Renders the OpenSSH client configuration from a template (the embedded
/// `Templates/openssh-config.mustache`, or a user's own with `--template`).
public enum SSHConfigRenderer {
    /// The template variables, validated and escaped. Documented in the README.
    public static func variables(_ p: SSHConfigParameters) throws -> [String: Any] {
        guard !p.clusterNames.isEmpty else {
            throw TeleportError("the profile names no cluster; run 'tsh login' again")
        }
        guard Ports.isValid(p.port), Ports.isValid(p.proxyPort) else {
            throw TeleportError("ports must be between 1 and 65535")
        }
        let proxyHost = try SSHConfigValues.host(p.proxyHost)
        let username = p.username.isEmpty ? "" : try SSHConfigValues.login(p.username)
        let clusters: [[String: Any]] = try p.clusterNames.map { ["name": try SSHConfigValues.cluster($0)] }
        return [
            "appName": try SSHConfigValues.cluster(p.appName),
            "proxyHost": proxyHost,
            "proxyPort": String(p.proxyPort),
            "clusters": clusters,
            "knownHostsPath": try SSHConfigValues.path(p.knownHostsPath, name: "the known_hosts path"),
            "identityFilePath": try SSHConfigValues.path(p.identityFilePath, name: "the identity file path"),
            "certificateFilePath": try SSHConfigValues.path(p.certificateFilePath, name: "the certificate path"),
            "username": username,
            "hasUsername": !username.isEmpty,
            "port": String(p.port),
            "executablePath": try SSHConfigValues.executable(p.executablePath),
            // Flags after `proxy ssh`; empty by default, so the output stays tsh's.
            "proxyFlags": p.multiplex ? " --multiplex" : "",
        ]
    }

    public static func render(_ parameters: SSHConfigParameters,
                              template: String = EmbeddedTemplates.opensshConfig) throws -> String {
        let values = try variables(parameters)
        let compiled: MustacheTemplate
        do {
            compiled = try MustacheTemplate(string: template)
        } catch {
            throw TeleportError("the ssh_config template does not parse: \(error)")
        }
        let text = compiled.render(values)
        // Whatever the template, the result is one config: no NUL, LF line ends.
        guard !text.contains("\0"), !text.contains("\r") else {
            throw TeleportError("the rendered ssh_config contains NUL or CR characters; check the template")
        }
        return text
    }
}
