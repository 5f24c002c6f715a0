import ArgumentParser
import TeleportKeys
import TeleportLogin
import TeleportProfile
import TeleportProxyCommand
import TeleportSSHConfig
import TeleportSupport
import TeleportWebAPI

/// `tsh login`: a local user's password (and OTP), or single sign-on in the
/// browser, for short-lived certificates, stored in `~/.tsh` as real tsh lays
/// it out.
struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in to a cluster and retrieve the session certificate.",
        discussion: """
            Examples:
              tsh login --proxy=teleport.example.com --user=alice
              tsh login --proxy=teleport.example.com --cluster=leaf --ttl=60
              tsh login --user=alice --out=alice.pem --format=openssh
              tsh login --proxy=teleport.example.com -k only   # the key in ssh-agent alone
            """)

    /// Status formats, and with `--out` the identity file formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, yaml, file, openssh
    }

    @OptionGroup var proxyOption: ProxyOption
    @OptionGroup var clusterOption: ClusterOption
    @OptionGroup var userOption: UserOption
    @OptionGroup var agentOption: AgentOption

    @Flag(name: .long, help: "Do not verify the proxy's TLS certificate. Not safe: use only for tests.")
    var insecure = false

    @Option(name: .long, help: "Certificate lifetime in minutes (default: the cluster's, 12 hours).")
    var ttl: Int?

    @Flag(name: .long, help: "Read the password from the first line of stdin.")
    var passwordStdin = false

    @Option(name: .long, help: "One-time password from an authenticator app.")
    var otp: String?

    @Option(name: .long, help: "Authentication connector: local, or an SSO connector's name (default: the profile's, else the cluster's). Env: TELEPORT_AUTH.")
    var auth: String?

    @Option(name: .long, help: "host:port for the SSO login's local callback (default 127.0.0.1, any port). Env: TELEPORT_LOGIN_BIND_ADDR.")
    var bindAddr: String?

    @Option(name: .long, help: "Set to 'none' to suppress browser opening on SSO login. Env: TELEPORT_LOGIN_BROWSER.")
    var browser: String?

    @Flag(name: .long, help: "Do not warn when the cluster expects a newer client.")
    var skipVersionCheck = false

    @Option(name: [.short, .customLong("out")], help: "Write an identity file here instead of a profile.")
    var out: String?

    @Option(help: "Status format (text, json, yaml), or with --out the identity format (file, openssh).")
    var format: Format?

    private var selection: ProfileSelection {
        ProfileSelection(proxy: proxyOption.proxy, cluster: clusterOption.cluster, user: userOption.user)
    }

    /// Checks across options, before anything runs.
    func validate() throws {
        if let ttl, !(1...(30 * 60)).contains(ttl) {
            throw ValidationError("--ttl must be between 1 and 1800 minutes (30 hours)")
        }
        _ = try identityFormat()
        _ = try agentOption.mode()
    }

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let current = try? store.directory.currentProfileName().flatMap { try? store.loadEntry(proxyHost: $0) }
        let identityFormat = try self.identityFormat()
        if identityFormat == nil, let current, isAlreadyLoggedIn(current) {
            try printStatus(store)
            return
        }
        guard let proxyText = selection.proxy ?? current.map({ $0.profile.webProxyAddr }) else {
            throw TeleportError("no proxy given; pass --proxy=<host> or set TELEPORT_PROXY")
        }
        var login = InteractiveLogin(proxy: try ProxyAddress.parse(proxyText))
        login.user = selection.user
        login.cluster = selection.cluster
        login.ttlMinutes = ttl
        login.insecure = insecure
        login.passwordFromStdin = passwordStdin
        login.otp = otp
        login.skipVersionCheck = skipVersionCheck
        login.authConnector = authValue
        login.bindAddress = bindAddr ?? Environment.value("TELEPORT_LOGIN_BIND_ADDR")
        login.openBrowser = (browser ?? Environment.value("TELEPORT_LOGIN_BROWSER")) != "none"
        if let out, let identityFormat { login.identityOutput = (out, identityFormat) }
        login.agent = try agentOption.mode()
        let material = try LoginFlow.run(login, store: store)

        if let out {
            Console.out("\nThe certificate has been written to \(out)\n")
        } else if login.agent == .only {
            // No certificate file to read the status from: it is in the agent.
            let certificate = try SSHCertificate(line: material.sshCertificateLine)
            let active = ProfileStatus(profile: material.profile, certificate: certificate, isActive: true)
            let others = try store.statuses().others.filter { $0.proxyURL != active.proxyURL }
            printStatus(StatusReport(active: active, others: others))
        } else {
            try printStatus(store)
        }
    }

    /// As tsh: with a valid certificate, `tsh login` alone, or naming the same
    /// proxy and cluster (and user), only shows the status.
    private func isAlreadyLoggedIn(_ current: ProfileStore.Entry) -> Bool {
        guard !current.certificate.isExpired() else { return false }
        if let user = selection.user, user != current.profile.user { return false }
        if let auth = authValue, auth != current.profile.authConnector { return false }
        if selection.proxy == nil && selection.cluster == nil { return true }
        guard let proxy = selection.proxy, let host = try? ProxyAddress.parse(proxy).host else { return false }
        return host == current.profile.proxyHost && selection.cluster == current.profile.cluster
    }

    private var authValue: String? {
        (auth ?? Environment.value("TELEPORT_AUTH")).flatMap { $0.isEmpty ? nil : $0 }
    }

    private func identityFormat() throws -> IdentityFile.Format? {
        guard out != nil else {
            if format == .file || format == .openssh {
                throw ValidationError("--format \(format!.rawValue) writes an identity file: add --out=<path>")
            }
            return nil
        }
        switch format {
        case nil, .file?: return .file
        case .openssh?: return .openssh
        case let other?: throw ValidationError("--out writes an identity file: use --format file or openssh, not \(other.rawValue)")
        }
    }

    private func printStatus(_ store: ProfileStore) throws {
        let (active, others) = try store.statuses()
        printStatus(StatusReport(active: active, others: others))
    }

    private func printStatus(_ report: StatusReport) {
        let statusFormat: OutputFormat = format.flatMap { OutputFormat(rawValue: $0.rawValue) } ?? .text
        Console.out(report.rendered(statusFormat, now: TimeText.now()))
    }
}
