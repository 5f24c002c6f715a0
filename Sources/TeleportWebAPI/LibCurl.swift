import CCurl
import TeleportSupport

/// libcurl, loaded on first use (see Sources/CCurl/loader.c): commands that
/// do not talk to the web API start without paying for it.
package enum LibCurl {
    package static func load() throws -> tsh_curl_api {
        guard let api = tsh_curl() else {
            throw TeleportError("cannot load libcurl (\(String(cString: tsh_curl_error()))); install it with 'apt install libcurl4'")
        }
        return api.pointee
    }

    /// The loaded version, e.g. `7.88.1`, or `not available`.
    package static func version() -> String {
        guard (try? load()) != nil, let info = tsh_curl_version_info(), let v = info.pointee.version else {
            return "not available"
        }
        return String(cString: v)
    }
}
