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
    /// `-o PATH` with its format: write an identity file instead of a profile.
    public var identityOutput: (path: String, format: IdentityFile.Format)?

    public init(proxy: ProxyAddress) {
        self.proxy = proxy
    }

    /// Logs in and returns the proxy host of the saved profile (or of the
    /// identity file written).
    @discardableResult
    public func run(store: ProfileStore) throws -> String {
        var http = HTTPClient.Options()
        if insecure {
            http.insecure = true
            let port = proxy.webPort.map { ":\($0)" } ?? ""
            Console.warning("You are using insecure connection to Teleport proxy https://\(proxy.host)\(port)")
        }
        var discovery = try ProxyDiscovery.discover(proxy, http: HTTPClient(options: http))
        discovery.probeConnectionUpgrade(
            trust: insecure ? .insecure : .system(caFile: http.caFile, caDirectory: http.caPath))
        if !skipVersionCheck, let warning = discovery.versionWarning { Console.err(warning) }

        let current = try? store.directory.currentProfileName().flatMap { try? store.loadProfile(proxyHost: $0) }
        let sameProxy = current?.proxyHost == discovery.webProxyAddr.host
        guard let user = user ?? (sameProxy ? current?.user : nil) ?? Environment.value("USER") else {
            throw TeleportError("no user given; pass --user=<name> or set TELEPORT_USER")
        }
        let login = PasswordLogin(discovery: discovery, user: user, cluster: cluster, ttlMinutes: ttlMinutes)
        let material = try login.run(credentials: credentials(user: user))
        if let output = identityOutput {
            try IdentityFile.write(material, to: output.path, format: output.format)
            return material.profile.proxyHost
        }
        try ProfileLock.with(store.directory) { try store.save(material) }
        return material.profile.proxyHost
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
