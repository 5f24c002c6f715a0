import ArgumentParser
import TeleportProfile
import TeleportSupport

/// `tsh completion bash|zsh|fish`: ArgumentParser's generated script. The
/// scripts call back into tsh for `--proxy` (profile names) and `--cluster`
/// (the selected profile's root and cached clusters); both read ~/.tsh only.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a shell completion script (bash, zsh or fish).",
        discussion: """
            Examples:
              source <(tsh completion bash)
              tsh completion zsh > "${fpath[1]}/_tsh"
              tsh completion fish > ~/.config/fish/completions/tsh.fish
            """)

    @Argument(help: "The shell: bash, zsh or fish.", completion: .list(["bash", "zsh", "fish"]))
    var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else {
            throw TeleportError("unknown shell \(Names.quoted(shell)): expected bash, zsh or fish")
        }
        var script = TSH.completionScript(for: kind)
        if kind == .fish {
            // The generator asks fish for the cursor's index in the current
            // token with `commandline -tC`, which fish 3.6 (Debian 12) answers
            // with nothing, so the custom completions got one argument too few.
            // The token's length is the index with the cursor at its end.
            script = script.split(separator: "(__tsh_tokens -tC)", omittingEmptySubsequences: false)
                .joined(separator: "(string length -- (commandline -t))")
        }
        Console.out(script.hasSuffix("\n") ? script : script + "\n")
    }
}

/// Offline completions, from the profile directory only. They never fail:
/// a problem gives no candidates.
enum OfflineCompletions {
    static func profiles(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        guard let directory = try? ProfileDirectory.resolve() else { return [] }
        return directory.profileNames().sorted().filter { $0.hasPrefix(prefix) }
    }

    static func clusters(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        guard let directory = try? ProfileDirectory.resolve() else { return [] }
        let proxy = flagValue("--proxy", in: words) ?? Environment.value("TELEPORT_PROXY")
        let host = proxy.flatMap { try? ProxyAddress.parse($0).host } ?? (try? directory.currentProfileName()) ?? nil
        guard let host else { return [] }
        let store = ProfileStore(directory: directory)
        var names = (try? store.cachedClusters(proxyHost: host)) ?? []
        if let entry = try? store.loadEntry(proxyHost: host) {
            names = ProfileStore.rootFirst(ProfileStore.clusterName(ofCertificatePath: entry.certificatePath), names)
        }
        return names.filter { $0.hasPrefix(prefix) }
    }

    /// `--name=value` or `--name value` among the words typed so far.
    static func flagValue(_ name: String, in words: [String]) -> String? {
        var found: String?
        for (i, word) in words.enumerated() {
            if word.hasPrefix(name + "=") { found = String(word.dropFirst(name.count + 1)) }
            if word == name, i + 1 < words.count { found = words[i + 1] }
        }
        return found
    }
}
