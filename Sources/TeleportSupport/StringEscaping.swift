// String helpers without Foundation: trimming, replacing, and the one
// double-quote escaper that JSON, YAML and error messages share.

extension String {
    /// Trims the given characters, compared scalar by scalar (so "\r\n" is two).
    package func trimmingCharacters(in set: String) -> String {
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
    package static func doubleQuoted(_ scalars: some Sequence<Unicode.Scalar>,
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
    package static func hex(_ value: UInt32, digits: Int) -> String {
        let h = String(value, radix: 16)
        return String(repeating: "0", count: Swift.max(0, digits - h.count)) + h
    }

    package func replacingAll(_ target: String, with replacement: String) -> String {
        Substring(self).replacingOccurrences(of: target, with: replacement)
    }
}

extension Substring {
    /// Replaces every occurrence of `target`, matching UTF-8 bytes: with
    /// Character matching, a "%" after a prepend mark (U+06DD) is part of one
    /// grapheme and would be missed, leaving a "%" undoubled in ssh_config.
    package func replacingOccurrences(of target: String, with replacement: String) -> String {
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
