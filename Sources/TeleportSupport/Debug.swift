/// `--debug` (`-d`) / `TELEPORT_DEBUG=1`: what tsh does, on stderr, with the
/// time since start. Callers pass only what is safe to show: methods, URLs
/// without their query, statuses, choices and argument vectors, never a
/// body, password, key or certificate.
public enum Debug {
    /// Set once by the CLI before anything runs; read-only afterwards.
    nonisolated(unsafe) public static var enabled: Bool = {
        guard let value = Environment.value("TELEPORT_DEBUG") else { return false }
        return ["1", "true", "yes"].contains(value.lowercased())
    }()

    private static let start = now()

    /// Milliseconds on the monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }

    public static func log(_ message: @autoclosure () -> String) {
        guard enabled else { return }
        _ = start
        let elapsed = now() - start
        let text = Names.printable(message(), limit: 8000)
        Console.err("DEBUG [\(formatted(elapsed)) ms] \(text)\n")
    }

    /// Runs `body` and logs how long it took.
    public static func time<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let began = now()
        defer { log("\(what): \(formatted(now() - began)) ms") }
        return try body()
    }

    /// A URL without its query and fragment, which may carry tokens.
    public static func redacted(url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }

    static func formatted(_ ms: Double) -> String {
        let tenths = Int((ms * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Removes `--debug` and `-d` from argv (Go tsh's global flag, accepted
    /// before or after the subcommand) and reports whether one was there.
    /// Words after `--`, and `tsh ssh`'s remote command (after its target),
    /// are the user's and are kept as they are.
    public static func strip(_ argv: [String]) -> (argv: [String], debug: Bool) {
        var out: [String] = []
        var debug = false
        var i = 0
        var verbatim = false
        let sshValueOptions: Set = ["-l", "--login", "-p", "-L", "-R", "-D", "--cluster", "--proxy"]
        let isSSH = argv.count > 1 && argv.dropFirst().first(where: { $0 != "--debug" && $0 != "-d" }) == "ssh"
        var sawSubcommand = false
        while i < argv.count {
            let word = argv[i]
            if i == 0 || verbatim {
                out.append(word)
            } else if word == "--" {
                verbatim = true
                out.append(word)
            } else if word == "--debug" || word == "-d" {
                debug = true
            } else {
                out.append(word)
                if isSSH && sawSubcommand && !word.hasPrefix("-") {
                    verbatim = true   // the target: the rest is the remote command
                } else if isSSH && sawSubcommand && sshValueOptions.contains(word) && i + 1 < argv.count {
                    i += 1
                    out.append(argv[i])
                }
                if word == "ssh" { sawSubcommand = true }
            }
            i += 1
        }
        return (out, debug)
    }
}
