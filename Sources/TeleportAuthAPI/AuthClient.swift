import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import SwiftProtobuf
import TeleportProto
import TeleportSupport
import TeleportTransport

/// A client of a cluster's auth server, reached through the proxy
/// (docs/auth-api.md §2): with TLS routing, TLS to the web address with ALPN
/// `teleport-auth@<hex(cluster)>.teleport.cluster.local` (then `h2`), SNI
/// `<hex(cluster)>.teleport.cluster.local`, the cluster's host TLS CA as roots
/// and the user's certificate. The TLS and gRPC stack is the transport's.
public struct AuthClient: Sendable {
    static let getCertAuthorities = MethodDescriptor(
        fullyQualifiedService: "teleport.trust.v1.TrustService", method: "GetCertAuthorities")
    static let listUnifiedResources = MethodDescriptor(
        fullyQualifiedService: "proto.AuthService", method: "ListUnifiedResources")

    /// Largest answer accepted per call; a bigger one fails the call.
    public static let maxResponseBytes = 8 << 20

    /// The TLS to the auth server: dialled directly with TLS routing, or run
    /// inside `carrier`'s ProxyCluster stream (its host and port unused).
    public var route: TLSRoute
    public var cluster: String
    /// Without TLS routing: the route to the TransportService on the SSH port.
    public var carrier: TLSRoute?

    public init(route: TLSRoute, cluster: String, carrier: TLSRoute? = nil) {
        self.route = route
        self.cluster = cluster
        self.carrier = carrier
    }

    /// The route to `cluster`'s auth server for a TLS-routing proxy at
    /// `host:port`; `trustPEM` is `cas/<cluster>.pem` of the cluster the
    /// connection ends at.
    public static func tlsRoutingRoute(host: String, port: Int, cluster: String, trustPEM: String,
                                       certificatePEM: String, privateKeyPEM: String,
                                       upgrade: ConnectionUpgrade?) -> TLSRoute {
        TLSRoute(host: host, port: port,
                 serverName: TeleportServerName.encode(cluster: cluster),
                 alpn: [TeleportALPN.auth(cluster: cluster), TeleportALPN.http2],
                 trust: .certificates(pem: trustPEM),
                 clientCertificate: .init(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM),
                 upgrade: upgrade)
    }

    var options: CallOptions {
        var options = CallOptions.defaults
        options.maxResponseMessageBytes = Self.maxResponseBytes
        options.timeout = .seconds(max(20, route.connectTimeoutSeconds))
        return options
    }

    /// Runs `body` with a connected gRPC client; transport and status
    /// failures become `TeleportError`s.
    func withClient<T: Sendable>(
        _ body: @Sendable @escaping (GRPCClient<HTTP2ClientTransport.WrappedChannel>) async throws -> T
    ) async throws -> T {
        if let carrier {
            return try await ClusterTunnel.run(carrier: carrier, inner: route, cluster: cluster, body)
        }
        let connected: Connected
        do {
            connected = try await GRPCConnection.connect(route)
        } catch let failure as TransportFailure {
            throw failure.teleportError()
        }
        do {
            return try await withGRPCClient(transport: connected.transport) { client in
                try await body(client)
            }
        } catch let error as RPCError {
            if let tls = connected.tlsFailure { throw tls.teleportError() }
            throw Self.teleportError(error, cluster: cluster)
        } catch let failure as TransportFailure {
            throw failure.teleportError()
        }
    }

    static func teleportError(_ error: RPCError, cluster: String) -> TeleportError {
        let message = Names.printable(String(error.message.prefix(1000)))
        switch error.code {
        case .unimplemented:
            return TeleportError("the auth server of \(cluster) does not offer this call: \(message)", kind: .unsupported)
        case .unauthenticated:
            return TeleportError(message, kind: .credentialsRefused)
        case .unavailable:
            return TeleportError("the auth server of \(cluster) is unavailable: \(message)", kind: .unreachable)
        case .deadlineExceeded:
            return TeleportError("the auth server of \(cluster) did not answer in time", kind: .timeout)
        case .invalidArgument:
            return TeleportError(message, kind: .invalidInput)
        default:
            return TeleportError("the auth server of \(cluster) refused the call: \(message)", kind: .refused)
        }
    }

    /// `TrustService/GetCertAuthorities(type: host, include_key: false)`:
    /// the host CAs the cluster trusts (its own and, for a root, its leaves'),
    /// validated as outside input.
    public func hostAuthorities() async throws -> [HostAuthority] {
        var request = Teleport_Trust_V1_GetCertAuthoritiesRequest()
        request.type = "host"
        request.includeKey = false
        let message = request
        let options = self.options
        let response = try await withClient { client in
            try await client.unary(
                request: ClientRequest(message: message), descriptor: Self.getCertAuthorities,
                serializer: ProtobufSerializer<Teleport_Trust_V1_GetCertAuthoritiesRequest>(),
                deserializer: ProtobufDeserializer<Teleport_Trust_V1_GetCertAuthoritiesResponse>(),
                options: options
            ) { try $0.message }
        }
        return try HostAuthority.validate(response.certAuthoritiesV2)
    }

    /// `AuthService/ListUnifiedResources` for nodes, page after page until
    /// the next key is empty (docs/auth-api.md §4). A page too large for a
    /// gRPC message (`ResourceExhausted`, from the server or from our own
    /// limit) is asked for again with half the limit, which then holds for
    /// the pages after it, as `client.GetUnifiedResourcePage` does.
    public func listNodes(_ filter: NodeFilter) async throws -> [Types_ServerV2] {
        let options = self.options
        let cluster = self.cluster
        return try await withClient { client in
            var pager = NodePager(filter: filter)
            while let request = try pager.nextRequest() {
                let page: Proto_ListUnifiedResourcesResponse
                do {
                    page = try await client.unary(
                        request: ClientRequest(message: request), descriptor: Self.listUnifiedResources,
                        serializer: ProtobufSerializer<Proto_ListUnifiedResourcesRequest>(),
                        deserializer: ProtobufDeserializer<Proto_ListUnifiedResourcesResponse>(),
                        options: options
                    ) { try $0.message }
                } catch let error as RPCError where error.code == .resourceExhausted {
                    try pager.halve(cluster: cluster, message: error.message)
                    continue
                }
                try pager.add(page)
            }
            return pager.nodes
        }
    }
}

/// The paging of `listNodes`, apart from the network so that it can be
/// tested and fuzzed: the next request, the checks on every page (a bounded
/// count of nodes and pages, a next key that never repeats), and the halving
/// of the page size.
package struct NodePager {
    package private(set) var nodes: [Types_ServerV2] = []
    package private(set) var limit: Int32 = NodeFilter.pageSize
    private let filter: NodeFilter
    private var startKey = ""
    private var seenKeys = Set<String>()
    private var pages = 0
    private var done = false

    package init(filter: NodeFilter) { self.filter = filter }

    /// The request for the next page; nil once the last page was added.
    package func nextRequest() throws -> Proto_ListUnifiedResourcesRequest? {
        guard !done else { return nil }
        var request = filter.request()
        request.limit = limit
        request.startKey = startKey
        return request
    }

    /// After a `ResourceExhausted` answer: half the limit, or the end at 0
    /// (Go: "resource is too large to retrieve").
    package mutating func halve(cluster: String, message: String) throws {
        limit /= 2
        guard limit > 0 else {
            throw TeleportError("the auth server of \(cluster) cannot send even one node within a gRPC message: resource is too large to retrieve (\(Names.printable(String(message.prefix(300)))))",
                                kind: .refused)
        }
        Debug.log("ls: the page was too large (\(Names.printable(String(message.prefix(300))))); asking for \(limit) nodes a page")
    }

    package mutating func add(_ page: Proto_ListUnifiedResourcesResponse) throws {
        pages += 1
        for resource in page.resources {
            if case .node(let node)? = resource.resource { nodes.append(node) }
        }
        guard nodes.count <= NodeFilter.maxNodes else {
            throw TeleportError("the auth server sent more than \(NodeFilter.maxNodes) nodes; refusing the list")
        }
        if page.nextKey.isEmpty {
            done = true
            return
        }
        guard seenKeys.insert(page.nextKey).inserted, page.nextKey.utf8.count <= 4096 else {
            throw TeleportError("the auth server's pages do not end (next key \(Names.quoted(page.nextKey)) repeats); refusing the list")
        }
        guard pages < NodeFilter.maxPages else {
            throw TeleportError("the auth server sent more than \(NodeFilter.maxPages) pages; refusing the list")
        }
        startKey = page.nextKey
    }
}

/// What `tsh ls` asks for: labels, search keywords, a predicate.
public struct NodeFilter: Sendable, Equatable {
    public static let pageSize: Int32 = 1000
    public static let maxPages = 1000
    public static let maxNodes = 500_000

    public var labels: [String: String]
    public var searchKeywords: [String]
    public var predicate: String

    public init(labels: [String: String] = [:], searchKeywords: [String] = [], predicate: String = "") {
        self.labels = labels
        self.searchKeywords = searchKeywords
        self.predicate = predicate
    }

    func request() -> Proto_ListUnifiedResourcesRequest {
        var request = Proto_ListUnifiedResourcesRequest()
        request.kinds = ["node"]
        request.limit = Self.pageSize
        request.labels = labels
        request.searchKeywords = searchKeywords
        request.predicateExpression = predicate
        var sort = Types_SortBy()
        sort.field = "kind"
        sort.isDesc = false
        request.sortBy = sort
        return request
    }

    /// lib/client `ParseSearchKeywords`: commas outside double quotes split,
    /// quotes are dropped, spaces trimmed, empty keywords skipped.
    public static func parseSearchKeywords(_ text: String) -> [String] {
        var keywords: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" {
                quoted.toggle()
            } else if character == "," && !quoted {
                keywords.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        keywords.append(current)
        return keywords.map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }
    }
}
