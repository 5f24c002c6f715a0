import CLibSSH
import TeleportSupport

/// libssh, loaded on first use (see Sources/CLibSSH/loader.c): commands that
/// make no keys start without paying for it.
package enum LibSSH {
    package static func load() throws -> tsh_libssh_api {
        guard let api = tsh_libssh() else {
            throw TeleportError("cannot load libssh (\(String(cString: tsh_libssh_error()))); install it with 'apt install libssh-4'")
        }
        return api.pointee
    }

    /// The loaded version number, e.g. `0.10.6`, or `not available`.
    package static func version() -> String {
        // ssh_version(0) returns e.g. "0.10.6/openssl/zlib"; keep the number.
        guard let ssh = try? load(), let raw = ssh.version(0) else { return "not available" }
        let full = String(cString: raw)
        return String(full.split(separator: "/").first ?? Substring(full))
    }
}
