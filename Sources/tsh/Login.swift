import ArgumentParser
import TeleportClient

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
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let current = try? store.directory.currentProfileName().flatMap { try? store.loadProfile(proxyHost: $0) }
        guard let proxyText = options.proxyValue ?? current.map({ $0.webProxyAddr }) else {
            throw TeleportError("no proxy given; pass --proxy=<host> or set TELEPORT_PROXY")
        }
        if let ttl, !(1...(30 * 60)).contains(ttl) {
            throw TeleportError("--ttl must be between 1 and 1800 minutes (30 hours)")
        }
        var login = InteractiveLogin(proxy: try ProxyAddress.parse(proxyText))
        login.user = options.userValue
        login.cluster = options.clusterValue
        login.ttlMinutes = ttl
        login.insecure = options.insecure
        login.passwordFromStdin = passwordStdin
        login.otp = otp
        login.skipVersionCheck = skipVersionCheck
        try login.run(store: store)

        let (active, others) = try store.statuses()
        try StatusOutput.print(active: active, others: others, format: format)
    }
}
