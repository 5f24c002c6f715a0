import ArgumentParser
import TeleportClient

#if canImport(Glibc)
import Glibc
#endif

/// `tsh login`: a local user's password (and OTP) for short-lived
/// certificates, stored in `~/.tsh` as real tsh lays it out.
struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in to a cluster and retrieve the session certificate.")

    @OptionGroup var options: ProxyOptions

    @Option(name: .long, help: "Certificate lifetime in minutes (default: the cluster's, 12 hours).")
    var ttl: Int?

    @Flag(name: .long, help: "Read the password from the first line of stdin.")
    var passwordStdin = false

    @Option(name: .long, help: "One-time password from an authenticator app.")
    var otp: String?

    @Flag(name: .long, help: "Do not warn when the cluster expects a newer client.")
    var skipVersionCheck = false

    @Option(help: "Format of the status printed after login: text, json or yaml.")
    var format: OutputFormat = .text

    func run() throws {
        let directory = try ProfileDirectory.resolve()
        let store = ProfileStore(directory: directory)
        let current = try? directory.currentProfileName().flatMap { try? store.loadProfile(proxyHost: $0) }

        guard let proxyText = options.proxyValue ?? current.map({ $0.webProxyAddr }) else {
            throw TeleportError("no proxy given; pass --proxy=<host> or set TELEPORT_PROXY")
        }
        if let ttl, !(1...(30 * 60)).contains(ttl) {
            throw TeleportError("--ttl must be between 1 and 1800 minutes (30 hours)")
        }
        let proxy = try ProxyAddress.parse(proxyText)
        var http = HTTPClient.Options()
        if options.insecure {
            http.insecure = true
            let port = proxy.webPort.map { ":\($0)" } ?? ""
            Console.warning("You are using insecure connection to Teleport proxy https://\(proxy.host)\(port)")
        }
        let discovery = try ProxyDiscovery.discover(proxy, http: HTTPClient(options: http))
        if !skipVersionCheck, let warning = discovery.versionWarning { Console.err(warning) }

        let sameProxy = current?.proxyHost == discovery.webProxyAddr.host
        guard let user = options.userValue ?? (sameProxy ? current?.user : nil) ?? Environment.value("USER") else {
            throw TeleportError("no user given; pass --user=<name> or set TELEPORT_USER")
        }
        let login = PasswordLogin(discovery: discovery, user: user, cluster: options.clusterValue, ttlMinutes: ttl)
        let passwordStdin = self.passwordStdin
        let otpFlag = otp
        let material = try login.run(credentials: .init(
            password: {
                if passwordStdin { return try Terminal.readLineFromStdin() }
                return try Terminal.readSecret(prompt: "Enter password for Teleport user \(user):\n")
            },
            otp: { optional in
                if let otpFlag { return otpFlag }
                // Optional second factor with nobody to ask: go without it.
                if optional && (passwordStdin || !Terminal.isAvailable) { return "" }
                let hint = optional ? " (press Enter to skip)" : ""
                return try Terminal.readSecret(prompt: "Enter an OTP code from a device\(hint):\n")
            }))

        try ProfileLock.with(directory) { try store.save(material) }

        let (active, others) = try store.statuses()
        try StatusOutput.print(active: active, others: others, format: format)
    }
}
