import Testing
@testable import TeleportProxyCommand
@testable import TeleportSupport

@Suite struct ProxyTargetTests {
    @Test(arguments: [
        ("root@node1.example.com:3022", ProxyTarget(login: "root", host: "node1", port: 3022)),
        ("node1.proxy.example.com", ProxyTarget(host: "node1")),
        ("node1.example.com.proxy.example.com", ProxyTarget(host: "node1")),
        ("a@b@node1:22", ProxyTarget(login: "a@b", host: "node1", port: 22)),
        ("ubuntu@10.0.0.5:3022", ProxyTarget(login: "ubuntu", host: "10.0.0.5", port: 3022)),
        ("root@[::1]:3022", ProxyTarget(login: "root", host: "::1", port: 3022)),
        ("7ffc3e59-7445-4495-a5f6-ad2a3b0e11b0", ProxyTarget(host: "7ffc3e59-7445-4495-a5f6-ad2a3b0e11b0")),
    ])
    func parsesAndStripsTheProxyThenTheCluster(text: String, expected: ProxyTarget) throws {
        #expect(try ProxyTarget.parse(text, proxyHost: "proxy.example.com", cluster: "example.com") == expected)
    }

    @Test func theSubsystemNamesHostPortAndCluster() {
        #expect(ProxyTarget(host: "node1", port: 22).subsystem(cluster: "example.com") == "proxy:node1:22@example.com")
        #expect(ProxyTarget(host: "node1").subsystem(cluster: "leaf") == "proxy:node1:3022@leaf")
    }

    @Test(arguments: ["", "root@", "root@node1:0", "root@node1:x", "root@node 1", "ro ot@node1",
                      "root@node1;reboot", "-oProxyCommand=x", "root@$(id)", "root@node1\n"])
    func refusesUnsafeTargets(text: String) {
        #expect(throws: TeleportError.self) {
            try ProxyTarget.parse(text, proxyHost: "proxy.example.com", cluster: "example.com")
        }
    }
}

@Suite struct ProxyLegTests {
    static let leg = ProxyLeg(
        sshPath: "/usr/bin/ssh", proxyHost: "proxy.example.com",
        sshProxy: HostPort(host: "proxy.example.com", port: 3023), login: "root",
        knownHostsPath: "/home/a/.tsh/known_hosts", identityPath: "/home/a/.tsh/keys/proxy.example.com/alice",
        certificatePath: "/home/a/.tsh/keys/proxy.example.com/alice-ssh/example.com-cert.pub",
        connectTimeoutSeconds: 30)

    @Test func theArgumentVectorIsFixed() throws {
        let args = try Self.leg.arguments(subsystem: "proxy:node1:3022@example.com")
        let text = ShellWords.join(args) + "\n"
        #expect(text == (try GoldenFile.expect("proxy-leg.args", text)))
        #expect(Array(args.suffix(3)) == ["-s", "proxy.example.com", "proxy:node1:3022@example.com"])
        #expect(args.contains("StrictHostKeyChecking=yes"))
        #expect(args.contains("-F") && args.contains("none"))
    }

    @Test func aMasterHasNoSubsystemAndAClientNeverBecomesOne() throws {
        var leg = Self.leg
        leg.controlPath = "/home/a/.tsh/mux/0badf00d-0"
        let client = try leg.arguments(subsystem: "proxy:node1:3022@example.com")
        #expect(client.contains("ControlMaster=no"))
        let master = try leg.arguments(subsystem: "proxy:node1:3022@example.com", role: .master)
        #expect(master.contains("ControlMaster=yes") && master.contains("-N"))
        #expect(!master.contains("-s"))
    }

    @Test func hostileValuesNeverReachTheVector() {
        var leg = Self.leg
        leg.login = "root -oProxyCommand=x"
        #expect(throws: TeleportError.self) { try leg.arguments(subsystem: "proxy:n:1@c") }
        leg = Self.leg
        leg.identityPath = "/tmp/\"x"
        #expect(throws: TeleportError.self) { try leg.arguments(subsystem: "proxy:n:1@c") }
        #expect(throws: TeleportError.self) { try Self.leg.arguments(subsystem: "proxy:n:1@c x") }
    }
}

@Suite struct LegFailureTests {
    @Test func handshakeFailuresAreRetryable() {
        #expect(LegFailure.classify("kex_exchange_identification: Connection closed by remote host\n") == .retryable)
        #expect(LegFailure.classify("Connection closed by 127.0.0.1 port 3023\n") == .retryable)
        #expect(LegFailure.classify("mux_client_request_session: session request failed: Session open refused by peer\n") == .retryable)
    }

    @Test func aRefusalKeepsTheProxysWords() {
        let said = "direct dialing to nodes not found in inventory is not supported\nsubsystem request failed on channel 0\n"
        #expect(LegFailure.classify(said) == .refused(message: "direct dialing to nodes not found in inventory is not supported"))
        #expect(LegFailure.classify("subsystem request failed on channel 0\n") == .refused(message: nil))
    }

    @Test func hostKeyFailuresAreNotRetried() {
        #expect(LegFailure.classify("Host key verification failed.\n") == .hostKey)
        #expect(LegFailure.classify("Permission denied (publickey).\n") == .other)
    }
}

@Suite struct ShellWordsTests {
    @Test func quotesOnlyWhatNeedsIt() {
        #expect(ShellWords.join(["ssh", "-o", "A=\"b c\"", "it's"]) == "ssh -o 'A=\"b c\"' 'it'\\''s'")
    }
}
