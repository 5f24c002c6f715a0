#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportSupport

/// The proxy's web API: ping and the password login.
public struct WebClient: Sendable {
    public let http: any HTTPTransport
    public let address: HostPort

    public init(address: HostPort, http: any HTTPTransport) {
        self.address = address
        self.http = http
    }

    public var baseURL: String { "https://\(address)" }

    public func ping() throws -> PingResponse {
        try decode(PingResponse.self, from: http.get(baseURL + "/webapi/ping"), what: "ping")
    }

    public func createSSHCerts(_ request: SSHCertsRequest) throws -> SSHCertsResponse {
        let response = try http.post(baseURL + "/webapi/ssh/certs", json: request.jsonBody())
        return try decode(SSHCertsResponse.self, from: response, what: "login")
    }

    /// Decodes a success body, or turns Teleport's error body into the error.
    func decode<T: Decodable>(_ type: T.Type, from response: HTTPClient.Response, what: String) throws -> T {
        guard (200..<300).contains(response.status) else {
            throw WebAPIError.from(status: response.status, body: response.body, origin: baseURL)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch let error as TeleportError {
            throw error
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw TeleportError("the proxy's \(what) response has a field of the wrong type at \(Self.path(context)); is \(baseURL) a Teleport proxy?")
        } catch let DecodingError.keyNotFound(key, context) {
            throw TeleportError("the proxy's \(what) response lacks \"\(Self.path(context, key))\"; is \(baseURL) a Teleport proxy?")
        } catch {
            throw TeleportError("the proxy's \(what) response is not valid JSON; is \(baseURL) a Teleport proxy?")
        }
    }

    private static func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
        let keys = context.codingPath + (key.map { [$0] } ?? [])
        let path = keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return "\"\(Names.printable(path, limit: 100))\""
    }
}

/// Teleport's error bodies: `{"error": {"message": "…"}}` (docs/protocol.md, "Errors").
enum WebAPIError {
    private struct Body: Decodable {
        struct Inner: Decodable { var message: String? }
        var error: Inner?
        var message: String?
    }

    static func from(status: Int, body: [UInt8], origin: String) -> TeleportError {
        if let decoded = try? JSONDecoder().decode(Body.self, from: Data(body)),
           let message = decoded.error?.message ?? decoded.message, !message.isEmpty {
            return TeleportError(Names.printable(message, limit: 500), kind: .httpStatus(status))
        }
        switch status {
        case 404:
            return TeleportError("\(origin) answered 404 Not Found; is it a Teleport proxy?", kind: .httpStatus(status))
        default:
            return TeleportError("\(origin) answered HTTP \(status)", kind: .httpStatus(status))
        }
    }
}
