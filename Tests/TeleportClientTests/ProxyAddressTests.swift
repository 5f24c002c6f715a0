import Testing
@testable import TeleportSupport

@Suite struct ProxyAddressTests {
    @Test(arguments: [
        ("proxy.example.com", ProxyAddress(host: "proxy.example.com")),
        ("proxy.example.com:443", ProxyAddress(host: "proxy.example.com", webPort: 443)),
        ("proxy.example.com:3080,3023", ProxyAddress(host: "proxy.example.com", webPort: 3080, sshPort: 3023)),
        ("https://proxy.example.com:443/", ProxyAddress(host: "proxy.example.com", webPort: 443)),
        ("HTTPS://proxy.example.com", ProxyAddress(host: "proxy.example.com")),
        ("proxy.example.com:,3023", ProxyAddress(host: "proxy.example.com", sshPort: 3023)),
        ("[::1]:3080", ProxyAddress(host: "::1", webPort: 3080)),
        ("127.0.0.1:3080", ProxyAddress(host: "127.0.0.1", webPort: 3080)),
    ])
    func parsesEveryFormTshAccepts(input: String, expected: ProxyAddress) throws {
        #expect(try ProxyAddress.parse(input) == expected)
    }

    @Test func withoutAPortTries3080Then443() throws {
        #expect(try ProxyAddress.parse("proxy.example.com").webPortCandidates == [3080, 443])
        #expect(try ProxyAddress.parse("proxy.example.com:8443").webPortCandidates == [8443])
    }

    @Test(arguments: ["", "http://proxy.example.com", "proxy.example.com:0", "proxy.example.com:99999",
                      "proxy.example.com:1,2,3", "evil host", "proxy/../x", "[::1", "-oProxyCommand=x",
                      "proxy.example.com:abc"])
    func refusesWhatIsNotAProxyAddress(input: String) {
        #expect(throws: TeleportError.self) { try ProxyAddress.parse(input) }
    }

    @Test func hostPortRoundTrips() throws {
        #expect(try HostPort.parse("proxy.example.com:443").description == "proxy.example.com:443")
        #expect(try HostPort.parse("[::1]:3023").description == "[::1]:3023")
        #expect(try HostPort.parse("proxy.example.com", defaultPort: 3023).port == 3023)
        #expect(throws: TeleportError.self) { try HostPort.parse("proxy.example.com") }
    }
}
