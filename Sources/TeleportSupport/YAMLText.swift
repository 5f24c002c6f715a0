/// YAML as Go tsh prints `--format yaml` for values it marshals with
/// `github.com/ghodss/yaml`: the value goes to JSON first, is read back into
/// maps, and `gopkg.in/yaml.v2` writes those. So the YAML has the JSON's
/// structure and omissions, keys sorted in yaml.v2's order at every level,
/// block style, and a sequence inside a mapping at its key's indentation.
/// Strings go through `FlatYAML.quote`, the one YAML scalar writer.
extension JSONValue {
    public func yaml() -> String {
        if let scalar = YAMLText.inline(self) { return scalar + "\n" }
        return YAMLText.block(self, indent: "")
    }
}

enum YAMLText {
    /// A scalar, or an empty list or mapping, on the line of its key.
    static func inline(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return FlatYAML.quote(text)
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .null: return "null"
        case .array(let items): return items.isEmpty ? "[]" : nil
        case .object(let fields): return fields.isEmpty ? "{}" : nil
        }
    }

    /// The lines of a non-empty list or mapping whose entries start at `indent`.
    static func block(_ value: JSONValue, indent: String) -> String {
        var out = ""
        switch value {
        case .object(let fields):
            for (key, child) in fields.sorted(by: { keyPrecedes($0.0, $1.0) }) {
                let name = FlatYAML.quote(key)
                if let scalar = inline(child) {
                    out += "\(indent)\(name): \(scalar)\n"
                } else if case .array = child {
                    out += "\(indent)\(name):\n" + block(child, indent: indent)
                } else {
                    out += "\(indent)\(name):\n" + block(child, indent: indent + "  ")
                }
            }
        case .array(let items):
            for item in items {
                if let scalar = inline(item) {
                    out += "\(indent)- \(scalar)\n"
                } else {
                    // The item's block, its first line's indentation turned into "- ".
                    let nested = block(item, indent: indent + "  ")
                    out += indent + "- " + nested.dropFirst(indent.count + 2)
                }
            }
        default:
            break
        }
        return out
    }

    /// yaml.v2's order of map keys (`keyList.Less` in sorter.go): rune by
    /// rune, letters after other characters, runs of digits compared as
    /// numbers, then the shorter key first.
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        let ar = Array(a.unicodeScalars), br = Array(b.unicodeScalars)
        func isLetter(_ s: Unicode.Scalar) -> Bool {
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }
        func isDigit(_ s: Unicode.Scalar) -> Bool { s.properties.generalCategory == .decimalNumber }
        var i = 0
        while i < ar.count && i < br.count {
            if ar[i] == br[i] { i += 1; continue }
            let al = isLetter(ar[i]), bl = isLetter(br[i])
            if al && bl { return ar[i].value < br[i].value }
            if al || bl { return bl }
            var an: Int64 = 0, bn: Int64 = 0
            if ar[i] == "0" || br[i] == "0" {
                var j = i - 1
                while j >= 0 && isDigit(ar[j]) {
                    if ar[j] != "0" { an = 1; bn = 1; break }
                    j -= 1
                }
            }
            var ai = i, bi = i
            while ai < ar.count && isDigit(ar[ai]) {
                an = an &* 10 &+ (Int64(ar[ai].value) - 48)
                ai += 1
            }
            while bi < br.count && isDigit(br[bi]) {
                bn = bn &* 10 &+ (Int64(br[bi].value) - 48)
                bi += 1
            }
            if an != bn { return an < bn }
            if ai != bi { return ai < bi }
            return ar[i].value < br[i].value
        }
        return ar.count < br.count
    }
}
