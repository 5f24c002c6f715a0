#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `tsh proxy ssh`: OpenSSH's ProxyCommand. It checks everything it can
/// before connecting, then runs the system `ssh` as the proxy leg with stdin
/// and stdout inherited, and stays its parent to explain failures and to
/// retry legs that failed before any byte was relayed.
public struct ProxySSH {
    public struct Request: Sendable {
        public var target: String
        public var proxy: String?
        public var cluster: String?
        public var login: String?
        public var relogin = true
        public var multiplex = false

        public init(target: String) {
            self.target = target
        }
    }

    public let connection: ProfileConnection
    public let cluster: String
    public let target: ProxyTarget
    public let login: String
    public let sshPath: String
    public let multiplex: Bool

    /// Resolves profile, cluster, login and target, and checks the
    /// certificate: an expired one is renewed on the terminal when allowed.
    public static func prepare(_ request: Request, store: ProfileStore) throws -> ProxySSH {
        let proxyHost: String
        if let proxy = request.proxy {
            proxyHost = try ProxyAddress.parse(proxy).host
        } else if let current = try store.directory.currentProfileName() {
            proxyHost = current
        } else {
            throw TeleportError("Not logged in; run 'tsh login --proxy=<proxy>'")
        }
        let connection = try validConnection(store: store, proxyHost: proxyHost, relogin: request.relogin)
        let cluster = request.cluster
            ?? (connection.entry.profile.cluster.isEmpty ? connection.rootCluster : connection.entry.profile.cluster)
        try Names.validateCluster(cluster)
        let target = try ProxyTarget.parse(request.target, proxyHost: proxyHost, cluster: cluster)
        let login = target.login ?? request.login ?? connection.entry.profile.user
        try Names.validateLogin(login)
        return ProxySSH(connection: connection, cluster: cluster, target: target, login: login,
                        sshPath: try ProfileConnection.sshPath(), multiplex: request.multiplex)
    }

    /// The profile with a certificate valid now. An expired one is renewed
    /// when allowed (on the terminal, or in the browser for an SSO profile),
    /// after which the caller must start over.
    static func validConnection(store: ProfileStore, proxyHost: String, relogin: Bool) throws -> ProfileConnection {
        let problem: String
        do {
            let connection = try ProfileConnection.load(store: store, proxyHost: proxyHost)
            guard connection.entry.certificate.isExpired() else { return connection }
            let when = TimeText.goStyle(Int64(clamping: connection.entry.certificate.validBefore))
            problem = "your certificate for \(proxyHost) expired at \(when)"
        } catch let error as TeleportError {
            guard FilePath.exists(store.directory.profilePath(proxyHost: proxyHost)) else { throw error }
            problem = error.message
        }
        // An SSO login needs no terminal, only a browser: the one relogin Go
        // tsh supports inside a ProxyCommand (VS Code, Ansible).
        guard relogin, let profile = try? store.loadProfile(proxyHost: proxyHost),
              Terminal.isAvailable || AuthConnectorName.isSSO(profile.authConnector) else {
            throw TeleportError("\(problem); run 'tsh login --proxy=\(proxyHost)'")
        }
        let sso = AuthConnectorName.isSSO(profile.authConnector)
        Console.err("\(problem); logging in again\(sso ? " in the browser" : "").\n")
        var login = InteractiveLogin(proxy: try ProxyAddress.parse(profile.webProxyAddr))
        login.user = profile.user.isEmpty ? nil : profile.user
        login.cluster = profile.cluster.isEmpty ? nil : profile.cluster
        login.authConnector = profile.authConnector.isEmpty ? nil : profile.authConnector
        login.bindAddress = Environment.value("TELEPORT_LOGIN_BIND_ADDR")
        login.openBrowser = Environment.value("TELEPORT_LOGIN_BROWSER") != "none"
        try login.run(store: store)
        // OpenSSH read its identity and certificate files while tsh was
        // starting, so this connection would still offer the expired ones.
        throw TeleportError("logged in to \(proxyHost) again; this connection was set up with the expired certificate, so run your command again")
    }

    public var subsystem: String { target.subsystem(cluster: cluster) }

    public var leg: ProxyLeg { connection.leg(login: login, sshPath: sshPath) }

    /// The leg's argument vector; with a control path, as a client of that master.
    public func arguments(controlPath: String? = nil) throws -> [String] {
        var leg = self.leg
        leg.controlPath = controlPath
        return try leg.arguments(subsystem: subsystem)
    }

    /// Runs the leg; returns the exit status for tsh to exit with.
    public func run() throws -> Int32 {
        // Held for the leg's lifetime: this leg's place on a shared master.
        let seat = multiplex
            ? try Multiplexing.takeSeat(directory: connection.store.directory, leg: leg) : nil
        let maxAttempts = 6
        var attempt = 0
        while true {
            attempt += 1
            if let seat { try startMasterIfNeeded(seat.controlPath) }
            let (result, _) = try ChildProcess.run(try arguments(controlPath: seat?.controlPath))
            if result.status == 0 {
                if !result.stderr.isEmpty { Console.err(result.stderr) }
                return 0
            }
            let failure = LegFailure.classify(result.stderr)
            switch failure {
            case .retryable where attempt < maxAttempts:
                backoff(attempt: attempt)
                continue
            case .refused(let message):
                Console.error(explainRefusal(message))
                return 1
            case .timeout:
                let said = result.stderr.split(whereSeparator: \.isNewline).first
                    .map { ": " + Names.printable(String($0).trimmingCharacters(in: " \r\t"), limit: 200) } ?? ""
                Console.error("the proxy \(connection.sshProxy) did not answer within \(leg.connectTimeoutSeconds) seconds (the profile's ssh_dial_timeout)\(said); check that it is up and reachable")
                return 1
            case .hostKey:
                Console.err(result.stderr)
                Console.error("the proxy \(connection.sshProxy) did not present a host certificate signed by a CA of \(connection.proxyHost) from your login; tsh never trusts a host key on first use. If the cluster rotated its CA, run 'tsh login --proxy=\(connection.proxyHost)'")
                return 1
            default:
                Console.err(result.stderr)
                return result.status == 0 ? 1 : result.status
            }
        }
    }

    /// Starts the master for a control path unless one is listening. Its
    /// handshake may be throttled like any connection's, so it is retried.
    private func startMasterIfNeeded(_ controlPath: String) throws {
        var master = leg
        master.controlPath = controlPath
        let arguments = try master.arguments(subsystem: subsystem, role: .master)
        try Multiplexing.ensureMaster(controlPath: controlPath) {
            for attempt in 1...6 {
                let (result, _) = try ChildProcess.run(arguments, stdinNull: true)
                if result.status == 0 && Multiplexing.isListening(controlPath) { return }
                if LegFailure.classify(result.stderr) != .retryable || attempt == 6 {
                    // The leg itself will connect directly and report the problem.
                    return
                }
                backoff(attempt: attempt)
            }
        }
    }

    /// Jittered exponential backoff: spreads a fan-out of legs over time.
    private func backoff(attempt: Int) {
        let base = 50_000 << min(attempt, 5)  // µs
        usleep(useconds_t(base + Int.random(in: 0...base)))
    }

    /// What the proxy said, or what tsh knows, about a refused connection.
    func explainRefusal(_ message: String?) -> String {
        let node = "\"\(target.host)\" (port \(target.port ?? 3022)) in cluster \"\(cluster)\""
        var text: String
        if let message {
            text = "the proxy refused \(node): \(Names.printable(message, limit: 1000))"
        } else {
            text = "the proxy refused \(node) and OpenSSH exited before printing its reason"
        }
        let known = knownClusters()
        if !known.isEmpty && !known.contains(cluster) {
            text += "\nthe proxy knows the clusters: \(known.joined(separator: ", ")); \"\(cluster)\" is not one of them"
        } else {
            if message == nil {
                text += "\nthe usual reason is that no node of that name is in the cluster's inventory"
            }
            text += "\nnode names are case-sensitive, but OpenSSH lowercases host names: if the node's name has capital letters, ask for case_insensitive_routing or use its UUID"
        }
        return text
    }

    /// The clusters behind the proxy: asked afresh, else from the cache.
    private func knownClusters() -> [String] {
        if let sites = try? ClusterList.fetch(connection: connection) { return sites.map(\.name) }
        return (try? connection.store.cachedClusters(proxyHost: connection.proxyHost)) ?? []
    }
}
