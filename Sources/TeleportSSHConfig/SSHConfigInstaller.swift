import TeleportProfile
import TeleportSupport

/// `tsh config --install` and `--uninstall`: keeps a marked section with an
/// `Include` of the generated file at the very top of `~/.ssh/config` (an
/// `Include` further down would only apply inside the Host block above it).
public struct SSHConfigInstaller {
    public static let beginMarker = "# BEGIN tsh config --install (remove with 'tsh config --uninstall')"
    public static let endMarker = "# END tsh config --install"

    public let userConfigPath: String
    public let includedPath: String

    public init(userConfigPath: String, includedPath: String) {
        self.userConfigPath = userConfigPath
        self.includedPath = includedPath
    }

    /// `~/.ssh/config` for the user in `$HOME`.
    public static func defaultUserConfigPath() throws -> String {
        guard let home = Environment.value("HOME") else {
            throw TeleportError("HOME is not set, so ~/.ssh/config cannot be found")
        }
        return home + "/.ssh/config"
    }

    public static func section(includedPath: String) -> String {
        "\(beginMarker)\nInclude \"\(includedPath)\"\n\(endMarker)\n"
    }

    /// The file with our section first and no other copy of it.
    public static func adding(to existing: String, includedPath: String) -> String {
        let rest = removing(from: existing)
        return section(includedPath: includedPath) + (rest.isEmpty || rest.hasPrefix("\n") ? rest : "\n" + rest)
    }

    /// The file without our section (and without the blank line we added after it).
    public static func removing(from existing: String) -> String {
        var lines = existing.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let begin = lines.firstIndex(of: beginMarker) {
            guard let end = lines[begin...].firstIndex(of: endMarker) else { break }
            var upper = end + 1
            if upper < lines.count, lines[upper].isEmpty, upper + 1 < lines.count { upper += 1 }
            lines.removeSubrange(begin..<upper)
        }
        return lines.joined(separator: "\n")
    }

    /// Writes the generated config and puts the Include first in the user's
    /// file. Returns what changed, for the user.
    public func install(config: String) throws -> [String] {
        var changes: [String] = []
        guard !includedPath.contains("\""), !includedPath.contains("\n") else {
            throw TeleportError("cannot include \(Names.quoted(includedPath)) from ssh_config: the path holds a quote or newline")
        }
        let previousConfig = try FileSystem.readTextIfPresent(includedPath)
        if previousConfig != config {
            try FileSystem.makePrivateDirectory(FileSystem.directory(of: includedPath))
            try AtomicFile.write(config, to: includedPath, mode: 0o600)
            changes.append("wrote \(includedPath)")
        }
        let target = try resolvedUserConfig()
        let existing = try FileSystem.readTextIfPresent(target.path) ?? ""
        let updated = Self.adding(to: existing, includedPath: includedPath)
        if updated != existing {
            try write(updated, previous: target.exists ? existing : nil, to: target)
            changes.append(target.exists
                ? "added an Include of \(includedPath) at the top of \(target.path) (previous file saved as \(target.path).tsh-backup)"
                : "created \(target.path) with an Include of \(includedPath)")
        }
        if changes.isEmpty { changes.append("nothing to change: \(target.path) already includes \(includedPath)") }
        return changes
    }

    public func uninstall() throws -> [String] {
        var changes: [String] = []
        let target = try resolvedUserConfig()
        if let existing = try FileSystem.readTextIfPresent(target.path) {
            let updated = Self.removing(from: existing)
            if updated != existing {
                try write(updated, previous: existing, to: target)
                changes.append("removed the tsh section from \(target.path) (previous file saved as \(target.path).tsh-backup)")
            }
        }
        if FileSystem.exists(includedPath) {
            try FileSystem.removeTree(includedPath)
            changes.append("removed \(includedPath)")
        }
        if changes.isEmpty { changes.append("nothing to change: \(target.path) has no tsh section") }
        return changes
    }

    private struct Target {
        var path: String
        var exists: Bool
        var mode: mode_t
    }

    /// The user's file, following a symlink (dotfile managers use them) so
    /// that the link stays a link.
    private func resolvedUserConfig() throws -> Target {
        var path = userConfigPath
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if realpath(userConfigPath, &buffer) != nil {
            path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            return Target(path: path, exists: false, mode: 0o600)
        }
        let mode = st.st_mode & 0o7777
        if mode & 0o200 == 0 {
            throw TeleportError("\(path) is read-only (mode \(String(mode, radix: 8))); make it writable, or add this line at its top yourself: Include \"\(includedPath)\"")
        }
        return Target(path: path, exists: true, mode: mode)
    }

    private func write(_ text: String, previous: String?, to target: Target) throws {
        let dir = FileSystem.directory(of: target.path)
        if !FileSystem.exists(dir) { try FileSystem.makePrivateDirectory(dir) }
        if let previous {
            try AtomicFile.write(previous, to: target.path + ".tsh-backup", mode: target.mode & 0o600 | 0o600)
        }
        try AtomicFile.write(text, to: target.path, mode: target.mode)
    }
}
