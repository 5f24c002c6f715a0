import ArgumentParser
import TeleportClient

/// Flags shared by the commands that talk to a proxy, with tsh's environment
/// fallbacks (teleport-reference §7).
struct ProxyOptions: ParsableArguments {
    @Option(name: .long, help: "Teleport proxy address: host, host:webport or host:webport,sshport. Env: TELEPORT_PROXY.")
    var proxy: String?

    @Option(name: .long, help: "Teleport user name. Env: TELEPORT_USER.")
    var user: String?

    @Option(name: .long, help: "Teleport cluster to select. Env: TELEPORT_CLUSTER.")
    var cluster: String?

    @Flag(name: .long, help: "Do not verify the proxy's TLS certificate. Not safe: use only for tests.")
    var insecure = false

    var proxyValue: String? { proxy ?? Environment.value("TELEPORT_PROXY") }
    var userValue: String? { user ?? Environment.value("TELEPORT_USER") }
    var clusterValue: String? {
        cluster ?? Environment.value("TELEPORT_CLUSTER") ?? Environment.value("TELEPORT_SITE")
    }
}
