import Testing
@testable import TeleportProfile
@testable import TeleportSSHConfig
@testable import TeleportSupport

@Suite struct SSHConfigTests {
    static func parameters(clusters: [String] = ["example.com"], login: String = "", port: Int = 3022) -> SSHConfigParameters {
        SSHConfigParameters(
            proxyHost: "proxy.example.com", proxyPort: 443, clusterNames: clusters,
            knownHostsPath: "/home/alice/.tsh/known_hosts",
            identityFilePath: "/home/alice/.tsh/keys/example.com/bob",
            certificateFilePath: "/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub",
            username: login, port: port, executablePath: "/usr/local/bin/tsh")
    }

    /// Teleport's own expected output (docs/protocol.md, "ssh_config"), byte for byte.
    @Test func oneClusterWithLoginAndPortMatchesTeleport() throws {
        let text = try SSHConfigRenderer.render(Self.parameters(login: "testuser", port: 3232))
        #expect(text == """
            # Begin generated Teleport configuration for proxy.example.com by tsh

            # Common flags for all example.com hosts
            Host *.example.com proxy.example.com
                UserKnownHostsFile "/home/alice/.tsh/known_hosts"
                IdentityFile "/home/alice/.tsh/keys/example.com/bob"
                CertificateFile "/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub"
                User "testuser"

            # Flags for all example.com hosts except the proxy
            Host *.example.com !proxy.example.com
                Port 3232
                ProxyCommand "/usr/local/bin/tsh" proxy ssh --cluster=example.com --proxy=proxy.example.com:443 %r@%h:%p
                User "testuser"

            # End generated Teleport configuration

            """)
        #expect(text == (try GoldenFile.expect("config-login-port.golden", text)))
    }

    @Test func rootAndLeafHaveNoBlankLineBetweenClusters() throws {
        let text = try SSHConfigRenderer.render(Self.parameters(clusters: ["root", "leaf"]))
        #expect(text == (try GoldenFile.expect("config-root-leaf.golden", text)))
        #expect(text.contains("--cluster=root --proxy=proxy.example.com:443 %r@%h:%p\n# Common flags for all leaf hosts\n"))
        #expect(text.hasSuffix("--cluster=leaf --proxy=proxy.example.com:443 %r@%h:%p\n\n# End generated Teleport configuration\n"))
        // The root's certificate serves the leaf blocks too.
        #expect(text.components("CertificateFile \"/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub\"") == 2)
    }

    @Test func noLoginMeansNoUserLines() throws {
        let text = try SSHConfigRenderer.render(Self.parameters())
        #expect(text == (try GoldenFile.expect("config-no-login.golden", text)))
        #expect(!text.contains("User "))
        #expect(text.contains("    Port 3022\n"))
    }

    @Test func rootAndLeafWithLoginPutsTheProxyUserLineOnceAtTheEnd() throws {
        let text = try SSHConfigRenderer.render(Self.parameters(clusters: ["root", "leaf"], login: "ops"))
        #expect(text == (try GoldenFile.expect("config-root-leaf-login.golden", text)))
        #expect(text.components("    User \"ops\"\n") == 3)
    }

    @Test(arguments: ["evil\nProxyCommand sh -c 'touch /tmp/pwned'", "a b", "a%b", "*", "x\"y", "-oProxyCommand"])
    func hostileClusterNamesAreRefusedByName(cluster: String) {
        do {
            _ = try SSHConfigRenderer.render(Self.parameters(clusters: ["example.com", cluster]))
            Issue.record("rendered a config with cluster \(cluster)")
        } catch let error as TeleportError {
            #expect(error.message.contains("cluster"))
            #expect(error.message.contains(Names.quoted(cluster)))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func hostileLoginsAndPathsAreRefused() {
        var p = Self.parameters(login: "root\n    ProxyCommand evil")
        #expect(throws: TeleportError.self) { try SSHConfigRenderer.render(p) }
        p = Self.parameters()
        p.identityFilePath = "/home/alice/\"quoted"
        #expect(throws: TeleportError.self) { try SSHConfigRenderer.render(p) }
        p = Self.parameters()
        p.executablePath = "/opt/$(reboot)/tsh"
        #expect(throws: TeleportError.self) { try SSHConfigRenderer.render(p) }
        p = Self.parameters()
        p.executablePath = "relative/tsh"
        #expect(throws: TeleportError.self) { try SSHConfigRenderer.render(p) }
        p = Self.parameters()
        p.proxyHost = "proxy.example.com\nHost *"
        #expect(throws: TeleportError.self) { try SSHConfigRenderer.render(p) }
    }

    @Test func percentSignsInPathsAreDoubledAndSpacesStayQuoted() throws {
        var p = Self.parameters()
        p.executablePath = "/opt/my tools/100%/tsh"
        p.knownHostsPath = "/home/a%b/.tsh/known_hosts"
        let text = try SSHConfigRenderer.render(p)
        #expect(text.contains("ProxyCommand \"/opt/my tools/100%%/tsh\" proxy ssh"))
        #expect(text.contains("UserKnownHostsFile \"/home/a%%b/.tsh/known_hosts\""))
    }

    @Test func aUsersTemplateGetsTheSameVariables() throws {
        let text = try SSHConfigRenderer.render(Self.parameters(login: "ops"), template: """
            {{#clusters}}Host {{{name}}} via {{{proxyHost}}}:{{{proxyPort}}} as {{{username}}} port {{{port}}}
            {{/clusters}}
            """)
        #expect(text == "Host example.com via proxy.example.com:443 as ops port 3022\n")
    }
}

@Suite struct SSHConfigInstallerTests {
    let section = SSHConfigInstaller.section(includedPath: "/home/a/.tsh/ssh_config")

    @Test func addsTheSectionFirstAndKeepsEverythingElse() {
        let existing = "# my config\nHost work\n    User me\n"
        let out = SSHConfigInstaller.adding(to: existing, includedPath: "/home/a/.tsh/ssh_config")
        #expect(out == section + "\n" + existing)
        #expect(SSHConfigInstaller.adding(to: out, includedPath: "/home/a/.tsh/ssh_config") == out)
        #expect(SSHConfigInstaller.removing(from: out) == existing)
    }

    @Test func movesAStaleSectionToTheTop() {
        let existing = "Host a\n" + section + "Host b\n"
        let out = SSHConfigInstaller.adding(to: existing, includedPath: "/home/a/.tsh/ssh_config")
        #expect(out == section + "\nHost a\nHost b\n")
    }
}

extension String {
    func components(_ needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let r = rest.firstRange(of: needle) {
            count += 1
            rest = rest[r.upperBound...]
        }
        return count
    }
}
