import SwiftProtobuf
import TeleportProto
import TeleportSupport

/// `tsh ls --format=json|yaml`: Go's JSON of `[]*types.ServerV2` with the
/// gogoproto json tags (docs/auth-api.md §4), nodes in the report's order.
extension NodeReport {
    /// `utils.FastMarshalIndent(nodes, "", "  ")`, then `fmt.Println`.
    public static func json(_ nodes: [Types_ServerV2]) -> String {
        document(nodes).rendered() + "\n"
    }

    /// `ghodss/yaml.Marshal(nodes)` (the same document as YAML; it ends with
    /// a newline), then `fmt.Println`: Go tsh ends it with an empty line.
    public static func yaml(_ nodes: [Types_ServerV2]) -> String {
        document(nodes).yaml() + "\n"
    }

    static func document(_ nodes: [Types_ServerV2]) -> JSONValue {
        let sorted = nodes.sorted { Array($0.spec.hostname.utf8).lexicographicallyPrecedes(Array($1.spec.hostname.utf8)) }
        return JSONValue.array(sorted.map(serverJSON))
    }

    static let goZeroSeconds: Int64 = -62_135_596_800

    /// RFC 3339 with nanoseconds (Go's time.Time MarshalJSON), in UTC.
    static func time(_ timestamp: Google_Protobuf_Timestamp?) -> String {
        guard let timestamp, timestamp.seconds != goZeroSeconds || timestamp.nanos != 0 else {
            return "0001-01-01T00:00:00Z"
        }
        var text = TimeText.rfc3339(timestamp.seconds, in: .utc)
        if timestamp.nanos > 0 {
            var fraction = String(timestamp.nanos)
            fraction = String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text.removeLast()  // Z
            text += "." + fraction + "Z"
        }
        return text
    }

    static func serverJSON(_ node: Types_ServerV2) -> JSONValue {
        var out: [(String, JSONValue)] = [("kind", .string(node.kind))]
        if !node.subKind.isEmpty { out.append(("sub_kind", .string(node.subKind))) }
        out.append(("version", .string(node.version)))
        var metadata: [(String, JSONValue)] = [("name", .string(node.metadata.name))]
        if !node.metadata.labels.isEmpty {
            metadata.append(("labels", .object(node.metadata.labels.keys.sorted().map { ($0, .string(node.metadata.labels[$0]!)) })))
        }
        if node.metadata.hasExpires { metadata.append(("expires", .string(time(node.metadata.expires)))) }
        if !node.metadata.revision.isEmpty { metadata.append(("revision", .string(node.metadata.revision))) }
        out.append(("metadata", .object(metadata)))
        let spec = node.spec
        var s: [(String, JSONValue)] = [("addr", .string(spec.addr)), ("hostname", .string(spec.hostname))]
        if !spec.cmdLabels.isEmpty {
            s.append(("cmd_labels", .object(spec.cmdLabels.keys.sorted().map { key in
                let label = spec.cmdLabels[key]!
                return (key, .object([("period", .string(GoDuration.format(nanoseconds: label.period))),
                                      ("command", .strings(label.command)),
                                      ("result", .string(label.result))]))
            })))
        }
        let rotation = spec.rotation
        var r: [(String, JSONValue)] = []
        if !rotation.state.isEmpty { r.append(("state", .string(rotation.state))) }
        if !rotation.phase.isEmpty { r.append(("phase", .string(rotation.phase))) }
        if !rotation.mode.isEmpty { r.append(("mode", .string(rotation.mode))) }
        r.append(("current_id", .string(rotation.currentID)))
        r.append(("started", .string(time(rotation.hasStarted ? rotation.started : nil))))
        if rotation.gracePeriod != 0 { r.append(("grace_period", .string(GoDuration.format(nanoseconds: rotation.gracePeriod)))) }
        r.append(("last_rotated", .string(time(rotation.hasLastRotated ? rotation.lastRotated : nil))))
        let schedule = rotation.schedule
        r.append(("schedule", .object([
            ("update_clients", .string(time(schedule.hasUpdateClients ? schedule.updateClients : nil))),
            ("update_servers", .string(time(schedule.hasUpdateServers ? schedule.updateServers : nil))),
            ("standby", .string(time(schedule.hasStandby ? schedule.standby : nil))),
        ])))
        s.append(("rotation", .object(r)))
        if spec.useTunnel { s.append(("use_tunnel", .bool(true))) }
        s.append(("version", .string(spec.version)))
        if !spec.peerAddr.isEmpty { s.append(("peer_addr", .string(spec.peerAddr))) }
        if !spec.proxyIds.isEmpty { s.append(("proxy_ids", .strings(spec.proxyIds))) }
        if !spec.publicAddrs.isEmpty { s.append(("public_addrs", .strings(spec.publicAddrs))) }
        out.append(("spec", .object(s)))
        return .object(out)
    }
}
