/// Validation of every name that comes from outside (the server, the command
/// line, ssh_config's `%h`) before it reaches a file path, a config line or an
/// argument vector. The rules are strict on purpose: a name that fails is
/// refused with a message naming it, never rewritten.
public enum Names {
    /// A Teleport cluster name: a DNS-like name.
    public static func validateCluster(_ name: String) throws {
        try validate(name, kind: "cluster name", maxLength: 253, extra: "._-")
        guard !name.hasPrefix("."), !name.hasPrefix("-"), !name.contains("..") else {
            throw invalid(name, kind: "cluster name")
        }
    }

    /// A Teleport user name. It becomes a file name under `keys/<proxy>/`, so
    /// path separators and dot-names are refused.
    public static func validateUser(_ name: String) throws {
        try validate(name, kind: "user name", maxLength: 255, extra: "._@+=-")
        guard name != ".", name != "..", !name.hasPrefix("-") else {
            throw invalid(name, kind: "user name")
        }
    }

    /// An OS login on a node (`-l`, `%r`).
    public static func validateLogin(_ name: String) throws {
        try validate(name, kind: "login", maxLength: 255, extra: "._@-")
        guard !name.hasPrefix("-") else { throw invalid(name, kind: "login") }
    }

    /// A host name or an IP address (IPv6 without brackets).
    public static func validateHost(_ name: String, kind: String = "host name") throws {
        if name.contains(":") {
            // IPv6 literal: ASCII hex digits, at least two colons, and dots
            // (IPv4-mapped) only. (Character.isHexDigit takes fullwidth digits.)
            let ascii = name.unicodeScalars.allSatisfy { s in
                ("0"..."9").contains(s) || ("a"..."f").contains(s) || ("A"..."F").contains(s) || s == ":" || s == "."
            }
            guard name.utf8.count <= 45, ascii, name.utf8.filter({ $0 == UInt8(ascii: ":") }).count >= 2,
                  name.unicodeScalars.contains(where: { $0 != ":" }) || name == "::" else {
                throw invalid(name, kind: kind)
            }
            return
        }
        try validate(name, kind: kind, maxLength: 253, extra: ".-_")
        guard !name.hasPrefix("."), !name.hasPrefix("-"), !name.contains("..") else {
            throw invalid(name, kind: kind)
        }
    }

    /// Makes text from a server safe to print on a terminal: control
    /// characters (escape sequences included) become `?`.
    public static func printable(_ text: String, limit: Int = 2000) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            if scalar == "\n" || scalar == "\t" || (scalar.value >= 0x20 && scalar.value != 0x7F
                && !(0x80...0x9F).contains(scalar.value)) {
                out.unicodeScalars.append(scalar)
            } else {
                out.append("?")
            }
        }
        return out
    }

    /// Quotes a value for an error message, showing control characters.
    public static func quoted(_ text: String) -> String {
        String.doubleQuoted(text.unicodeScalars.prefix(200)) { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F ? "\\x" + String.hex(scalar.value, digits: 1) : nil
        }
    }

    private static func validate(_ name: String, kind: String, maxLength: Int, extra: String) throws {
        guard !name.isEmpty, name.utf8.count <= maxLength else { throw invalid(name, kind: kind) }
        for scalar in name.unicodeScalars {
            let ok = (scalar.value < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                || extra.unicodeScalars.contains(scalar)
            guard ok else { throw invalid(name, kind: kind) }
        }
    }

    private static func invalid(_ name: String, kind: String) -> TeleportError {
        TeleportError("refusing unsafe \(kind) \(quoted(name)): only letters, digits and a few punctuation characters are allowed")
    }
}
