import CCurl
import CLibSSH

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

    public static func current() -> VersionInfo {
        VersionInfo(
            version: clientVersion,
            teleportCompatibility: teleportCompatibility,
            runtime: "swift",
            libssh: libsshVersion(),
            libcurl: libcurlVersion())
    }

    /// One line for people, in the spirit of real tsh's `Teleport v17.0.0 git:… go1.22`.
    /// It names no library, so printing it loads none (`--format json` does).
    public static var text: String {
        "tsh for Swift v\(clientVersion) (Teleport v\(teleportCompatibility) compatible)"
    }

    static func libsshVersion() -> String {
        // ssh_version(0) returns e.g. "0.10.6/openssl/zlib"; keep the number.
        guard let ssh = try? SystemLibraries.libssh(), let raw = ssh.version(0) else { return "not available" }
        let full = String(cString: raw)
        return String(full.split(separator: "/").first ?? Substring(full))
    }

    static func libcurlVersion() -> String {
        guard (try? SystemLibraries.curl()) != nil, let info = tsh_curl_version_info(),
              let v = info.pointee.version else {
            return "not available"
        }
        return String(cString: v)
    }
}
