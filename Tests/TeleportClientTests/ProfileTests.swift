import Testing
import Foundation
@testable import TeleportProfile
@testable import TeleportSupport

@Suite struct ProfileTests {
    static func alice() -> Profile {
        var p = Profile(webProxyAddr: "proxy.example.com:443", sshProxyAddr: "proxy.example.com:3023",
                        user: "alice", cluster: "example.com")
        p.authConnector = "local"
        return p
    }

    @Test func writesTshKeysInTshOrder() throws {
        let yaml = Self.alice().yaml()
        #expect(yaml == (try GoldenFile.expect("profile.yaml", yaml)))
        // The exact example of docs/protocol.md, "~/.tsh".
        #expect(yaml == """
            web_proxy_addr: proxy.example.com:443
            ssh_proxy_addr: proxy.example.com:3023
            user: alice
            cluster: example.com
            dir: ""
            tls_routing_enabled: false
            tls_routing_conn_upgrade_required: false
            auth_connector: local
            load_all_cas: false
            private_key_policy: none
            piv_slot: ""
            missingclusterdetails: false
            saml_slo_enabled: false
            ssh_dial_timeout: 30s

            """)
    }

    @Test func readsWhatItWrites() throws {
        var p = Self.alice()
        p.dynamicForwardPorts = ["127.0.0.1:8080"]
        p.tlsRoutingEnabled = true
        p.sshDialTimeout = 15_000_000_000
        #expect(try Profile.parse(yaml: p.yaml(), source: "test") == p)
    }

    @Test(arguments: ["profile-tsh-v16.yaml", "profile-tsh-v17.yaml"])
    func readsProfilesWrittenByRealTsh(file: String) throws {
        let p = try Profile.parse(yaml: try GoldenFile.text(file), source: file)
        #expect(p.webProxyAddr == "teleport.example.com:443")
        #expect(p.sshProxyAddr == "teleport.example.com:3023")
        #expect(p.user == "alice@example.com")
        #expect(p.cluster == "example.com")
        #expect(p.proxyHost == "teleport.example.com")
    }

    @Test func refusesAHostileProfile() {
        let yaml = "web_proxy_addr: proxy.example.com:443\nuser: ../../evil\n"
        #expect(throws: TeleportError.self) { try Profile.parse(yaml: yaml, source: "test") }
        let cluster = "web_proxy_addr: proxy.example.com:443\ncluster: \"a\\nProxyCommand sh\"\n"
        #expect(throws: TeleportError.self) { try Profile.parse(yaml: cluster, source: "test") }
    }

    @Test func quotesOnlyWhatYAMLNeedsQuoted() {
        #expect(FlatYAML.quote("plain.example.com:443") == "plain.example.com:443")
        #expect(FlatYAML.quote("") == "\"\"")
        #expect(FlatYAML.quote("true") == "\"true\"")
        // yaml.v2 leaves these plain: a space, a comma, a version, a dash then a letter.
        #expect(FlatYAML.quote("has space") == "has space")
        #expect(FlatYAML.quote("a,b=c d") == "a,b=c d")
        #expect(FlatYAML.quote("17.0.0") == "17.0.0")
        #expect(FlatYAML.quote("-m") == "-m")
        #expect(FlatYAML.quote("it's") == "it's")
        // What the emitter refuses plain is single-quoted.
        #expect(FlatYAML.quote("a: b") == "'a: b'")
        #expect(FlatYAML.quote("- x") == "'- x'")
        #expect(FlatYAML.quote("'q'") == "'''q'''")
        #expect(FlatYAML.quote("x #y") == "'x #y'")
        #expect(FlatYAML.quote(" lead") == "' lead'")
        #expect(FlatYAML.quote("*") == "'*'")
        // What would read back as a number, a bool, null or a timestamp is double-quoted.
        for value in ["1.5", "-1", "0x1F", "0o17", "1_000", "1:30", ".5", ".inf", "Yes", "~", "2024-1-5", "1e3"] {
            #expect(FlatYAML.quote(value) == "\"\(value)\"", "\(value)")
        }
        #expect(FlatYAML.quote("line\nbreak") == "\"line\\nbreak\"")
        #expect(FlatYAML.quote("3023") == "\"3023\"")
    }
}

@Suite struct StatusTests {
    static let status = ProfileStatus(
        proxyURL: "https://proxy.example.com:443", username: "alice", cluster: "example.com",
        roles: ["access", "editor"], logins: ["alice", "root"], validUntil: 1_717_208_104,
        extensions: ["permit-agent-forwarding", "permit-port-forwarding", "permit-pty"], isActive: true)

    @Test func textPadsLabelsToColumn22() throws {
        let text = Self.status.text(now: 1_717_208_104 - (11 * 3600 + 59 * 60 + 30), zone: .utc)
        #expect(text == (try GoldenFile.expect("status.txt", text)))
        for line in text.split(separator: "\n") {
            #expect(line.dropFirst(22).first != " ")
            #expect(line.prefix(22).last == " ")
        }
        #expect(text.hasPrefix("> Profile URL:        https://proxy.example.com:443\n"))
        #expect(text.contains("  Valid until:        2024-06-01 02:15:04 +0000 UTC [valid for 11h59m0s]\n"))
    }

    @Test func expiredCertificatesSayExpired() {
        #expect(Self.status.validity(now: 1_717_208_104) == "EXPIRED")
        #expect(Self.status.validity(now: 1_717_208_104 - 30) == "valid for <1m")
    }

    @Test func jsonFollowsTshFieldOrder() throws {
        let json = StatusReport(active: Self.status, others: [], zone: .utc).json.rendered() + "\n"
        #expect(json == (try GoldenFile.expect("status.json", json)))
        let yaml = StatusReport(active: Self.status, others: [], zone: .utc).yaml()
        #expect(yaml == (try GoldenFile.expect("status.yaml", yaml)))
    }
}
