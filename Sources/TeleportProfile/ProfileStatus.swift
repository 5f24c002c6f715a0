import TeleportKeys
import TeleportSupport

/// What `tsh status` shows for one profile, read from the profile YAML and
/// the SSH certificate on disk (docs/protocol.md, "Status and identity files").
public struct ProfileStatus: Sendable, Equatable {
    public var proxyURL: String
    public var username: String
    public var cluster: String
    public var roles: [String]
    public var logins: [String]
    public var kubernetesEnabled = false
    /// Seconds since the epoch.
    public var validUntil: Int64
    public var extensions: [String]
    public var isActive: Bool

    public init(profile: Profile, certificate: SSHCertificate, isActive: Bool) {
        proxyURL = "https://\(profile.webProxyAddr)"
        username = profile.user
        cluster = profile.cluster
        roles = certificate.roles.sorted()
        logins = certificate.logins  // in the certificate's order, as tsh prints them
        validUntil = certificate.validBefore >= UInt64(Int64.max) ? Int64.max : Int64(certificate.validBefore)
        extensions = certificate.extensions.map(\.name).filter { !$0.hasPrefix("teleport-") }.sorted()
        self.isActive = isActive
    }

    init(proxyURL: String, username: String, cluster: String, roles: [String], logins: [String],
         validUntil: Int64, extensions: [String], isActive: Bool) {
        self.proxyURL = proxyURL
        self.username = username
        self.cluster = cluster
        self.roles = roles
        self.logins = logins
        self.validUntil = validUntil
        self.extensions = extensions
        self.isActive = isActive
    }

    public func isExpired(now: Int64) -> Bool {
        now >= validUntil
    }

    /// The text block, labels padded so that values start at column 22.
    public func text(now: Int64, zone: TimeText.Zone = .local) -> String {
        var lines: [String] = []
        func add(_ label: String, _ value: String, first: Bool = false) {
            let marker = first && isActive ? "> " : "  "
            let head = marker + label + ":"
            let padding = String(repeating: " ", count: max(1, 22 - head.count))
            lines.append(head + padding + Names.printable(value, limit: 4000))
        }
        add("Profile URL", proxyURL, first: true)
        add("Logged in as", username)
        if !cluster.isEmpty { add("Cluster", cluster) }
        add("Roles", roles.joined(separator: ", "))
        if !logins.isEmpty { add("Logins", logins.joined(separator: ", ")) }
        add("Kubernetes", kubernetesEnabled ? "enabled" : "disabled")
        add("Valid until", "\(TimeText.goStyle(validUntil, in: zone)) [\(validity(now: now))]")
        add("Extensions", extensions.joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `valid for 11h59m0s` (truncated to the minute), `valid for <1m`, or `EXPIRED`.
    public func validity(now: Int64) -> String {
        guard !isExpired(now: now) else { return "EXPIRED" }
        let minutes = (validUntil - now) / 60
        if minutes == 0 { return "valid for <1m" }
        return "valid for " + GoDuration.format(nanoseconds: minutes * 60 * 1_000_000_000)
    }
}

/// `tsh status --format json|yaml`: `{"active": …, "profiles": […]}`.
public struct StatusReport: Sendable {
    public var active: ProfileStatus?
    public var profiles: [ProfileStatus]

    /// The zone of `valid_until`: the local one, as tsh prints.
    public var zone: TimeText.Zone

    public init(active: ProfileStatus?, others: [ProfileStatus], zone: TimeText.Zone = .local) {
        self.active = active
        self.profiles = others
        self.zone = zone
    }

    /// tsh's `profileInfo` fields in struct order; empty lists are omitted
    /// (`omitempty`).
    static func fields(_ s: ProfileStatus, zone: TimeText.Zone) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = [
            ("profile_url", .string(s.proxyURL)),
            ("username", .string(s.username)),
            ("cluster", .string(s.cluster)),
        ]
        if !s.roles.isEmpty { out.append(("roles", .strings(s.roles))) }
        if !s.logins.isEmpty { out.append(("logins", .strings(s.logins))) }
        out.append(("kubernetes_enabled", .bool(s.kubernetesEnabled)))
        out.append(("valid_until", .string(TimeText.rfc3339(s.validUntil, in: zone))))
        if !s.extensions.isEmpty { out.append(("extensions", .strings(s.extensions))) }
        return out
    }

    public var json: JSONValue {
        var top: [(String, JSONValue)] = []
        if let active { top.append(("active", .object(Self.fields(active, zone: zone)))) }
        top.append(("profiles", .array(profiles.map { .object(Self.fields($0, zone: zone)) })))
        return .object(top)
    }

    /// The same report as YAML. tsh converts its JSON to YAML through a map,
    /// so keys come out sorted.
    public func yaml() -> String {
        func block(_ status: ProfileStatus, indent: String) -> String {
            var out = ""
            for (key, value) in Self.fields(status, zone: zone).sorted(by: { $0.0 < $1.0 }) {
                switch value {
                case .array(let items):
                    if items.isEmpty { out += "\(indent)\(key): []\n"; continue }
                    out += "\(indent)\(key):\n"
                    for case .string(let item) in items { out += "\(indent)- \(FlatYAML.quote(item))\n" }
                case .string(let text): out += "\(indent)\(key): \(FlatYAML.quote(text))\n"
                case .bool(let flag): out += "\(indent)\(key): \(flag)\n"
                default: break
                }
            }
            return out
        }
        var out = active.map { "active:\n" + block($0, indent: "  ") } ?? ""
        if profiles.isEmpty {
            out += "profiles: []\n"
        } else {
            out += "profiles:\n"
            for status in profiles { out += "- " + block(status, indent: "  ").dropFirst(2) }
        }
        return out
    }
}

extension StatusReport {
    /// What `tsh status` and `tsh login` print, in `format`; `now` decides
    /// the `[valid for …]` of the text form.
    public func rendered(_ format: OutputFormat, now: Int64) -> String {
        switch format {
        case .json:
            return json.rendered() + "\n"
        case .yaml:
            return yaml()
        case .text:
            return ((active.map { [$0] } ?? []) + profiles).map { $0.text(now: now, zone: zone) + "\n" }.joined()
        }
    }
}
