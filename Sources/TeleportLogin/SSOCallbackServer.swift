import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TeleportSupport

/// The local HTTP server an SSO login's browser comes back to, built on
/// SwiftNIO's HTTP/1 server (no HTTP parsing of our own). It only routes:
/// requests to `/callback` (GET, POST; OPTIONS answered for CORS, as Go tsh's
/// lib/client/sso/redirector.go `wrapCallback` does) are handed to the
/// waiting thread, which decides and answers each one. Every connection gets
/// one answer and is closed.
public final class SSOCallbackServer: Sendable {
    /// One request to `/callback`.
    public struct Request: Sendable {
        /// The raw query (after `?`), plus a form body of a POST.
        public let query: String
        let channel: Channel
    }

    /// How the callback URL names this server, e.g. `127.0.0.1:40123`.
    public let authority: String
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: Channel
    private let mailbox: Mailbox

    /// Binds `host:port` (`--bind-addr`, `TELEPORT_LOGIN_BIND_ADDR`); by
    /// default `127.0.0.1` on a port the kernel picks.
    public init(bindAddress: String?) throws {
        var host = "127.0.0.1"
        var port = 0
        if let bindAddress, !bindAddress.isEmpty {
            let parsed = try Self.parseBindAddress(bindAddress)
            host = parsed.host
            port = parsed.port
        }
        let mailbox = Mailbox()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(CallbackHandler(mailbox: mailbox))
                }
            }
        do {
            serverChannel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw TeleportError("cannot listen for the login callback on \(host):\(port): \(error); pass --bind-addr=host:port with a free port")
        }
        guard let bound = serverChannel.localAddress?.port else {
            try? group.syncShutdownGracefully()
            throw TeleportError("cannot listen for the login callback on \(host):\(port)")
        }
        self.group = group
        self.mailbox = mailbox
        // What the proxy accepts as an http callback host (lib/client/sso/redirector.go
        // ValidateClientRedirect): localhost, 127.0.0.1 or ::1. An unspecified
        // bind address is reached on the loopback, as Go tsh's clickableURL does.
        let urlHost: String
        switch host {
        case "", "0.0.0.0": urlHost = "127.0.0.1"
        case "::", "::1": urlHost = "[::1]"
        default: urlHost = host.contains(":") ? "[\(host)]" : host
        }
        authority = "\(urlHost):\(bound)"
    }

    static func parseBindAddress(_ text: String) throws -> (host: String, port: Int) {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw Self.badBind(text) }
            portPart = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            throw Self.badBind(text)
        }
        guard let port = Int(portPart), (0...65535).contains(port) else { throw Self.badBind(text) }
        return (String(hostPart), port)
    }

    private static func badBind(_ text: String) -> TeleportError {
        TeleportError("invalid --bind-addr \"\(Names.printable(text, limit: 100))\": use host:port (or [ipv6]:port)")
    }

    /// The next request to `/callback`, or nil once `deadline` passes.
    public func next(until deadline: DispatchTime) -> Request? {
        mailbox.take(until: deadline)
    }

    /// Answers a request with a redirect (302) and waits until it is sent.
    public func redirect(_ request: Request, to location: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: location)
        send(request, status: .found, headers: headers, html: "<a href=\"\(Self.escapeHTML(location))\">Continue</a>\n")
    }

    /// Answers a request with an error page (400) and waits until it is sent.
    public func reject(_ request: Request, message: String) {
        send(request, status: .badRequest, headers: HTTPHeaders(), html: """
            <!DOCTYPE html><html><head><title>Login callback refused</title></head>
            <body><p>\(Self.escapeHTML(message))</p></body></html>

            """)
    }

    private func send(_ request: Request, status: HTTPResponseStatus, headers: HTTPHeaders, html: String) {
        let done = Self.respond(request.channel, status: status, headers: headers, body: html)
        _ = try? done.wait()
    }

    static func respond(_ channel: Channel, status: HTTPResponseStatus, headers extra: HTTPHeaders,
                        body: String) -> EventLoopFuture<Void> {
        var headers = extra
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Referrer-Policy", value: "no-referrer")
        headers.add(name: "Allow", value: "GET, OPTIONS, POST")
        headers.add(name: "Access-Control-Allow-Origin", value: "*")
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(string: body))), promise: nil)
        let written = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        return written.flatMap { channel.close() }.recover { _ in }
    }

    static func escapeHTML(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Stops listening and closes every connection.
    public func close() {
        _ = try? serverChannel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Requests handed from the event loop to the waiting thread.
private final class Mailbox: Sendable {
    private let queue = NIOLockedValueBox<[SSOCallbackServer.Request]>([])
    private let signal = DispatchSemaphore(value: 0)

    func post(_ request: SSOCallbackServer.Request) {
        queue.withLockedValue { $0.append(request) }
        signal.signal()
    }

    func take(until deadline: DispatchTime) -> SSOCallbackServer.Request? {
        while true {
            if let request = queue.withLockedValue({ $0.isEmpty ? nil : $0.removeFirst() }) { return request }
            if signal.wait(timeout: deadline) == .timedOut {
                return queue.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() }
            }
        }
    }
}

private final class CallbackHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// A sealed login response is a few KiB; nothing legitimate comes near this.
    static let maxBody = 256 << 10

    let mailbox: Mailbox
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var tooLarge = false

    init(mailbox: Mailbox) {
        self.mailbox = mailbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > Self.maxBody {
                tooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            handle(head, channel: context.channel)
        }
    }

    private func handle(_ head: HTTPRequestHead, channel: Channel) {
        let uri = head.uri
        let path = uri.prefix { $0 != "?" && $0 != "#" }
        var query = uri.firstIndex(of: "?").map { String(uri[uri.index(after: $0)...].prefix { $0 != "#" }) } ?? ""
        guard path == "/callback" else {
            _ = SSOCallbackServer.respond(channel, status: .notFound, headers: HTTPHeaders(), body: "404 page not found\n")
            return
        }
        switch head.method {
        case .OPTIONS:
            _ = SSOCallbackServer.respond(channel, status: .ok, headers: HTTPHeaders(), body: "")
            return
        case .GET:
            break
        case .POST:
            if tooLarge {
                _ = SSOCallbackServer.respond(channel, status: .payloadTooLarge, headers: HTTPHeaders(), body: "")
                return
            }
            // As Go's ParseForm: a urlencoded body joins the query.
            let type = head.headers.first(name: "Content-Type")?.lowercased() ?? ""
            if type.hasPrefix("application/x-www-form-urlencoded"), !body.isEmpty {
                let text = String(decoding: body, as: UTF8.self)
                query = query.isEmpty ? text : query + "&" + text
            }
        default:
            _ = SSOCallbackServer.respond(channel, status: .methodNotAllowed, headers: HTTPHeaders(), body: "")
            return
        }
        mailbox.post(SSOCallbackServer.Request(query: query, channel: channel))
    }
}
