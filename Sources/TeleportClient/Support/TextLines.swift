/// Splits text into lines at LF, byte-wise, dropping a CR before it. Swift's
/// `Character` treats "\r\n" as one character, so splitting at the
/// Character "\n" would leave CRLF files as one line.
enum TextLines {
    static func split(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.utf8.startIndex
        var index = start
        while index < text.utf8.endIndex {
            if text.utf8[index] == UInt8(ascii: "\n") {
                lines.append(trimCR(text[start..<index]))
                start = text.utf8.index(after: index)
            }
            index = text.utf8.index(after: index)
        }
        lines.append(trimCR(text[start..<text.utf8.endIndex]))
        return lines
    }

    private static func trimCR(_ line: Substring) -> Substring {
        line.utf8.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
}

extension String {
    /// Trims the given characters, compared scalar by scalar (so "\r\n" is two).
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var s = Substring(self).unicodeScalars[...]
        while let f = s.first, scalars.contains(f) { s = s.dropFirst() }
        while let l = s.last, scalars.contains(l) { s = s.dropLast() }
        return String(String.UnicodeScalarView(s))
    }
}

extension String {
    /// `"text"` with `"`, `\`, LF, CR and tab backslash-escaped, and every
    /// other scalar as `escape` says (nil keeps it). JSON, YAML and our error
    /// messages differ only in that rule.
    static func doubleQuoted(_ scalars: some Sequence<Unicode.Scalar>,
                             escapingOthers escape: (Unicode.Scalar) -> String?) -> String {
        var out = "\""
        for scalar in scalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if let escaped = escape(scalar) { out += escaped } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Lower-case hex, zero-padded to at least `digits`.
    static func hex(_ value: UInt32, digits: Int) -> String {
        let h = String(value, radix: 16)
        return String(repeating: "0", count: Swift.max(0, digits - h.count)) + h
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        Substring(self).replacingOccurrences(of: target, with: replacement)
    }
}

extension Substring {
    /// Replaces every occurrence of `target`, matching UTF-8 bytes: with
    /// Character matching, a "%" after a prepend mark (U+06DD) is part of one
    /// grapheme and would be missed, leaving a "%" undoubled in ssh_config.
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        let bytes = Array(utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty, needle.count <= bytes.count else { return String(self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i + needle.count <= bytes.count && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                out += replacement.utf8
                i += needle.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
