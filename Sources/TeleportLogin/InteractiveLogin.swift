import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportTransport
import TeleportWebAPI

/// The whole `tsh login`: discover the proxy, ask for credentials, get
/// certificates, and save them under the lock. Shared by `tsh login` and the
/// relogin of `tsh proxy ssh`; the CLI then refreshes the cluster cache
/// (TeleportProxyCommand), a layer this one does not depend on.
public struct InteractiveLogin {
    public var proxy: ProxyAddress
    public var user: String?
    public var cluster: String?
    public var ttlMinutes: Int?
    public var insecure = false
    public var passwordFromStdin = false
    public var otp: String?
    public var skipVersionCheck = false
    /// `--auth` / `TELEPORT_AUTH`: `local`, or an SSO connector's name. When
    /// nil, the profile's `auth_connector` for this proxy, else ping's default.
    public var authConnector: String?
    /// `--bind-addr` / `TELEPORT_LOGIN_BIND_ADDR`, for the SSO callback.
    public var bindAddress: String?
    /// False with `--browser=none` / `TELEPORT_LOGIN_BROWSER=none`.
    public var openBrowser = true
    /// `-o PATH` with its format: write an identity file instead of a profile.
    public var identityOutput: (path: String, format: IdentityFile.Format)?
    /// `-k/--add-keys-to-agent`: whether the key also goes to the SSH agent,
    /// or only there. Ignored with ``identityOutput``.
    public var agent: AddKeysToAgent = .no

    public init(proxy: ProxyAddress) {
        self.proxy = proxy
    }

    /// Logs in and returns what it saved (or wrote to the identity file).
    @discardableResult
    public func run(store: ProfileStore) throws -> LoginMaterial {
        if identityOutput == nil { try agent.checkUsable() }
        var http = HTTPClient.Options()
        if insecure {
            http.insecure = true
            let port = proxy.webPort.map { ":\($0)" } ?? ""
            Console.warning("You are using insecure connection to Teleport proxy https://\(proxy.host)\(port)")
        }
        let current = try? store.directory.currentProfileName().flatMap { try? store.loadProfile(proxyHost: $0) }
        // As Go tsh (lib/client/api.go LoadProfile): the profile's connector
        // is used again unless --auth names one.
        let profileConnector = current?.proxyHost == proxy.host ? current?.authConnector : nil
        let connector = authConnector ?? profileConnector.flatMap { $0.isEmpty ? nil : $0 }
        var discovery = try ProxyDiscovery.discover(proxy, http: HTTPClient(options: http), connector: connector)
        discovery.probeConnectionUpgrade(
            trust: insecure ? .insecure : .system(caFile: http.caFile, caDirectory: http.caPath))
        if !skipVersionCheck, let warning = discovery.versionWarning { Console.err(warning) }

        let output = identityOutput
        let mode = agent
        let commit: (LoginMaterial) throws -> Void = { material in
            if let output {
                try IdentityFile.write(material, to: output.path, format: output.format)
            } else {
                try AgentKeys.save(material, in: store, mode: mode)
            }
        }
        let material: LoginMaterial
        if let sso = try SSOLogin.Connector.from(ping: discovery.ping.auth, requested: connector) {
            var login = SSOLogin(discovery: discovery, connector: sso, cluster: cluster, ttlMinutes: ttlMinutes)
            login.bindAddress = bindAddress
            login.openBrowser = openBrowser
            material = try login.run(commit: commit)
        } else {
            let sameProxy = current?.proxyHost == discovery.webProxyAddr.host
            guard let user = user ?? (sameProxy ? current?.user : nil) ?? Environment.value("USER") else {
                throw TeleportError("no user given; pass --user=<name> or set TELEPORT_USER")
            }
            let login = MFALogin(discovery: discovery, user: user, cluster: cluster, ttlMinutes: ttlMinutes)
            material = try login.run(credentials: credentials(user: user))
            try commit(material)
        }
        return material
    }

    func credentials(user: String) -> PasswordLogin.Credentials {
        let fromStdin = passwordFromStdin
        let otpFlag = otp
        return PasswordLogin.Credentials(
            password: {
                if fromStdin { return try Terminal.readLineFromStdin() }
                return try Terminal.readSecret(prompt: "Enter password for Teleport user \(user):\n")
            },
            otp: { optional in
                if let otpFlag { return otpFlag }
                // An optional second factor with nobody to ask: go without it.
                if optional && (fromStdin || !Terminal.isAvailable) { return "" }
                let hint = optional ? " (press Enter to skip)" : ""
                return try Terminal.readSecret(prompt: "Enter an OTP code from a device\(hint):\n")
            })
    }
}
