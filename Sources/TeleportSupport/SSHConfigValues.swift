/// Checks and escapes values on their way into ssh_config. OpenSSH expands
/// `%` tokens in paths and ProxyCommand, and runs ProxyCommand through
/// `/bin/sh`, so a value is either written safely or refused, by name.
public enum SSHConfigValues {
    /// A path inside double quotes: `%` doubled; quotes, backslashes and
    /// control characters refused.
    public static func path(_ value: String, name: String) throws -> String {
        try refuseUnsafe(value, name: name, also: "\"\\")
        guard value.hasPrefix("/") else {
            throw TeleportError("refusing to write \(name) \(Names.quoted(value)) into ssh_config: it must be an absolute path")
        }
        return value.replacingAll("%", with: "%%")
    }

    /// The executable inside ProxyCommand's double quotes, which `/bin/sh`
    /// reads: `$` and backquotes would be expanded, so they are refused too.
    public static func executable(_ value: String) throws -> String {
        try refuseUnsafe(value, name: "the tsh executable path", also: "\"\\$`")
        return try path(value, name: "the tsh executable path")
    }

    /// Names that appear unquoted (Host patterns, --cluster=…) must be plain.
    public static func cluster(_ value: String) throws -> String {
        do {
            try Names.validateCluster(value)
        } catch let error as TeleportError {
            throw TeleportError("refusing to write cluster \(Names.quoted(value)) into ssh_config: \(error.message)")
        }
        return value
    }

    public static func host(_ value: String) throws -> String {
        do {
            try Names.validateHost(value, kind: "proxy host")
        } catch let error as TeleportError {
            throw TeleportError("refusing to write proxy host \(Names.quoted(value)) into ssh_config: \(error.message)")
        }
        return value
    }

    public static func login(_ value: String) throws -> String {
        do {
            try Names.validateLogin(value)
        } catch let error as TeleportError {
            throw TeleportError("refusing to write login \(Names.quoted(value)) into ssh_config: \(error.message)")
        }
        return value.replacingAll("%", with: "%%")
    }

    private static func refuseUnsafe(_ value: String, name: String, also forbidden: String) throws {
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || forbidden.unicodeScalars.contains(scalar) {
                throw TeleportError("refusing to write \(name) \(Names.quoted(value)) into ssh_config: it contains \(Names.quoted(String(scalar))), which ssh_config cannot carry safely")
            }
        }
    }
}
