/// JSON as Go writes it: `json.MarshalIndent` with two spaces (tsh's
/// `--format json`) or compact `json.Marshal` (request bodies), object keys in
/// the order given (Go keeps struct field order).
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        a.rendered() == b.rendered()
    }

    /// `[]` for an empty list, as Go renders a non-nil empty slice.
    public static func strings(_ items: [String]) -> JSONValue {
        .array(items.map { .string($0) })
    }

    public func rendered(indent: String = "") -> String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            let inner = indent + "  "
            return "{\n" + fields.map { inner + Self.quote($0.0) + ": " + $0.1.rendered(indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    /// Go's `json.Marshal`: no whitespace at all.
    public func compact() -> String {
        switch self {
        case .array(let items):
            return "[" + items.map { $0.compact() }.joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { Self.quote($0.0) + ":" + $0.1.compact() }.joined(separator: ",") + "}"
        default:
            return rendered()
        }
    }

    /// Go's string escaping, including its HTML-safe escapes of `<`, `>`, `&`.
    package static func quote(_ s: String) -> String {
        String.doubleQuoted(s.unicodeScalars) { scalar in
            switch scalar {
            case "<", ">", "&", "\u{2028}", "\u{2029}": return "\\u" + String.hex(scalar.value, digits: 4)
            default: return scalar.value < 0x20 ? "\\u" + String.hex(scalar.value, digits: 4) : nil
            }
        }
    }
}
