import ArgumentParser
import TeleportProfile

/// `--proxy`: the one declaration of it. With `--cluster` and `--user` below
/// (for the commands that honour them), it becomes a `ProfileSelection`,
/// which applies tsh's environment fallbacks and the current profile.
struct ProxyOption: ParsableArguments {
    @Option(name: .long, help: "Teleport proxy: host, host:webport or host:webport,sshport; names the profile. Default: the current profile. Env: TELEPORT_PROXY.")
    var proxy: String?
}

/// `--cluster`, for the commands that pick a cluster.
struct ClusterOption: ParsableArguments {
    @Option(name: .long, help: "Teleport cluster. Env: TELEPORT_CLUSTER.")
    var cluster: String?
}

/// `--user`, for the commands that pick a Teleport user.
struct UserOption: ParsableArguments {
    @Option(name: .long, help: "Teleport user name. Env: TELEPORT_USER.")
    var user: String?
}
