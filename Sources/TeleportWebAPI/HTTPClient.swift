import CCurl
import TeleportSupport

/// What the web API needs from HTTP: the seam where tests put a fake server.
public protocol HTTPTransport: Sendable {
    func get(_ url: String) throws -> HTTPClient.Response
    func post(_ url: String, json body: [UInt8]) throws -> HTTPClient.Response
}

/// The one HTTP client: HTTPS requests to the proxy's web API over libcurl.
///
/// libcurl brings proxies (`HTTPS_PROXY`, `NO_PROXY`), the system CA store and
/// mature TLS. It ignores `SSL_CERT_FILE` and `SSL_CERT_DIR`, so we pass them on
/// ourselves, as the Go tsh honours them.
public struct HTTPClient: HTTPTransport {
    public struct Options: Sendable {
        /// Skip TLS verification (`--insecure`).
        public var insecure = false
        /// Seconds to establish the TCP and TLS connection.
        public var connectTimeout = 15
        /// Seconds for the whole request; a server that accepts and then says
        /// nothing fails within this time instead of hanging.
        public var totalTimeout = 30
        /// Responses larger than this are refused, bounding memory.
        public var maxBodyBytes = 8 << 20
        /// CA bundle and directory; default from SSL_CERT_FILE and SSL_CERT_DIR.
        public var caFile: String? = Environment.value("SSL_CERT_FILE")
        public var caPath: String? = Environment.value("SSL_CERT_DIR")

        public init() {}
    }

    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]

        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    public let options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func get(_ url: String) throws -> Response {
        try perform(url: url, jsonBody: nil)
    }

    public func post(_ url: String, json body: [UInt8]) throws -> Response {
        try perform(url: url, jsonBody: body)
    }

    private func perform(url: String, jsonBody: [UInt8]?) throws -> Response {
        let curl = try LibCurl.load()
        guard let handle = curl.easy_init() else {
            throw TeleportError("could not initialise libcurl")
        }
        defer { curl.easy_cleanup(handle) }

        let sink = ResponseSink(limit: options.maxBodyBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl.slist_free_all(headers) }
        headers = curl.slist_append(headers, "Accept: application/json")
        headers = curl.slist_append(headers, "User-Agent: tsh-swift/\(VersionInfo.clientVersion)")

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errBuf in
            var setup = CURLE_OK
            func set(_ result: CURLcode) { if setup == CURLE_OK { setup = result } }
            set(tsh_curl_setopt_string(handle, CURLOPT_URL, url))
            set(tsh_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(tsh_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
            // The web API is HTTPS only; a proxy in between may speak plain HTTP.
            set(tsh_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https"))
            set(tsh_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, options.connectTimeout))
            set(tsh_curl_setopt_long(handle, CURLOPT_TIMEOUT, options.totalTimeout))
            set(tsh_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errBuf.baseAddress))
            set(tsh_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, user in
                let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
                return sink.append(data, size * count)
            }))
            set(tsh_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
            if options.insecure {
                set(tsh_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
                set(tsh_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
            } else {
                if let caFile = options.caFile, !caFile.isEmpty {
                    set(tsh_curl_setopt_string(handle, CURLOPT_CAINFO, caFile))
                }
                if let caPath = options.caPath, !caPath.isEmpty {
                    set(tsh_curl_setopt_string(handle, CURLOPT_CAPATH, caPath))
                }
            }
            if let body = jsonBody {
                headers = curl.slist_append(headers, "Content-Type: application/json")
                set(tsh_curl_setopt_long(handle, CURLOPT_POST, 1))
                set(tsh_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                body.withUnsafeBufferPointer { buf in
                    // COPYPOSTFIELDS copies, so the buffer need not outlive this call.
                    buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buf.count, 1)) {
                        set(tsh_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, $0))
                    }
                }
            }
            set(tsh_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers))
            if setup != CURLE_OK { return setup }
            return curl.easy_perform(handle)
        }

        if sink.overflowed {
            throw TeleportError("the response from \(Self.origin(of: url)) is larger than \(options.maxBodyBytes >> 20) MiB; refusing it")
        }
        guard code == CURLE_OK else {
            let buffered = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                  as: UTF8.self)
            let detail = buffered.isEmpty ? curl.easy_strerror(code).map { String(cString: $0) } ?? "error \(code.rawValue)" : buffered
            throw Self.error(for: code, url: url, detail: detail, timeout: options.totalTimeout)
        }
        var status = 0
        _ = tsh_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: sink.bytes)
    }

    /// Turns a libcurl failure into a message that says what to do.
    static func error(for code: CURLcode, url: String, detail: String, timeout: Int) -> TeleportError {
        let origin = origin(of: url)
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return TeleportError("the TLS certificate of \(origin) is not trusted (\(detail)). If the proxy uses a private CA, point SSL_CERT_FILE at it; --insecure skips verification and is not safe", kind: .untrusted)
        case CURLE_OPERATION_TIMEDOUT:
            return TeleportError("\(origin) did not answer in time (\(detail)); check the proxy address and your network", kind: .timeout)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return TeleportError("cannot reach the proxy at \(origin): \(detail); check --proxy and your network", kind: .unreachable)
        default:
            return TeleportError("request to \(origin) failed: \(detail)")
        }
    }

    static func origin(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        return String(url[..<schemeEnd.upperBound]) + host
    }
}

/// Collects a response body up to a limit; beyond it, tells libcurl to stop.
private final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []
    var overflowed = false

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return 0 }
        if bytes.count + count > limit {
            overflowed = true
            return 0  // anything other than `count` aborts the transfer
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
        }
        return count
    }
}
