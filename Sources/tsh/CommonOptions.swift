import ArgumentParser
import TeleportProfile

/// `--proxy`: the one declaration of it. With `--cluster` and `--user` below
/// (for the commands that honour them), it becomes a `ProfileSelection`,
/// which applies tsh's environment fallbacks and the current profile.
struct ProxyOption: ParsableArguments {
    @Option(name: .long, help: "Teleport proxy: host, host:webport or host:webport,sshport; names the profile. Default: the current profile. Env: TELEPORT_PROXY.",
            completion: .custom(OfflineCompletions.profiles))
    var proxy: String?
}

/// `--cluster`, for the commands that pick a cluster.
struct ClusterOption: ParsableArguments {
    @Option(name: .long, help: "Teleport cluster. Env: TELEPORT_CLUSTER.",
            completion: .custom(OfflineCompletions.clusters))
    var cluster: String?
}

/// `--user`, for the commands that pick a Teleport user.
struct UserOption: ParsableArguments {
    @Option(name: .long, help: "Teleport user name. Env: TELEPORT_USER.")
    var user: String?
}

/// `-k/--add-keys-to-agent`, for login and logout: Go tsh's values, and its
/// default (`auto`) when neither the flag nor the environment names one.
struct AgentOption: ParsableArguments {
    @Option(name: [.customShort("k"), .customLong("add-keys-to-agent")],
            help: "Controls how keys are handled: auto, yes, no or only (the SSH agent alone, no key files). Default auto. Env: TELEPORT_ADD_KEYS_TO_AGENT.")
    var addKeysToAgent: String?

    func mode() throws -> AddKeysToAgent { try AddKeysToAgent.resolve(addKeysToAgent) }
}
