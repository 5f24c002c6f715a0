import TeleportKeys
import TeleportSupport
import TeleportWebAPI

extension VersionInfo {
    /// What `tsh version --format json` reports: the libssh and libcurl
    /// actually loaded. It lives here because Login is the one layer below the
    /// CLI that uses both libraries.
    public static func current() -> VersionInfo {
        VersionInfo(libssh: LibSSH.version(), libcurl: LibCurl.version())
    }
}
