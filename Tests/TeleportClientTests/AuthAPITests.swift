import Foundation
import SwiftProtobuf
import Testing
@testable import TeleportAuthAPI
import TeleportProfile
import TeleportProto
@testable import TeleportSupport

/// `tsh ls`'s output (NodeReport: table, names, JSON, YAML) and the host CAs
/// login writes after the CA fetch (HostAuthority), without a server.
@Suite struct AuthAPITests {
    // MARK: Nodes

    static func node(_ hostname: String, id: String, addr: String = "", labels: [String: String] = [:],
                     subKind: String = "", version: String = "", tunnel: Bool = false,
                     expires: Int64? = nil, cmdLabels: [String: (Int64, [String], String)] = [:]) -> Types_ServerV2 {
        var node = Types_ServerV2()
        node.kind = "node"
        node.subKind = subKind
        node.version = "v2"
        node.metadata.name = id
        node.metadata.labels = labels
        node.metadata.revision = "rev-" + id.prefix(4)
        if let expires { node.metadata.expires = Google_Protobuf_Timestamp(seconds: expires, nanos: 0) }
        node.spec.addr = addr
        node.spec.hostname = hostname
        node.spec.useTunnel = tunnel
        node.spec.version = version
        for (key, (period, command, result)) in cmdLabels {
            var label = Types_CommandLabelV2()
            label.period = period
            label.command = command
            label.result = result
            node.spec.cmdLabels[key] = label
        }
        // As Teleport sends it: the non-nullable rotation with Go's zero time.
        let zero = Google_Protobuf_Timestamp(seconds: NodeReport.goZeroSeconds, nanos: 0)
        node.spec.rotation.started = zero
        node.spec.rotation.lastRotated = zero
        node.spec.rotation.schedule.updateClients = zero
        node.spec.rotation.schedule.updateServers = zero
        node.spec.rotation.schedule.standby = zero
        return node
    }

    /// An agentless node, an agent with a command label and Teleport's own
    /// labels, a tunnel node, and names whose byte order differs from a
    /// case-insensitive one.
    static let nodes: [Types_ServerV2] = [
        node("web-2", id: "5f0c3c52-0000-4000-8000-000000000002", addr: "10.0.0.6:22",
             labels: ["env": "prod", "team": "red"], subKind: "openssh"),
        node("db-1", id: "5f0c3c52-0000-4000-8000-000000000001", addr: "10.0.0.5:3022",
             labels: ["env": "staging", "teleport.dev/origin": "config-file", "example.com/rack": "r1"],
             version: "17.0.0", expires: 1_767_225_600,
             cmdLabels: ["arch": (60_000_000_000, ["uname", "-m"], "x86_64")]),
        node("Zeta", id: "5f0c3c52-0000-4000-8000-000000000003", labels: ["note": "a,b=c d"],
             version: "17.0.0", tunnel: true),
    ]

    @Test func textTableIsSortedByBytesWithGoTshColumns() throws {
        let text = NodeReport(nodes: Self.nodes).text()
        #expect(try GoldenFile.expect("ls.txt", text) == text)
        let lines = text.split(separator: "\n")
        #expect(lines[0].hasPrefix("Node Name Address"))
        #expect(lines.map { $0.split(separator: " ").first.map(String.init) ?? "" }.dropFirst(2)
                    == ["Zeta", "db-1", "web-2"])
        #expect(text.contains("⟵ Tunnel"))
        #expect(!text.contains("teleport.dev/"))
    }

    @Test func verboseTableAddsTheNodeIDAndTeleportLabels() throws {
        let text = NodeReport(nodes: Self.nodes, verbose: true).text()
        #expect(try GoldenFile.expect("ls-verbose.txt", text) == text)
        #expect(text.hasPrefix("Node Name Node ID"))
        #expect(text.contains("5f0c3c52-0000-4000-8000-000000000001"))
        #expect(text.contains("arch=x86_64,env=staging,example.com/rack=r1,teleport.dev/origin=config-file"))
    }

    @Test func namesAreOneHostnameALineInByteOrder() {
        #expect(NodeReport(nodes: Self.nodes).names() == "Zeta\ndb-1\nweb-2\n")
        #expect(NodeReport(nodes: []).names() == "")
        // A hostname from the server never breaks a line.
        #expect(NodeReport(nodes: [Self.node("a\nb", id: "x")]).names().split(separator: "\n").count == 1)
    }

    @Test func labelsArePlainThenNamespacedThenTeleportsOwn() {
        let labels = ["z": "1", "a": "2", "b/c": "3", "a/b": "4", "teleport.dev/x": "5", "teleport.internal/y": "6",
                      "teleport.hidden/z": "7"]
        #expect(NodeReport.formatLabels(labels, verbose: false) == "a=2,z=1,a/b=4,b/c=3")
        #expect(NodeReport.formatLabels(labels, verbose: true)
                    == "a=2,z=1,a/b=4,b/c=3,teleport.dev/x=5,teleport.hidden/z=7,teleport.internal/y=6")
        #expect(NodeReport.formatLabels([:], verbose: true) == "")
    }

    @Test func emptyTableHasItsHeader() {
        #expect(NodeReport(nodes: []).text() == "Node Name Address Labels \n--------- ------- ------ \n")
    }

    /// Go's asciitable: dashes as wide as the widest cell in bytes, every cell
    /// padded (so lines end in a space), columns at least 5 wide.
    @Test func tablesAreGoAsciitables() {
        let table = TextTable(headers: ["Name", "Motto", "N"], rows: [["Ann", "Trains beat cars", "7"], ["Bo", "⟵ x", "1234"]])
        #expect(table.rendered() == """
            Name Motto            N    \n\
            ---- ---------------- ---- \n\
            Ann  Trains beat cars 7    \n\
            Bo   ⟵ x              1234 \n
            """)
    }

    /// On a terminal (or with COLUMNS) the Labels column is cut to fit, as
    /// MakeTableWithTruncatedColumn does; the others keep their width.
    @Test func labelsAreCutToTheTerminalWidth() {
        let thirty = String(repeating: "x", count: 30)
        let table = TextTable(headers: ["A", "B", "C"], rows: [[thirty, String(repeating: "y", count: 30), thirty]])
        let lines = table.rendered(truncating: "B", width: 80).split(separator: "\n")
        #expect(lines[2] == "\(thirty) \(String(repeating: "y", count: 14))... \(thirty) ")
        #expect(lines.allSatisfy { $0.count <= 80 })
        let text = NodeReport(nodes: Self.nodes).text(width: 40)
        // 40 columns: 12 each for the others at most (10.0.0.5:3022 is cut too), 10 for Labels.
        #expect(text.contains("db-1      10.0.0.5:302... arch=x86_6... "))
        #expect(NodeReport(nodes: Self.nodes, verbose: true).text(width: 40) == NodeReport(nodes: Self.nodes, verbose: true).text())
    }

    @Test func jsonHasGoTshShape() throws {
        let json = NodeReport.json(Self.nodes)
        #expect(try GoldenFile.expect("ls.json", json) == json)
        #expect(NodeReport.json([]) == "[]\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 3)
    }

    /// ghodss/yaml: the JSON document as yaml.v2 writes it, keys sorted, then
    /// fmt.Println's extra newline.
    @Test func yamlIsTheJSONDocumentWithSortedKeys() throws {
        let yaml = NodeReport.yaml(Self.nodes)
        #expect(try GoldenFile.expect("ls.yaml", yaml) == yaml)
        #expect(NodeReport.yaml([]) == "[]\n\n")
        #expect(yaml.hasPrefix("- kind: node\n  metadata:\n"))
        #expect(yaml.hasSuffix("\n\n"))
        // yaml.v2 quotes what would read back as a timestamp, and the empty string.
        #expect(yaml.contains("    started: \"0001-01-01T00:00:00Z\"\n"))
        #expect(yaml.contains("    current_id: \"\"\n"))
        // A sequence in a mapping sits at its key's indentation.
        #expect(yaml.contains("        command:\n        - uname\n        - -m\n"))
    }

    @Test func yamlKeysFollowYamlV2Order() {
        let object = JSONValue.object(["node10", "node9", "b", "a_b", "ab", "A", "a", "x1y", "x01y"].map { ($0, .int(1)) })
        let keys = object.yaml().split(separator: "\n").map { String($0.split(separator: ":")[0]) }
        // Digits compared as numbers; a non-letter before a letter; upper case first.
        #expect(keys == ["A", "a", "a_b", "ab", "b", "node9", "node10", "x1y", "x01y"])
        #expect(JSONValue.array([.array([.string("a"), .string("b")]), .object([])]).yaml() == "- - a\n  - b\n- {}\n")
        #expect(JSONValue.string("true").yaml() == "\"true\"\n")
    }

    // MARK: Paging

    @Test func pagerHalvesThePageSizeAndKeepsItForTheNextPages() throws {
        var pager = NodePager(filter: NodeFilter(labels: ["env": "prod"]))
        #expect(try pager.nextRequest()?.limit == 1000)
        try pager.halve(cluster: "example.com", message: "grpc: received message larger than max")
        var page = Proto_ListUnifiedResourcesResponse()
        page.nextKey = "/unified_resource/node/b"
        var resource = Proto_PaginatedResource()
        resource.node = Self.nodes[0]
        page.resources = [resource]
        try pager.add(page)
        let next = try #require(try pager.nextRequest())
        #expect(next.limit == 500)
        #expect(next.startKey == "/unified_resource/node/b")
        #expect(next.labels == ["env": "prod"])
        #expect(next.sortBy.field == "kind")
        page.nextKey = ""
        try pager.add(page)
        #expect(try pager.nextRequest() == nil)
        #expect(pager.nodes.count == 2)
    }

    @Test func pagerGivesUpWhenNotEvenOneNodeFits() throws {
        var pager = NodePager(filter: NodeFilter())
        for _ in 0..<9 { try pager.halve(cluster: "example.com", message: "too large") }
        #expect(pager.limit == 1)
        #expect(throws: TeleportError.self) { try pager.halve(cluster: "example.com", message: "too large") }
    }

    @Test func pagerRefusesANextKeyThatRepeats() throws {
        var pager = NodePager(filter: NodeFilter())
        var page = Proto_ListUnifiedResourcesResponse()
        page.nextKey = "/again"
        try pager.add(page)
        #expect(throws: TeleportError.self) { try pager.add(page) }
    }

    // MARK: Host CAs

    static let rootTLS = """
        -----BEGIN CERTIFICATE-----
        MIIBxDCCAWmgAwIBAgIUAainypLSSisS5fkxvNB6qUwqghowCgYIKoZIzj0EAwIw
        NjEZMBcGA1UECgwQcm9vdC5leGFtcGxlLmNvbTEZMBcGA1UEAwwQcm9vdC5leGFt
        cGxlLmNvbTAgFw0yNjEyMDExMDExNTJaGA8yMTI2MTEwNzEwMTE1MlowNjEZMBcG
        A1UECgwQcm9vdC5leGFtcGxlLmNvbTEZMBcGA1UEAwwQcm9vdC5leGFtcGxlLmNv
        bTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABE4cRszDHVM3Qz0X6rQ0WL9uQd7D
        eqfsku1MER4qHZZQER+IxKnbe7Fp6DV4G+SyFLXR0q8JU2XkIfW2mP7L0dSjUzBR
        MB0GA1UdDgQWBBQbUK0ockzHTIJYSksW5sWQpPtmRTAfBgNVHSMEGDAWgBQbUK0o
        ckzHTIJYSksW5sWQpPtmRTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kA
        MEYCIQCUyvgM//peGy/bEYMxtHwQx0nL6Qy13+fDrxXjAr5oIAIhAKdPt7RMwLM1
        wGWzcvYacM3uYa+QR65gbUCPYZBzcM8l
        -----END CERTIFICATE-----

        """
    static let leafTLS = """
        -----BEGIN CERTIFICATE-----
        MIIBwjCCAWmgAwIBAgIUHneYJx1Gbdt3vorGCH984dNl0hkwCgYIKoZIzj0EAwIw
        NjEZMBcGA1UECgwQbGVhZi5leGFtcGxlLmNvbTEZMBcGA1UEAwwQbGVhZi5leGFt
        cGxlLmNvbTAgFw0yNjEyMDExMDExNTJaGA8yMTI2MTEwNzEwMTE1MlowNjEZMBcG
        A1UECgwQbGVhZi5leGFtcGxlLmNvbTEZMBcGA1UEAwwQbGVhZi5leGFtcGxlLmNv
        bTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABM+YP0uXEKXUEVRjHJVlr9LmYJYM
        aVSRAILoVnWydnZqwwqAMDw6jtN5zsbDkRn0qetAZcZ34U1ypdvfYxjTwPejUzBR
        MB0GA1UdDgQWBBQSgZq8Lckb+YfBKEz9Qa/z1ybs4jAfBgNVHSMEGDAWgBQSgZq8
        Lckb+YfBKEz9Qa/z1ybs4jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cA
        MEQCICmBfpgy2qC2r0ch6p/Stc+Vp46VrQgRvzeeOBf7EZRQAiBSF8Gcxi/ZgCI+
        b//rn7HpFTsNC0mUVjHkTyOyxbmyTg==
        -----END CERTIFICATE-----

        """
    static let rootSSH = GoldenCertificates.hostCALine
    static let leafSSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILsAhgbfi1xH3EdZ6edzdzKib1CPLVHQxb0LVp7Iph9Z"

    /// A CertAuthorityV2 as the auth server sends it (ssh.MarshalAuthorizedKey's line).
    static func ca(_ cluster: String, ssh: [String], tls: [String], type: String = "host",
                   additionalSSH: [String] = [], additionalTLS: [String] = []) -> Types_CertAuthorityV2 {
        func pairs(_ ssh: [String], _ tls: [String]) -> Types_CAKeySet {
            var set = Types_CAKeySet()
            set.ssh = ssh.map { var pair = Types_SSHKeyPair(); pair.publicKey = Data(($0 + "\n").utf8); return pair }
            set.tls = tls.map { var pair = Types_TLSKeyPair(); pair.cert = Data($0.utf8); return pair }
            return set
        }
        var ca = Types_CertAuthorityV2()
        ca.kind = "cert_authority"
        ca.subKind = type
        ca.version = "v2"
        ca.metadata.name = cluster
        ca.spec.type = type
        ca.spec.clusterName = cluster
        ca.spec.activeKeys = pairs(ssh, tls)
        ca.spec.additionalTrustedKeys = pairs(additionalSSH, additionalTLS)
        return ca
    }

    static let rootAndLeaf = [
        ca("root.example.com", ssh: [rootSSH], tls: [rootTLS]),
        ca("leaf.example.com", ssh: [leafSSH], tls: [leafTLS], additionalSSH: [rootSSH], additionalTLS: [rootTLS]),
    ]

    @Test func knownHostsLinesAndPEMsForRootAndLeaf() throws {
        let authorities = try HostAuthority.validate(Self.rootAndLeaf)
        #expect(authorities.map(\.cluster) == ["root.example.com", "leaf.example.com"])
        #expect(authorities[0].knownHostsLines(proxyHost: "proxy.example.com") == [
            "@cert-authority proxy.example.com,root.example.com,*.root.example.com \(Self.rootSSH) type=host",
        ])
        // A CA mid-rotation: the active key, then the one still trusted.
        #expect(authorities[1].knownHostsLines(proxyHost: "proxy.example.com") == [
            "@cert-authority proxy.example.com,leaf.example.com,*.leaf.example.com \(Self.leafSSH) type=host",
            "@cert-authority proxy.example.com,leaf.example.com,*.leaf.example.com \(Self.rootSSH) type=host",
        ])
        #expect(authorities[0].tlsPEM == Self.rootTLS)
        #expect(authorities[1].tlsPEM == Self.leafTLS + Self.rootTLS)
    }

    @Test func saveWritesKnownHostsAndOneCAFilePerCluster() throws {
        let root = NSTemporaryDirectory() + "auth-api-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = ProfileDirectory(root: root)
        try FileManager.default.createDirectory(atPath: root + "/keys/proxy.example.com/cas",
                                                withIntermediateDirectories: true)
        try "github.com ssh-ed25519 AAAAGH\n".write(toFile: directory.knownHostsPath, atomically: true, encoding: .utf8)
        let store = ProfileStore(directory: directory)
        let authorities = try HostAuthority.validate(Self.rootAndLeaf)
        try HostAuthorityUpdate.save(authorities, store: store, proxyHost: "proxy.example.com")
        let knownHosts = try String(contentsOfFile: directory.knownHostsPath, encoding: .utf8)
        #expect(knownHosts.hasPrefix("github.com ssh-ed25519 AAAAGH\n"))
        #expect(knownHosts.split(separator: "\n").count == 4)
        #expect(knownHosts.contains("@cert-authority proxy.example.com,leaf.example.com,*.leaf.example.com \(Self.leafSSH) type=host\n"))
        #expect(try String(contentsOfFile: directory.caPath(proxyHost: "proxy.example.com", cluster: "leaf.example.com"),
                           encoding: .utf8) == Self.leafTLS + Self.rootTLS)
        #expect(try String(contentsOfFile: directory.caPath(proxyHost: "proxy.example.com", cluster: "root.example.com"),
                           encoding: .utf8) == Self.rootTLS)
        // Again: nothing changes.
        try HostAuthorityUpdate.save(authorities, store: store, proxyHost: "proxy.example.com")
        #expect(try String(contentsOfFile: directory.knownHostsPath, encoding: .utf8) == knownHosts)
    }

    static let hostileLists: [(String, [Types_CertAuthorityV2])] = [
        ("newline in a name", [ca("leaf.example.com\n@cert-authority * \(leafSSH)", ssh: [leafSSH], tls: [leafTLS])]),
        ("space in a name", [ca("leaf example", ssh: [leafSSH], tls: [leafTLS])]),
        ("star as a name", [ca("*", ssh: [leafSSH], tls: [leafTLS])]),
        ("comma in a name", [ca("leaf.example.com,*", ssh: [leafSSH], tls: [leafTLS])]),
        ("empty name", [ca("", ssh: [leafSSH], tls: [leafTLS])]),
        ("dot-dot name", [ca("..", ssh: [leafSSH], tls: [leafTLS])]),
        ("key with a second line", [ca("leaf.example.com", ssh: [leafSSH + "\n@cert-authority * " + leafSSH], tls: [leafTLS])]),
        ("certificate as a key", [ca("leaf.example.com", ssh: [GoldenCertificates.hostCertLine], tls: [leafTLS])]),
        ("key that is not one", [ca("leaf.example.com", ssh: ["ssh-ed25519 bm90IGEga2V5"], tls: [leafTLS])]),
        ("TLS that is not PEM", [ca("leaf.example.com", ssh: [leafSSH], tls: ["-----BEGIN CERTIFICATE-----\nnot base64\n"])]),
        ("TLS with no BEGIN", [ca("leaf.example.com", ssh: [leafSSH], tls: ["garbage"])]),
        ("user CA", [ca("leaf.example.com", ssh: [leafSSH], tls: [leafTLS], type: "user")]),
        ("two CAs for one cluster", [ca("leaf.example.com", ssh: [leafSSH], tls: [leafTLS]),
                                     ca("leaf.example.com", ssh: [rootSSH], tls: [rootTLS])]),
        ("too many keys", [ca("leaf.example.com", ssh: Array(repeating: leafSSH, count: 101), tls: [leafTLS])]),
        ("too many CAs", (0...HostAuthority.maxAuthorities).map { ca("leaf\($0).example.com", ssh: [leafSSH], tls: []) }),
    ]

    @Test(arguments: 0..<hostileLists.count)
    func hostileListsAreRefusedWhole(_ index: Int) {
        let (what, list) = Self.hostileLists[index]
        // One good CA first: a bad entry refuses the whole list.
        #expect(throws: TeleportError.self, "\(what)") {
            try HostAuthority.validate([Self.rootAndLeaf[0]] + list)
        }
    }

    @Test func refusalMessagesShowNamesQuoted() {
        do {
            _ = try HostAuthority.validate([Self.ca("a\nb", ssh: [Self.leafSSH], tls: [Self.leafTLS])])
            Issue.record("accepted a name with a newline")
        } catch let error as TeleportError {
            #expect(!error.message.contains("\n"))
        } catch {
            Issue.record("\(error)")
        }
    }
}
