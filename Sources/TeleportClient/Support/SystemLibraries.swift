import CCurl
import CLibSSH

/// libcurl and libssh, loaded on first use (see the C shims): commands that
/// need neither start without paying for them.
enum SystemLibraries {
    static func curl() throws -> tsh_curl_api {
        guard let api = tsh_curl() else {
            throw TeleportError("cannot load libcurl (\(String(cString: tsh_curl_error()))); install it with 'apt install libcurl4'")
        }
        return api.pointee
    }

    static func libssh() throws -> tsh_libssh_api {
        guard let api = tsh_libssh() else {
            throw TeleportError("cannot load libssh (\(String(cString: tsh_libssh_error()))); install it with 'apt install libssh-4'")
        }
        return api.pointee
    }
}
