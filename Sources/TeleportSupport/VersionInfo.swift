/// What `tsh version` reports: our own version, the Teleport release whose
/// client behaviour we match, and the C libraries actually loaded.
public struct VersionInfo: Equatable, Sendable {
    /// The version of this client.
    public static let clientVersion = "0.1.0"
    /// The Teleport client release whose formats and behaviour we follow. It is
    /// what we compare with a proxy's `min_client_version`.
    public static let teleportCompatibility = "17.0.0"

    public let version: String
    public let teleportCompatibility: String
    public let runtime: String
    public let libssh: String
    public let libcurl: String

    /// `tsh version --format json`.
    public var json: JSONValue {
        .object([
            ("version", .string(version)),
            ("teleport_compatibility", .string(teleportCompatibility)),
            ("runtime", .string(runtime)),
            ("libssh", .string(libssh)),
            ("libcurl", .string(libcurl)),
        ])
    }

    /// The report for library versions found by their loaders (see
    /// `VersionInfo.current()` in TeleportLogin, the layer that has both).
    public init(libssh: String, libcurl: String) {
        self.version = Self.clientVersion
        self.teleportCompatibility = Self.teleportCompatibility
        self.runtime = "swift"
        self.libssh = libssh
        self.libcurl = libcurl
    }

    /// One line for people, in the spirit of real tsh's `Teleport v17.0.0 git:… go1.22`.
    /// It names no library, so printing it loads none (`--format json` does).
    public static var text: String {
        "tsh for Swift v\(clientVersion) (Teleport v\(teleportCompatibility) compatible)"
    }
}
