/// The small subset of YAML that tsh profiles use: one top-level mapping of
/// scalars (plain, 'single' or "double" quoted), flow `[]`/`{}`, and block lists
/// of scalars. Nested mappings are skipped. Written by hand: `tsh proxy ssh`
/// reads a profile for every connection, and this costs microseconds without
/// a YAML library's start-up.
public enum FlatYAML {
    public enum Value: Equatable, Sendable {
        case scalar(String)
        case list([String])
    }

    public static func parse(_ text: String) throws -> [String: Value] {
        var result: [String: Value] = [:]
        var listKey: String?
        var inNested = false
        for (number, line) in TextLines.split(text).enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") || line == "---" { continue }
            let indented = line.first == " " || line.first == "\t"
            if indented || line.hasPrefix("- ") || line == "-" {
                if let key = listKey, trimmed.hasPrefix("-") {
                    let item = try scalar(trimmed.dropFirst().drop { $0 == " " }, line: number + 1)
                    if case .list(var items) = result[key] {
                        items.append(item)
                        result[key] = .list(items)
                    }
                    continue
                }
                if inNested || listKey != nil { continue }
                throw error(number + 1, "unexpected indentation")
            }
            listKey = nil
            inNested = false
            guard let colon = keyColon(in: line) else { throw error(number + 1, "expected key: value") }
            let key = String(line[..<colon])
            let rest = line[line.index(after: colon)...].drop { $0 == " " }
            if rest.isEmpty {
                // A block list or a nested mapping follows.
                result[key] = .list([])
                listKey = key
                inNested = true
            } else if rest == "[]" {
                result[key] = .list([])
            } else if rest == "{}" {
                continue
            } else if rest.hasPrefix("[") {
                result[key] = .list(try flowList(rest, line: number + 1))
            } else {
                result[key] = .scalar(try scalar(rest, line: number + 1))
            }
        }
        return result
    }

    /// The colon ending a plain key (`key: value` or `key:` at end of line).
    private static func keyColon(in line: Substring) -> Substring.Index? {
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if c == ":" {
                let next = line.index(after: index)
                if next == line.endIndex || line[next] == " " { return index == line.startIndex ? nil : index }
            }
            if c == " " || c == "\"" || c == "'" || c == "#" { return nil }
            index = line.index(after: index)
        }
        return nil
    }

    private static func flowList(_ text: Substring, line: Int) throws -> [String] {
        guard text.hasSuffix("]") else { throw error(line, "unterminated list") }
        let inner = text.dropFirst().dropLast()
        if inner.allSatisfy({ $0 == " " }) { return [] }
        return try inner.split(separator: ",").map { try scalar($0.drop { $0 == " " }, line: line) }
    }

    static func scalar(_ raw: Substring, line: Int) throws -> String {
        var text = raw
        while text.last == " " { text = text.dropLast() }
        // Quotes are found scalar by scalar: a combining mark after a quote
        // would otherwise fuse with it into one Character.
        let scalars = text.unicodeScalars
        if scalars.first == "\"" {
            guard scalars.count >= 2, scalars.last == "\"" else { throw error(line, "unterminated string") }
            return try unescapeDouble(scalars.dropFirst().dropLast(), line: line)
        }
        if scalars.first == "'" {
            guard scalars.count >= 2, scalars.last == "'" else { throw error(line, "unterminated string") }
            let inner = String(String.UnicodeScalarView(scalars.dropFirst().dropLast()))
            return Substring(inner).replacingOccurrences(of: "''", with: "'")
        }
        if let hash = text.firstRange(of: " #") { text = text[..<hash.lowerBound] }
        while text.last == " " { text = text.dropLast() }
        if text == "~" || text == "null" { return "" }
        return String(text)
    }

    private static func unescapeDouble(_ text: Substring.UnicodeScalarView.SubSequence, line: Int) throws -> String {
        var out = String.UnicodeScalarView()
        var iterator = text.makeIterator()
        func hex(_ count: Int) throws -> Unicode.Scalar {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let d = iterator.next(), let v = UInt32(String(d), radix: 16) else { throw error(line, "bad escape") }
                value = value << 4 | v
            }
            guard let scalar = Unicode.Scalar(value) else { throw error(line, "bad escape") }
            return scalar
        }
        while let c = iterator.next() {
            guard c == "\\" else { out.append(c); continue }
            guard let e = iterator.next() else { throw error(line, "bad escape") }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "0": out.append("\0")
            case "x": out.append(try hex(2))
            case "u": out.append(try hex(4))
            case "\"", "\\", "/": out.append(e)
            default: throw error(line, "unsupported escape \\\(e)")
            }
        }
        return String(out)
    }

    /// A YAML scalar as Go's yaml.v2 writes strings: plain when safe, else
    /// double-quoted.
    public static func quote(_ value: String) -> String {
        let plainSafe = !value.isEmpty
            && value.unicodeScalars.allSatisfy { s in
                s.value < 0x80 && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "._-/@:+=".unicodeScalars.contains(s))
            }
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"].contains(value.lowercased())
            && !(value.first!.isNumber && value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" || $0 == "+" }))
            // A leading "-" is plain when a letter follows (`-m`, as in `uname -m`).
            && !(value.hasPrefix("-") && !(value.dropFirst().first?.isLetter ?? false))
            && !value.hasSuffix(":") && !value.contains(": ")
            && !looksLikeTimestamp(value)
        if plainSafe { return value }
        return String.doubleQuoted(value.unicodeScalars) { scalar in
            scalar.value < 0x20 ? "\\x" + String.hex(scalar.value, digits: 2) : nil
        }
    }

    /// yaml.v2 quotes strings that would read back as timestamps.
    private static func looksLikeTimestamp(_ value: String) -> Bool {
        let head = Array(value.utf8.prefix(10))
        guard head.count == 10 else { return false }
        for (i, c) in head.enumerated() {
            let isDigit = (48...57).contains(c)
            if i == 4 || i == 7 { if c != UInt8(ascii: "-") { return false } } else if !isDigit { return false }
        }
        return true
    }

    private static func error(_ line: Int, _ message: String) -> TeleportError {
        TeleportError("invalid profile YAML at line \(line): \(message)")
    }
}
