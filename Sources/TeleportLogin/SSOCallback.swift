import TeleportKeys
import TeleportProfile
import TeleportSupport
import TeleportWebAPI

/// What a request to the SSO callback means, decided before anything is
/// trusted. The proxy sends the browser back to
/// `/callback?response=<sealed>` (the whole query replaced, so without the
/// secret) or, on failure, to `/callback?err=<message>&secret_key=<hex>`
/// (gravitational/teleport lib/web/apiserver.go `ConstructSSHResponse`,
/// `RedirectURLWithError`; the client side is lib/client/sso/redirector.go).
///
/// Go tsh ends its wait on any `err`. Here a callback counts only when it
/// proves it comes from the proxy: an `err` must carry this login's secret
/// key, and a `response` must open with it. Anything else is a forgery (any
/// local program or web page can reach 127.0.0.1): it is answered with an
/// error page and the wait goes on.
public enum SSOCallback {
    public enum Decision: Equatable, Sendable {
        /// Decrypted login response JSON, still to be validated.
        case sealedResponse(plaintext: [UInt8])
        /// The identity provider or proxy refused the login (authenticated by the secret).
        case denied(message: String)
        /// Not from the proxy, or unusable: log nobody in, keep waiting.
        case rejected(reason: String)
    }

    public static func decide(query: String, key: SSOSecretKey) -> Decision {
        guard let form = FormQuery.parse(query) else {
            return .rejected(reason: "its query is malformed")
        }
        let secrets = form.values("secret_key")
        if secrets.count > 1 { return .rejected(reason: "it has more than one secret_key") }
        // Present but wrong: whatever else it carries, it did not come from the proxy.
        if let secret = secrets.first, !key.matches(hex: secret) {
            return .rejected(reason: "it carries a wrong secret_key")
        }
        let errors = form.values("err")
        let responses = form.values("response")
        if !errors.isEmpty {
            guard secrets.count == 1 else {
                return .rejected(reason: "it reports an error without this login's secret_key")
            }
            guard errors.count == 1, responses.isEmpty else {
                return .rejected(reason: "it is ambiguous")
            }
            return .denied(message: errors[0])
        }
        guard responses.count == 1 else {
            return .rejected(reason: responses.isEmpty ? "it carries no login response" : "it is ambiguous")
        }
        do {
            return .sealedResponse(plaintext: try key.open(sealed: responses[0]))
        } catch {
            return .rejected(reason: "its response does not decrypt with this login's key")
        }
    }
}

/// `application/x-www-form-urlencoded` text as Go's `url.ParseQuery` reads it:
/// `&`-separated, `+` is a space, `%XX` escapes; a `;` or a bad escape makes
/// the whole query invalid.
public struct FormQuery: Sendable {
    public var pairs: [(String, String)]

    public static func parse(_ text: String) -> FormQuery? {
        var pairs: [(String, String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            if part.contains(";") { return nil }
            let key: Substring, value: Substring
            if let eq = part.firstIndex(of: "=") {
                key = part[..<eq]
                value = part[part.index(after: eq)...]
            } else {
                key = part
                value = ""
            }
            guard let k = unescape(key), let v = unescape(value) else { return nil }
            pairs.append((k, v))
        }
        return FormQuery(pairs: pairs)
    }

    public func values(_ name: String) -> [String] {
        pairs.filter { $0.0 == name }.map(\.1)
    }

    static func unescape(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Go's `url.QueryEscape`.
    public static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String.hex(UInt32(byte), digits: 2).uppercased()
            }
        }
        return out
    }
}
