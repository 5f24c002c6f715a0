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

    /// A string as Go's yaml.v2 writes it (`encoder.stringv`, then the
    /// emitter's scalar analysis), in block context: double-quoted when it
    /// would read back as something else (null, a bool, a number, a
    /// timestamp) or holds a character outside printable ASCII; plain when
    /// the emitter allows a plain scalar; single-quoted otherwise. Unlike
    /// yaml.v2: printable non-ASCII text is double-quoted, not plain, and long
    /// lines are not folded at 80 columns. Everything written reads back with
    /// `parse`.
    public static func quote(_ value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        let printableASCII = scalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if value.isEmpty || !printableASCII || resolvesToNonString(scalars) {
            return String.doubleQuoted(value.unicodeScalars) { scalar in
                scalar.value < 0x20 ? "\\x" + String.hex(scalar.value, digits: 2) : nil
            }
        }
        if plainAllowed(scalars) { return value }
        return "'" + value.replacingAll("'", with: "''") + "'"
    }

    /// yaml.v2's `resolve` for an untagged plain scalar: true unless it is a
    /// string. Timestamps are over-approximated (four digits and a dash).
    static func resolvesToNonString(_ s: [Unicode.Scalar]) -> Bool {
        let text = String(String.UnicodeScalarView(s))
        let specials: Set<String> = [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
            "null", "Null", "NULL", "~", "<<",
            ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
        ]
        if specials.contains(text) { return true }
        guard let first = s.first else { return true }
        func digits(_ part: ArraySlice<Unicode.Scalar>, _ valid: (Unicode.Scalar) -> Bool) -> Bool {
            !part.isEmpty && part.allSatisfy(valid)
        }
        if first == "." {
            // strconv.ParseFloat of ".5", ".5e3".
            return isFloat(s)
        }
        guard first == "+" || first == "-" || isDigit(first) else { return false }
        // parseTimestamp's quick check: YYYY- …
        if isDigit(first), s.count > 4, s[0..<4].allSatisfy({ isDigit($0) }), s[4] == "-" { return true }
        if isBase60Float(s) { return true }
        let plain = s.filter { $0 != "_" }
        var body = plain[...]
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        // strconv.ParseInt/ParseUint with base 0: 0x…, 0o…, 0b…, 0… (octal), decimal.
        if body.count > 2, body.first == "0" {
            let prefix = body[body.index(after: body.startIndex)]
            let rest = body.dropFirst(2)
            switch prefix {
            case "x", "X": if digits(rest, { $0.properties.isASCIIHexDigit }) { return true }
            case "o", "O": if digits(rest, { ("0"..."7").contains($0) }) { return true }
            case "b", "B": if digits(rest, { $0 == "0" || $0 == "1" }) { return true }
            default: break
            }
        }
        return isFloat(Array(plain))
    }

    /// An ASCII digit (nil, past the end, is none): the scanners below
    /// follow Go's regexps and strconv, which know no other digits.
    static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }

    /// yaml.v2's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    /// (which also covers the decimal integers).
    static func isFloat(_ s: [Unicode.Scalar]) -> Bool {
        var i = 0
        func run() -> Int { let start = i; while isDigit(i < s.count ? s[i] : nil) { i += 1 }; return i - start }
        if i < s.count && (s[i] == "+" || s[i] == "-") { i += 1 }
        if i < s.count && s[i] == "." {
            i += 1
            guard run() > 0 else { return false }
        } else {
            guard run() > 0 else { return false }
            if i < s.count && s[i] == "." { i += 1; _ = run() }
        }
        if i < s.count && (s[i] == "e" || s[i] == "E") {
            i += 1
            if i < s.count && (s[i] == "+" || s[i] == "-") { i += 1 }
            guard run() > 0 else { return false }
        }
        return i == s.count
    }

    /// yaml.v2's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
    static func isBase60Float(_ s: [Unicode.Scalar]) -> Bool {
        var i = 0
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        if at(i) == "+" || at(i) == "-" { i += 1 }
        guard isDigit(at(i)) else { return false }
        i += 1
        while isDigit(at(i)) || at(i) == "_" { i += 1 }
        var groups = 0
        while at(i) == ":" {
            // [0-5]?[0-9]
            if isDigit(at(i + 1)) && isDigit(at(i + 2)) && ("0"..."5").contains(s[i + 1]) {
                i += 3
            } else if isDigit(at(i + 1)) {
                i += 2
            } else {
                return false
            }
            groups += 1
        }
        guard groups > 0 else { return false }
        if at(i) == "." {
            i += 1
            while isDigit(at(i)) || at(i) == "_" { i += 1 }
        }
        return i == s.count
    }

    /// The emitter's `block_plain_allowed` for printable ASCII
    /// (`yaml_emitter_analyze_scalar`): no indicator first, no `: ` or ` #`,
    /// no `:` last, no space first or last, no `---`/`...` document marker.
    static func plainAllowed(_ s: [Unicode.Scalar]) -> Bool {
        guard let first = s.first, let last = s.last else { return false }
        if s.count >= 3 && (s[0..<3].allSatisfy { $0 == "-" } || s[0..<3].allSatisfy { $0 == "." }) { return false }
        if first == " " || last == " " { return false }
        let followedByBlank = s.count == 1 || s[1] == " "
        switch first {
        case "#", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`": return false
        case "?", ":", "-": if followedByBlank { return false }
        default: break
        }
        for i in 1..<s.count {
            let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            if s[i] == ":" && (next == nil || next == " ") { return false }
            if s[i] == "#" && s[i - 1] == " " { return false }
        }
        return true
    }

    private static func error(_ line: Int, _ message: String) -> TeleportError {
        TeleportError("invalid profile YAML at line \(line): \(message)")
    }
}
