/// Times as tsh prints them, without ICU: in the local time zone, or in UTC
/// where a caller (a test) needs output that does not depend on `TZ`.
public enum TimeText {
    public enum Zone: Sendable {
        /// The process's time zone (`TZ`, `/etc/localtime`), as tsh prints.
        case local
        case utc
    }

    /// Go's `time.Time.String()` shape: `2024-06-01 02:15:04 +0000 UTC`.
    public static func goStyle(_ seconds: Int64, in zone: Zone = .local) -> String {
        switch zone {
        case .local: return format(seconds, "%Y-%m-%d %H:%M:%S %z %Z", zone: zone)
        // glibc names UTC "GMT" for gmtime; Go says UTC.
        case .utc: return format(seconds, "%Y-%m-%d %H:%M:%S +0000 UTC", zone: zone)
        }
    }

    /// RFC 3339, as Go marshals a `time.Time` to JSON: `2024-06-01T02:15:04Z`
    /// or with an offset such as `-04:00`.
    public static func rfc3339(_ seconds: Int64, in zone: Zone = .local) -> String {
        let base = format(seconds, "%Y-%m-%dT%H:%M:%S", zone: zone)
        let offset = format(seconds, "%z", zone: zone)  // +hhmm
        if offset == "+0000" || offset == "-0000" { return base + "Z" }
        guard offset.count == 5 else { return base + "Z" }
        return base + offset.prefix(3) + ":" + offset.suffix(2)
    }

    /// Seconds since the epoch, now.
    public static func now() -> Int64 {
        Int64(time(nil))
    }

    private static func format(_ seconds: Int64, _ pattern: String, zone: Zone) -> String {
        var t = time_t(seconds)
        var parts = tm()
        switch zone {
        case .local: localtime_r(&t, &parts)
        case .utc: gmtime_r(&t, &parts)
        }
        var buffer = [CChar](repeating: 0, count: 128)
        let n = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
