import TeleportSupport

/// The SSH wire encoding (RFC 4251 §5) and the base64 and PEM framing around
/// it. Everything here is bounds-checked and throws `TeleportError` on
/// malformed input: it reads data that came from the network or from disk.

/// A cursor over SSH wire-format bytes. Every read checks the remaining length
/// first, so hostile length fields produce an error, never a trap.
struct SSHWireReader {
    let bytes: [UInt8]
    private(set) var offset: Int = 0
    /// What is being read, for error messages ("SSH certificate").
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    func failure(_ detail: String) -> TeleportError {
        TeleportError("invalid \(context): \(detail)")
    }

    mutating func readUInt32(_ field: String) throws -> UInt32 { try readBigEndian(field) }

    mutating func readUInt64(_ field: String) throws -> UInt64 { try readBigEndian(field) }

    private mutating func readBigEndian<T: FixedWidthInteger & UnsignedInteger>(_ field: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw failure("\(field) is truncated") }
        var value: T = 0
        for i in 0..<size { value = value << 8 | T(bytes[offset + i]) }
        offset += size
        return value
    }

    /// A length-prefixed byte string.
    mutating func readBytes(_ field: String) throws -> [UInt8] {
        let length = Int(try readUInt32("the length of \(field)"))
        guard length <= remaining else {
            throw failure("\(field) claims \(length) bytes but only \(remaining) remain")
        }
        let value = Array(bytes[offset..<offset + length])
        offset += length
        return value
    }

    /// A fixed number of raw bytes.
    mutating func readBytes(_ count: Int, _ field: String) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw failure("\(field) is truncated") }
        let value = Array(bytes[offset..<offset + count])
        offset += count
        return value
    }

    /// A length-prefixed string that must be valid UTF-8.
    mutating func readString(_ field: String) throws -> String {
        let raw = try readBytes(field)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw failure("\(field) is not valid UTF-8")
        }
        return text
    }

    /// A non-negative mpint, returned as its encoded bytes (unchanged, so that a
    /// re-encoded blob is byte-identical to the original).
    mutating func readPositiveMPInt(_ field: String, maxBytes: Int) throws -> [UInt8] {
        let raw = try readBytes(field)
        guard let first = raw.first else { throw failure("\(field) is zero") }
        guard first & 0x80 == 0 else { throw failure("\(field) is negative") }
        guard raw.count <= maxBytes + 1, raw.count <= maxBytes || first == 0 else {
            throw failure("\(field) is too large")
        }
        return raw
    }

    func expectEnd(_ what: String) throws {
        guard isAtEnd else { throw failure("\(remaining) unexpected bytes after \(what)") }
    }
}

/// Builds SSH wire-format bytes.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func writeUInt32(_ value: UInt32) {
        bytes.append(contentsOf: [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ])
    }

    mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeUInt32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(_ value: String) {
        writeBytes(Array(value.utf8))
    }

    /// A non-negative integer given as big-endian magnitude bytes, encoded as a
    /// minimal mpint (leading zeros dropped, a zero byte added when the high
    /// bit is set).
    mutating func writeMPInt(magnitude: some Collection<UInt8>) {
        var digits = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = digits.first, first & 0x80 != 0 { digits.insert(0, at: 0) }
        writeBytes(digits)
    }

    mutating func writeRaw(_ value: some Collection<UInt8>) {
        bytes.append(contentsOf: value)
    }
}

/// PEM framing (RFC 7468) for the formats we write and read.
enum PEMText {
    /// `-----BEGIN <label>-----`, the base64 in lines of `width`, `-----END <label>-----`, newline.
    static func encode(label: String, der: [UInt8], width: Int) -> String {
        let b64 = Array(Base64.encode(der).utf8)
        var text = "-----BEGIN \(label)-----\n"
        var i = 0
        while i < b64.count {
            let end = min(i + width, b64.count)
            text += String(decoding: b64[i..<end], as: UTF8.self) + "\n"
            i = end
        }
        return text + "-----END \(label)-----\n"
    }

    /// The bytes inside the first `label` block; whitespace between lines is
    /// ignored. Headers (encrypted legacy PEM) are not accepted.
    static func decode(label: String, from text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        let begin = Array("-----BEGIN \(label)-----".utf8)
        let end = Array("-----END \(label)-----".utf8)
        guard let start = find(begin, in: bytes, from: 0),
              let stop = find(end, in: bytes, from: start + begin.count)
        else { return nil }
        let body = bytes[(start + begin.count)..<stop].filter {
            $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r")
                && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t")
        }
        return Base64.decode(String(decoding: body, as: UTF8.self))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
