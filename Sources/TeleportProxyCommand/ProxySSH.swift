import TeleportProfile
import TeleportSupport
import TeleportTransport

/// `tsh proxy ssh`: OpenSSH's ProxyCommand. It checks everything it can
/// before connecting, then runs the system `ssh` as the proxy leg with stdin
/// and stdout inherited, and stays its parent to explain failures and to
/// retry legs that failed before any byte was relayed.
public struct ProxySSH {
    public struct Request: Equatable, Sendable {
        public var target: String
        /// The profile and cluster (`--proxy`, `--cluster` and their fallbacks).
        public var selection = ProfileSelection(environment: { _ in nil })
        public var login: String?
        public var relogin = true
        public var multiplex = false
        public var transport = ProxyTransport.auto

        public init(target: String) {
            self.target = target
        }
    }

    public let legProfile: LegProfile
    public let cluster: String
    public let target: ProxyTarget
    public let login: String
    public let sshPath: String
    public let multiplex: Bool
    public let transport: ProxyTransport

    /// Logs in again to the profile's proxy, as its user and cluster. The CLI
    /// passes it in: logging in is a layer (TeleportLogin) above this one.
    public typealias Relogin = (_ profile: Profile, _ store: ProfileStore) throws -> Void

    /// Resolves profile, cluster, login and target, and checks the
    /// certificate: an expired one is renewed on the terminal when allowed.
    public static func prepare(_ request: Request, store: ProfileStore, relogin: @escaping Relogin) throws -> ProxySSH {
        guard let proxyHost = try request.selection.proxyHost(in: store.directory) else {
            throw TeleportError("Not logged in; run 'tsh login --proxy=<proxy>'", kind: .notLoggedIn)
        }
        let legProfile = try validProfile(store: store, proxyHost: proxyHost, relogin: request.relogin ? relogin : nil)
        let cluster = request.selection.cluster
            ?? (legProfile.entry.profile.cluster.isEmpty ? legProfile.rootCluster : legProfile.entry.profile.cluster)
        try Names.validateCluster(cluster)
        let target = try ProxyTarget.parse(request.target, proxyHost: proxyHost, cluster: cluster)
        let login = target.login ?? request.login ?? legProfile.entry.profile.user
        try Names.validateLogin(login)
        return ProxySSH(legProfile: legProfile, cluster: cluster, target: target, login: login,
                        sshPath: try LegProfile.sshPath(), multiplex: request.multiplex,
                        transport: request.transport)
    }

    /// The profile with a certificate valid now. An expired one is renewed
    /// when allowed (on the terminal, or in the browser for an SSO profile),
    /// after which the caller must start over.
    static func validProfile(store: ProfileStore, proxyHost: String, relogin: Relogin?) throws -> LegProfile {
        let problem: String
        var kind = TeleportError.Kind.expired
        do {
            let legProfile = try LegProfile.load(store: store, proxyHost: proxyHost)
            guard let expired = legProfile.entry.expiryProblem(proxyHost: proxyHost) else { return legProfile }
            problem = expired
        } catch let error as TeleportError {
            guard FileSystem.exists(store.directory.profilePath(proxyHost: proxyHost)) else { throw error }
            problem = error.message
            kind = error.kind
        }
        // An SSO login needs no terminal, only a browser: the one relogin Go
        // tsh supports inside a ProxyCommand (VS Code, Ansible).
        guard let relogin, let profile = try? store.loadProfile(proxyHost: proxyHost),
              Terminal.isAvailable || profile.usesSSOConnector else {
            throw TeleportError("\(problem); run 'tsh login --proxy=\(proxyHost)'", kind: kind)
        }
        Console.err("\(problem); logging in again\(profile.usesSSOConnector ? " in the browser" : "").\n")
        try relogin(profile, store)
        // OpenSSH read its identity and certificate files while tsh was
        // starting, so this connection would still offer the expired ones.
        throw TeleportError("logged in to \(proxyHost) again; this legProfile was set up with the expired certificate, so run your command again")
    }

    public var subsystem: String { target.subsystem(cluster: cluster) }

    public var leg: ProxyLeg { legProfile.leg(login: login, sshPath: sshPath) }

    /// The leg's argument vector; with a control path, as a client of that master.
    public func arguments(controlPath: String? = nil) throws -> [String] {
        var leg = self.leg
        leg.controlPath = controlPath
        return try leg.arguments(subsystem: subsystem)
    }

    /// Runs the connection: the native gRPC leg when the profile allows it,
    /// else (or when the proxy does not offer it) the OpenSSH leg. Returns the
    /// exit status for tsh to exit with. A failure tsh can explain is thrown
    /// (kind `.refused`, `.timeout`, `.untrusted` …) for the CLI to print;
    /// ssh's own stderr is relayed as it is.
    public func run() throws -> Int32 {
        if transport != .openssh {
            let (native, why) = NativeRoute.make(legProfile: legProfile)
            Debug.log("proxy ssh: transport \(native == nil ? "openssh" : "grpc") (--transport=\(transport)): \(why)")
            if let native {
                let stream = ProxySSHStream(route: native.route, hostPort: target.hostPort,
                                            cluster: cluster, login: login)
                do {
                    try BlockingCall.run { try await stream.run() }
                    return 0
                } catch let error as TeleportError where transport == .auto && error.kind == .unsupported {
                    // An older proxy: nothing was read from stdin yet, so the
                    // OpenSSH leg can take over the same connection.
                } catch let error as TeleportError {
                    throw explain(error, route: native.route)
                }
            } else if transport == .grpc {
                throw TeleportError(why)
            }
        }
        return try runOpenSSHLeg()
    }

    /// The OpenSSH leg: the system ssh asking for the `proxy:` subsystem.
    func runOpenSSHLeg() throws -> Int32 {
        // Held for the leg's lifetime: this leg's place on a shared master.
        let seat = multiplex
            ? try Multiplexing.takeSeat(directory: legProfile.store.directory, leg: leg) : nil
        let maxAttempts = 6
        var attempt = 0
        while true {
            attempt += 1
            if let seat { try startMasterIfNeeded(seat.controlPath) }
            let legArguments = try arguments(controlPath: seat?.controlPath)
            Debug.log("proxy ssh: OpenSSH leg, attempt \(attempt): \(ShellWords.join(legArguments))")
            let (result, _) = try ChildProcess.run(legArguments)
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
                throw TeleportError(explainRefusal(message), kind: .refused)
            case .timeout:
                let said = result.stderr.split(whereSeparator: \.isNewline).first
                    .map { ": " + Names.printable(String($0).trimmingCharacters(in: " \r\t"), limit: 200) } ?? ""
                throw TeleportError("the proxy \(legProfile.sshProxy) did not answer within \(leg.connectTimeoutSeconds) seconds (the profile's ssh_dial_timeout)\(said); check that it is up and reachable", kind: .timeout)
            case .hostKey:
                Console.err(result.stderr)
                throw TeleportError("the proxy \(legProfile.sshProxy) did not present a host certificate signed by a CA of \(legProfile.proxyHost) from your login; tsh never trusts a host key on first use. If the cluster rotated its CA, run 'tsh login --proxy=\(legProfile.proxyHost)'", kind: .untrusted)
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
                if result.status == 0 && UnixSocket.isListening(controlPath) { return }
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
        let node = "\"\(target.host)\" (port \(target.port ?? Ports.nodeSSH)) in cluster \"\(cluster)\""
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
        if let sites = try? ClusterList.fetch(legProfile: legProfile) { return sites.map(\.name) }
        return (try? legProfile.store.cachedClusters(proxyHost: legProfile.proxyHost)) ?? []
    }
}
