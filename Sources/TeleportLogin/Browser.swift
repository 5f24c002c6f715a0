#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TeleportSupport

/// Opens the identity provider's page. Go tsh runs `xdg-open` on Linux
/// (lib/client/sso/redirector.go `OpenURLInBrowser`); `--browser=none`
/// (`TELEPORT_LOGIN_BROWSER=none`) opens nothing. This tsh first honours
/// `$BROWSER` (the usual convention: a `:`-separated list of commands, `%s`
/// standing for the URL, else the URL appended).
public enum Browser {
    /// The command that would open `url`, or nil when none is available.
    public static func command(for url: String, browserVariable: String? = Environment.value("BROWSER")) -> [String]? {
        if let variable = browserVariable {
            for entry in variable.split(separator: ":") {
                let words = entry.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let program = words.first, findProgram(program) != nil else { continue }
                if words.contains(where: { $0.contains("%s") }) {
                    return words.map { $0.replacingAll("%s", with: url) }
                }
                return words + [url]
            }
        }
        if findProgram("xdg-open") != nil { return ["xdg-open", url] }
        return nil
    }

    /// Starts the browser and does not wait for it. Its standard streams are
    /// /dev/null: under `tsh proxy ssh`, stdout belongs to OpenSSH, and a
    /// browser that outlives tsh must not hold a pipe of tsh's caller open.
    /// Returns false when nothing could be started.
    @discardableResult
    public static func open(_ url: String) -> Bool {
        guard let arguments = command(for: url) else { return false }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of ours: a browser that outlives tsh must not keep the
        // callback's listening socket (or any other) open.
        Platform.closeFrom(3, in: &actions)

        // Its own process group: a Ctrl-C meant for tsh does not close the browser.
        if case .success = Platform.spawn(arguments, actions: &actions, ownProcessGroup: true) { return true }
        return false
    }

    /// A program on PATH, as the shell would find it.
    static func findProgram(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (Environment.value("PATH") ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
