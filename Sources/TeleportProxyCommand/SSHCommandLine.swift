import TeleportProfile
import TeleportSupport

/// `tsh ssh` and `tsh scp`: the system OpenSSH client, given everything it
/// needs as `-o` options (no config file: `-F none`), with `tsh proxy ssh`
/// as its ProxyCommand. The argument vector is built here from validated
/// values only; the CLI runs it (or prints it with `--dry-run`).
public struct SSHCommandLine: Equatable, Sendable {
    /// What the profile contributes, resolved from the store.
    public struct Context: Equatable, Sendable {
        public var tshPath: String
        public var proxyHost: String
        public var webPort: Int
        public var cluster: String
        public var knownHostsPath: String
        public var identityPath: String
        public var certificatePath: String

        public init(tshPath: String, proxyHost: String, webPort: Int, cluster: String, knownHostsPath: String,
                    identityPath: String, certificatePath: String) {
            self.tshPath = tshPath
            self.proxyHost = proxyHost
            self.webPort = webPort
            self.cluster = cluster
            self.knownHostsPath = knownHostsPath
            self.identityPath = identityPath
            self.certificatePath = certificatePath
        }
    }

    /// `tsh ssh`'s own options.
    public struct SSHOptions: Equatable, Sendable {
        public var login: String?
        public var port: Int?
        /// `-L`, `-R`, `-D` with their specifications, in order.
        public var forwards: [(flag: String, spec: String)] = []
        public var forwardAgent = false
        /// `-t` (true), `-T` (false), or neither.
        public var tty: Bool?
        public var command: [String] = []

        public init() {}

        public static func == (a: SSHOptions, b: SSHOptions) -> Bool {
            a.login == b.login && a.port == b.port && a.forwardAgent == b.forwardAgent && a.tty == b.tty
                && a.command == b.command && a.forwards.map { $0.flag + $0.spec } == b.forwards.map { $0.flag + $0.spec }
        }
    }

    /// `user@host` split at the last `@` (node names have none); the host is
    /// a node name (case-sensitive) or a UUID.
    public static func splitTarget(_ text: String) throws -> (login: String?, host: String) {
        var login: String?
        var host = Substring(text)
        if let at = text.lastIndex(of: "@") {
            login = String(text[..<at])
            host = text[text.index(after: at)...]
            try Names.validateLogin(login!)
        }
        try Names.validateHost(String(host), kind: "node name")
        return (login, String(host))
    }

    /// The options every connection to a node gets: identity, certificate,
    /// known_hosts (the cluster's host CA, matched as `<host>.<cluster>`, so
    /// OpenSSH's lowercasing of host names does not matter) and ProxyCommand.
    /// The node name goes into the ProxyCommand literally, not as `%h`.
    static func commonOptions(_ context: Context, host: String, port: Int) throws -> [String] {
        try Names.validateHost(host, kind: "node name")
        try Names.validateCluster(context.cluster)
        try Names.validateHost(context.proxyHost, kind: "proxy host")
        guard (1...65535).contains(port), (1...65535).contains(context.webPort) else {
            throw TeleportError("invalid port \(port)")
        }
        func quoted(_ path: String, _ name: String) throws -> String {
            "\"" + (try SSHConfigValues.path(path, name: name)) + "\""
        }
        let executable = "\"" + (try SSHConfigValues.executable(context.tshPath)) + "\""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let proxyCommand = [
            executable, "proxy", "ssh", "--cluster=\(context.cluster)",
            "--proxy=\(context.proxyHost):\(context.webPort)", "%r@\(hostPart):%p",
        ].joined(separator: " ")
        return [
            "-F", "none",
            "-o", "UserKnownHostsFile=" + (try quoted(context.knownHostsPath, "the known_hosts path")),
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "HostKeyAlias=\(host).\(context.cluster)",
            "-o", "IdentityFile=" + (try quoted(context.identityPath, "the identity file path")),
            "-o", "CertificateFile=" + (try quoted(context.certificatePath, "the certificate path")),
            "-o", "IdentitiesOnly=yes",
            "-o", "ProxyCommand=" + proxyCommand,
        ]
    }

    /// `ssh -F none -o … [-l login] -p port [forwards] [-A] [-t|-T] host [--] [command]`.
    public static func ssh(sshPath: String, context: Context, target: String, options: SSHOptions) throws -> [String] {
        let (targetLogin, host) = try splitTarget(target)
        let port = options.port ?? Ports.nodeSSH
        var args = [sshPath] + (try commonOptions(context, host: host, port: port))
        if let login = targetLogin ?? options.login {
            try Names.validateLogin(login)
            args += ["-l", login]
        }
        args += ["-p", String(port)]
        for (flag, spec) in options.forwards {
            guard ["-L", "-R", "-D"].contains(flag), !spec.isEmpty, !spec.hasPrefix("-"),
                  spec.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
                throw TeleportError("invalid forwarding \(flag) \(Names.quoted(spec))")
            }
            args += [flag, spec]
        }
        if options.forwardAgent { args += ["-o", "ForwardAgent=yes"] }
        if let tty = options.tty { args.append(tty ? "-t" : "-T") }
        // `--`: ssh parses options after the destination too, unless the
        // options were ended before it; the command is then taken as it is.
        args += ["--", host]
        args += options.command
        return args
    }

    /// `scp -F none -o … [-r] -P port source… target`: exactly one node may
    /// appear in the `[user@]node:path` arguments (the options name one host).
    public static func scp(scpPath: String, context: Context, paths: [String], recursive: Bool,
                           port: Int?, login: String?) throws -> [String] {
        guard paths.count >= 2 else { throw TeleportError("scp needs at least a source and a target") }
        var host: String?
        for path in paths {
            guard !path.hasPrefix("-") else {
                throw TeleportError("refusing path \(Names.quoted(path)) that starts with '-'; write ./\(path)")
            }
            guard let remote = try remoteHost(of: path) else { continue }
            if let host, host != remote.host {
                throw TeleportError("tsh scp copies to or from one node at a time; found \(Names.quoted(host)) and \(Names.quoted(remote.host))")
            }
            host = remote.host
        }
        guard let host else { throw TeleportError("none of the paths names a node: write [user@]node:path") }
        let nodePort = port ?? Ports.nodeSSH
        var args = [scpPath] + (try commonOptions(context, host: host, port: nodePort))
        if let login {
            try Names.validateLogin(login)
            args += ["-o", "User=\(login)"]
        }
        args += ["-P", String(nodePort)]
        if recursive { args.append("-r") }
        args.append("--")
        return args + paths
    }

    /// The node of `[user@]node:path`, as scp reads it: a colon before any
    /// slash. Local paths (with a slash first, or no colon) give nil.
    static func remoteHost(of path: String) throws -> (login: String?, host: String)? {
        guard let colon = path.firstIndex(of: ":") else { return nil }
        if let slash = path.firstIndex(of: "/"), slash < colon { return nil }
        let spec = String(path[..<colon])
        guard !spec.isEmpty else { return nil }
        return try splitTarget(spec)
    }

    /// The context of the selected profile: its certificate must be valid
    /// (an expired one is renewed on the terminal when `relogin` is given,
    /// and then this starts over, since nothing was run yet).
    public static func context(selection: ProfileSelection, store: ProfileStore,
                               relogin: ProxySSH.Relogin?) throws -> Context {
        guard let proxyHost = try selection.proxyHost(in: store.directory) else {
            throw TeleportError("Not logged in; run 'tsh login --proxy=<proxy>'", kind: .notLoggedIn)
        }
        let legProfile: LegProfile
        do {
            legProfile = try ProxySSH.validProfile(store: store, proxyHost: proxyHost, relogin: relogin)
        } catch let error as TeleportError where relogin != nil && error.message.hasPrefix("logged in to ") {
            legProfile = try ProxySSH.validProfile(store: store, proxyHost: proxyHost, relogin: nil)
        }
        let profile = legProfile.entry.profile
        let cluster = selection.cluster ?? (profile.cluster.isEmpty ? legProfile.rootCluster : profile.cluster)
        try Names.validateCluster(cluster)
        let web = try HostPort.parse(profile.webProxyAddr, defaultPort: 443)
        let dir = store.directory
        return Context(tshPath: try Executable.path(), proxyHost: web.host, webPort: web.port, cluster: cluster,
                       knownHostsPath: dir.knownHostsPath,
                       identityPath: dir.sshKeyPath(proxyHost: proxyHost, user: profile.user),
                       certificatePath: legProfile.entry.certificatePath)
    }

    /// A program on PATH, or `override` (e.g. `$TSH_SSH`).
    public static func program(_ name: String, override: String?) throws -> String {
        if let override { return override }
        guard let found = ChildProcess.which(name) else {
            throw TeleportError("the OpenSSH client '\(name)' is not on PATH; install openssh-client")
        }
        return found
    }

    /// Replaces tsh with the program, so its terminal, signals and exit
    /// status are the user's, as if they had typed the command themselves.
    public static func exec(_ arguments: [String]) throws -> Never {
        var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(arguments[0], &cArgs)
        let reason = String(cString: strerror(errno))
        for p in cArgs { free(p) }
        throw TeleportError("cannot run \(arguments[0]): \(reason)")
    }

    /// The argv for `--dry-run`, one shell-quoted line.
    public static func shellLine(_ arguments: [String]) -> String {
        ShellWords.join(arguments) + "\n"
    }
}
