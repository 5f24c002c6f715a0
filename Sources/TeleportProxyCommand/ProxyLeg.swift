import TeleportProfile
import TeleportSupport

/// The proxy leg: the system OpenSSH client, connected to the proxy's SSH
/// port with the profile's certificate, asking for a subsystem. Its argument
/// vector is fixed and built from validated values only.
public struct ProxyLeg: Sendable, Equatable {
    public var sshPath: String
    public var proxyHost: String          // the profile name and known_hosts alias
    public var sshProxy: HostPort         // where to connect
    public var login: String
    public var knownHostsPath: String
    public var identityPath: String
    public var certificatePath: String
    public var connectTimeoutSeconds: Int
    /// A ControlMaster socket to share one authenticated connection, or nil.
    public var controlPath: String?
    public var controlPersistSeconds = 60
    /// With TLS routing, the proxy's SSH service is reached inside TLS (ALPN
    /// `teleport-proxy-ssh`): ssh then runs `tsh proxy tls-relay` as its
    /// ProxyCommand, given here as its argument vector.
    public var tlsRelay: [String]?

    public enum Role: Sendable {
        /// A leg of its own, or a client of the master at `controlPath`.
        case leg
        /// `-N` master for `controlPath`, backgrounded by ControlPersist.
        case master
    }

    public init(sshPath: String, proxyHost: String, sshProxy: HostPort, login: String, knownHostsPath: String,
                identityPath: String, certificatePath: String, connectTimeoutSeconds: Int, controlPath: String? = nil,
                tlsRelay: [String]? = nil) {
        self.sshPath = sshPath
        self.proxyHost = proxyHost
        self.sshProxy = sshProxy
        self.login = login
        self.knownHostsPath = knownHostsPath
        self.identityPath = identityPath
        self.certificatePath = certificatePath
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.controlPath = controlPath
        self.tlsRelay = tlsRelay
    }

    /// `ssh … -s <proxy> <subsystem>`, or the master with `role: .master`.
    public func arguments(subsystem: String, role: Role = .leg) throws -> [String] {
        try Names.validateHost(proxyHost, kind: "proxy host")
        try Names.validateHost(sshProxy.host, kind: "SSH proxy host")
        try Names.validateLogin(login)
        guard subsystem.allSatisfy({ !$0.isWhitespace && $0 != "\"" }) else {
            throw TeleportError("invalid subsystem \(Names.quoted(subsystem))")
        }
        func quoted(_ path: String, _ name: String) throws -> String {
            "\"" + (try SSHConfigValues.path(path, name: name)) + "\""
        }
        var args = [
            sshPath,
            "-F", "none",                        // the user's config can neither interfere nor recurse
            "-p", String(sshProxy.port),
            "-l", login,
            "-o", "UserKnownHostsFile=" + (try quoted(knownHostsPath, "the known_hosts path")),
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "HostKeyAlias=" + proxyHost,
            "-o", "IdentityFile=" + (try quoted(identityPath, "the identity file path")),
            "-o", "CertificateFile=" + (try quoted(certificatePath, "the certificate path")),
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", "ForwardAgent=no",
            "-o", "ForwardX11=no",
            "-o", "ClearAllForwardings=yes",
            "-o", "ConnectTimeout=\(max(1, connectTimeoutSeconds))",
            "-T", "-e", "none",
        ]
        if let tlsRelay {
            // ssh runs ProxyCommand through /bin/sh and expands % tokens: the
            // executable is validated for the shell, the rest are plain names.
            let executable = "\"" + (try SSHConfigValues.executable(tlsRelay[0])) + "\""
            let rest = try tlsRelay.dropFirst().map { word -> String in
                guard word.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII
                    || ("0"..."9").contains($0) || "-=.:[]_,".unicodeScalars.contains($0) }) else {
                    throw TeleportError("invalid relay argument \(Names.quoted(word))")
                }
                return word
            }
            args += ["-o", "ProxyCommand=" + ([executable] + rest).joined(separator: " ")]
        }
        if let controlPath {
            args += ["-o", "ControlPath=" + (try quoted(controlPath, "the control socket path"))]
            switch role {
            case .leg:
                args += ["-o", "ControlMaster=no"]
            case .master:
                args += ["-o", "ControlMaster=yes", "-o", "ControlPersist=\(controlPersistSeconds)", "-N", sshProxy.host]
                return args
            }
        }
        args += ["-s", sshProxy.host, subsystem]
        return args
    }
}
