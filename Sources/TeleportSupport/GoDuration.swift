/// Go's `time.Duration` text (`30s`, `1m30s`, `12h0m0s`, `500ms`), as tsh
/// writes `ssh_dial_timeout` and prints `[valid for …]`.
public enum GoDuration {
    public static func format(nanoseconds ns: Int64) -> String {
        if ns == 0 { return "0s" }
        let negative = ns < 0
        let magnitude = ns.magnitude
        var text: String
        if magnitude < 1_000_000_000 {
            // Sub-second values use the largest unit that keeps an integer part.
            if magnitude < 1_000 { text = "\(magnitude)ns" }
            else if magnitude < 1_000_000 { text = fraction(magnitude, 1_000) + "µs" }
            else { text = fraction(magnitude, 1_000_000) + "ms" }
        } else {
            let totalSeconds = magnitude / 1_000_000_000
            let hours = totalSeconds / 3600
            let minutes = (totalSeconds % 3600) / 60
            let seconds = fraction(magnitude % 60_000_000_000, 1_000_000_000)
            if hours > 0 { text = "\(hours)h\(minutes)m\(seconds)s" }
            else if minutes > 0 { text = "\(minutes)m\(seconds)s" }
            else { text = "\(seconds)s" }
        }
        return negative ? "-" + text : text
    }

    /// Parses Go duration text exactly (integer arithmetic, as Go does); nil
    /// when it is not one.
    public static func parse(_ text: String) -> Int64? {
        var rest = Substring(text)
        var negative = false
        if rest.hasPrefix("-") { negative = true; rest = rest.dropFirst() } else if rest.hasPrefix("+") { rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000),
                                        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000)]
        var total: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(whole.count)
            var fraction = Substring("")
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fraction.count)
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText })?.1 else { return nil }
            rest = rest.dropFirst(unitText.count)
            guard whole.count <= 19, let w = whole.isEmpty ? 0 : Int64(whole) else { return nil }
            var (value, overflow) = w.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            // The fraction, digit by digit, in the unit's integer nanoseconds.
            var scale = unit
            for digit in fraction {
                scale /= 10
                if scale == 0 { break }
                value += Int64(digit.wholeNumberValue!) * scale
            }
            (total, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { return nil }
        }
        return negative ? -total : total
    }

    private static func fraction(_ value: UInt64, _ unit: UInt64) -> String {
        let whole = value / unit
        var remainder = value % unit
        if remainder == 0 { return "\(whole)" }
        var digits = ""
        var scale = unit / 10
        while remainder > 0 && scale > 0 {
            digits.append(Character(String(remainder / scale)))
            remainder %= scale
            scale /= 10
        }
        return "\(whole).\(digits)"
    }
}
