/// Quotes an argument vector for a POSIX shell, for `--dry-run` output that
/// can be pasted back into a terminal.
public enum ShellWords {
    public static func join(_ arguments: [String]) -> String {
        arguments.map(quote).joined(separator: " ")
    }

    public static func quote(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy { s in
            s.value < 0x80 && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "@%+=:,./-_".unicodeScalars.contains(s))
        }
        return safe ? word : "'" + word.replacingAll("'", with: "'\\''") + "'"
    }
}
