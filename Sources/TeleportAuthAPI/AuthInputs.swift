import TeleportProto

/// The outside input the auth client parses, one entry point each, for the
/// fuzzer and its regression test: the bytes of a gRPC response message,
/// decoded and checked exactly as `AuthClient` does, then turned into what
/// tsh writes or prints. Each either yields that or throws; none may trap.
public enum AuthInputs {
    /// A `GetCertAuthoritiesResponse`: the host CAs that pass
    /// `HostAuthority.validate`, the ones login writes to known_hosts and cas/.
    public static func certAuthorities(_ bytes: [UInt8]) throws -> [HostAuthority] {
        let response = try Teleport_Trust_V1_GetCertAuthoritiesResponse(serializedBytes: bytes)
        return try HostAuthority.validate(response.certAuthoritiesV2)
    }

    /// What `tsh ls` prints for one page of nodes, in each format.
    public struct NodeOutput: Sendable {
        public var count: Int
        public var nextKey: String?
        public var text: String
        public var verboseText: String
        public var names: String
        public var json: String
        public var yaml: String
    }

    /// A `ListUnifiedResourcesResponse` through `listNodes`'s page checks,
    /// then every output format of `tsh ls`.
    public static func nodePage(_ bytes: [UInt8]) throws -> NodeOutput {
        let response = try Proto_ListUnifiedResourcesResponse(serializedBytes: bytes)
        var pager = NodePager(filter: NodeFilter())
        try pager.add(response)
        let next = try pager.nextRequest()
        let nodes = pager.nodes
        return NodeOutput(count: nodes.count, nextKey: next?.startKey,
                          text: NodeReport(nodes: nodes).text(),
                          verboseText: NodeReport(nodes: nodes, verbose: true).text(),
                          names: NodeReport(nodes: nodes).names(),
                          json: NodeReport.json(nodes), yaml: NodeReport.yaml(nodes))
    }
}
