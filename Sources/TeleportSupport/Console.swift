/// Writes to the process's standard streams by file descriptor. Stdout carries
/// data only (a config, JSON, relayed bytes); everything for people goes to
/// stderr. (Swift 6 cannot touch Glibc's `stdout`/`stderr` globals.)
public enum Console {
    public static func out(_ text: String) {
        writeAll(fd: 1, text)
    }

    public static func err(_ text: String) {
        writeAll(fd: 2, text)
    }

    public static func isTerminal(fd: Int32) -> Bool {
        isatty(fd) == 1
    }

    /// Prints `ERROR: <message>` on stderr, red only when stderr is a terminal
    /// and `NO_COLOR` is unset.
    public static func error(_ message: String) {
        let line = "ERROR: \(message)"
        if isTerminal(fd: 2), getenv("NO_COLOR") == nil {
            err("\u{1B}[31m\(line)\u{1B}[0m\n")
        } else {
            err(line + "\n")
        }
    }

    /// Prints `WARNING: <message>` on stderr.
    public static func warning(_ message: String) {
        err("WARNING: \(message)\n")
    }

    /// Writes all of `text` to `fd`; a failure (a closed pipe) is dropped,
    /// as there is nowhere left to report it.
    static func writeAll(fd: Int32, _ text: String) {
        _ = FileSystem.writeAll(fd: fd, Array(text.utf8))
    }
}
