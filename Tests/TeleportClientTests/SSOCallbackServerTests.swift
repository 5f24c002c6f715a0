import Testing
import Foundation
import Dispatch
@testable import TeleportLogin
@testable import TeleportWebAPI
import TeleportSupport

#if canImport(Glibc)
import Glibc
#endif

/// The callback server (SwiftNIO's HTTP/1 server): it routes, and the waiting
/// thread decides and answers.
@Suite struct SSOCallbackServerTests {
    /// One HTTP exchange over a plain socket; returns everything the server sent.
    static func exchange(port: Int, _ request: String) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return "connect failed" }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    final class Box: @unchecked Sendable {
        var text = ""
        let done = DispatchSemaphore(value: 0)
    }

    static func background(port: Int, _ request: String) -> Box {
        let box = Box()
        DispatchQueue.global().async {
            box.text = exchange(port: port, request)
            box.done.signal()
        }
        return box
    }

    @Test func callbacksGoToTheWaiterWhoAnswers() throws {
        let server = try SSOCallbackServer(bindAddress: nil)
        defer { server.close() }
        #expect(server.authority.hasPrefix("127.0.0.1:"))
        let port = try #require(Int(server.authority.split(separator: ":").last ?? ""))

        let first = Self.background(port: port, "GET /callback?err=x&secret_key=00 HTTP/1.1\r\nHost: a\r\n\r\n")
        let request = try #require(server.next(until: .now() + 10))
        #expect(request.query == "err=x&secret_key=00")
        server.reject(request, message: "refused <b>")
        first.done.wait()
        #expect(first.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(first.text.contains("refused &lt;b&gt;"))
        #expect(first.text.lowercased().contains("access-control-allow-origin: *"))

        // A form POST joins the query, as Go's ParseForm.
        let body = "response=abc"
        let second = Self.background(port: port, "POST /callback?a=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let posted = try #require(server.next(until: .now() + 10))
        #expect(posted.query == "a=1&response=abc")
        server.redirect(posted, to: "https://proxy.example.com:443/web/msg/info/login_success")
        second.done.wait()
        #expect(second.text.hasPrefix("HTTP/1.1 302 Found\r\n"))
        #expect(second.text.lowercased().contains("location: https://proxy.example.com:443/web/msg/info/login_success\r\n"))
    }

    @Test func otherPathsAndMethodsNeverReachTheWaiter() throws {
        let server = try SSOCallbackServer(bindAddress: "127.0.0.1:0")
        defer { server.close() }
        let port = try #require(Int(server.authority.split(separator: ":").last ?? ""))
        #expect(Self.exchange(port: port, "GET /favicon.ico HTTP/1.1\r\nHost: a\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(Self.exchange(port: port, "GET /%63allback HTTP/1.1\r\nHost: a\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(Self.exchange(port: port, "OPTIONS /callback HTTP/1.1\r\nHost: a\r\n\r\n").hasPrefix("HTTP/1.1 200"))
        #expect(Self.exchange(port: port, "DELETE /callback HTTP/1.1\r\nHost: a\r\n\r\n").hasPrefix("HTTP/1.1 405"))
        #expect(server.next(until: .now() + .milliseconds(200)) == nil)
    }

    @Test func aBusyPortIsAClearError() throws {
        let server = try SSOCallbackServer(bindAddress: nil)
        defer { server.close() }
        #expect(throws: TeleportError.self) { try SSOCallbackServer(bindAddress: server.authority) }
    }
}
