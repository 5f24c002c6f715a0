import Testing
@testable import TeleportProfile
@testable import TeleportProxyCommand
@testable import TeleportSupport
@testable import tsh

/// `tsh proxy ssh`'s hand parser against ArgumentParser: for every form the
/// fast path takes, both must produce the same request.
@Suite struct ProxySSHArgumentsTests {
    static let accepted: [[String]] = [
        ["node1"],
        ["root@node1:22"],
        ["--cluster=leaf", "--proxy=p.example.com:3080", "root@node1:22"],
        ["root@node1:22", "--proxy", "p.example.com", "--cluster", "leaf"],
        ["-l", "ubuntu", "node1"],
        ["--login=ubuntu", "node1"],
        ["--login", "ubuntu", "node1", "--no-relogin"],
        ["--no-relogin", "--relogin", "node1"],
        ["--multiplex", "--dry-run", "node1:2222"],
        ["node1", "--multiplex"],
    ]

    static func argv(_ rest: [String]) -> [String] { ["tsh", "proxy", "ssh"] + rest }

    @Test(arguments: accepted)
    func handParserAgreesWithArgumentParser(_ rest: [String]) throws {
        let fast = try #require(ProxySSHArguments.fastParse(Self.argv(rest)))
        let parsed = try ProxySSHCommand.parse(rest).arguments
        #expect(fast == parsed)
        let none: (String) -> String? = { _ in nil }
        #expect(fast.request(environment: none) == parsed.request(environment: none))
    }

    @Test(arguments: [
        [],                                   // no target
        ["--help"],
        ["-h"],
        ["--cluster"],                        // value missing
        ["node1", "--cluster"],
        ["--unknown", "node1"],
        ["-x", "node1"],
        ["node1", "node2"],                   // two targets
    ])
    func otherFormsFallBackToArgumentParser(_ rest: [String]) {
        #expect(ProxySSHArguments.fastParse(Self.argv(rest)) == nil)
    }

    @Test func onlyProxySSHTakesTheFastPath() {
        #expect(ProxySSHArguments.fastParse(["tsh", "proxy", "app", "x"]) == nil)
        #expect(ProxySSHArguments.fastParse(["tsh", "config", "ssh", "x"]) == nil)
    }

    @Test func environmentFallbacksComeFromProfileSelection() {
        let env = ["TELEPORT_PROXY": "p.example.com", "TELEPORT_SITE": "old", "TELEPORT_LOGIN": "ubuntu",
                   "TSH_MULTIPLEX": "1"]
        let request = ProxySSHArguments(target: "node1").request(environment: { env[$0] })
        #expect(request.selection.proxy == "p.example.com")
        #expect(request.selection.cluster == "old")
        #expect(request.login == "ubuntu")
        #expect(request.multiplex)
        var flags = ProxySSHArguments(target: "node1")
        flags.cluster = "leaf"
        flags.login = "root"
        let explicit = flags.request(environment: { env[$0] })
        #expect(explicit.selection.cluster == "leaf")
        #expect(explicit.login == "root")
    }

    @Test func clusterPrefersTeleportClusterOverSite() {
        let env = ["TELEPORT_CLUSTER": "new", "TELEPORT_SITE": "old"]
        #expect(ProfileSelection(environment: { env[$0] }).cluster == "new")
    }
}
