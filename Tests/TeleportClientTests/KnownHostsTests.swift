import Testing
@testable import TeleportProfile
@testable import TeleportSupport

@Suite struct KnownHostsTests {
    let newLine = KnownHosts.caLine(proxyHost: "proxy.example.com", cluster: "example.com",
                                    keyType: "ssh-ed25519", keyBase64: "AAAANEW")

    @Test func writesTheExactCertAuthorityLine() throws {
        #expect(newLine == "@cert-authority proxy.example.com,example.com,*.example.com ssh-ed25519 AAAANEW type=host")
        #expect(try GoldenFile.expect("known_hosts.merged", merged()) == merged())
    }

    func merged() -> String {
        let existing = """
            # my own hosts
            github.com ssh-ed25519 AAAAGH
            @cert-authority proxy.example.com,example.com,*.example.com ssh-ed25519 AAAAOLD type=host
            @cert-authority other.example.net,other,*.other ssh-rsa AAAAOTHER type=host
            github.com ssh-ed25519 AAAAGH

            """
        return KnownHosts.merge(existing: existing, proxyHost: "proxy.example.com", cluster: "example.com",
                                newLines: [newLine])
    }

    @Test func keepsOtherLinesDropsDuplicatesAndReplacesTheStaleCA() {
        let lines = merged().split(separator: "\n").map(String.init)
        #expect(lines == [
            "# my own hosts",
            "github.com ssh-ed25519 AAAAGH",
            "@cert-authority other.example.net,other,*.other ssh-rsa AAAAOTHER type=host",
            newLine,
        ])
    }

    @Test func mergingTwiceChangesNothing() {
        let once = merged()
        let twice = KnownHosts.merge(existing: once, proxyHost: "proxy.example.com", cluster: "example.com",
                                     newLines: [newLine])
        #expect(once == twice)
    }

    @Test func keepsEveryCurrentKeyDuringRotation() {
        let second = KnownHosts.caLine(proxyHost: "proxy.example.com", cluster: "example.com",
                                       keyType: "ssh-ed25519", keyBase64: "AAAASECOND")
        let out = KnownHosts.merge(existing: newLine + "\n", proxyHost: "proxy.example.com",
                                   cluster: "example.com", newLines: [newLine, second])
        #expect(out == newLine + "\n" + second + "\n")
    }
}
