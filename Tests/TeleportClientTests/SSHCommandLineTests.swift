import Testing
@testable import TeleportProxyCommand
@testable import TeleportSupport

@Suite struct SSHCommandLineTests {
    static let context = SSHCommandLine.Context(
        tshPath: "/home/a/.local/bin/tsh", proxyHost: "proxy.example.com", webPort: 443, cluster: "example.com",
        knownHostsPath: "/home/a/.tsh/known_hosts", identityPath: "/home/a/.tsh/keys/proxy.example.com/alice",
        certificatePath: "/home/a/.tsh/keys/proxy.example.com/alice-ssh/example.com-cert.pub")

    @Test func theSSHArgumentVectorIsFixed() throws {
        var options = SSHCommandLine.SSHOptions()
        options.forwards = [("-L", "8080:localhost:80"), ("-R", "9000:localhost:9000"), ("-D", "1080")]
        options.forwardAgent = true
        options.tty = true
        options.command = ["ls", "-l", "/tmp"]
        let args = try SSHCommandLine.ssh(sshPath: "/usr/bin/ssh", context: Self.context,
                                          target: "ubuntu@Node1", options: options)
        var scp = try SSHCommandLine.scp(scpPath: "/usr/bin/scp", context: Self.context,
                                         paths: ["a.txt", "ubuntu@Node1:/tmp/"], recursive: true, port: 22, login: nil)
        scp[0] = "/usr/bin/scp"
        let text = SSHCommandLine.shellLine(args) + SSHCommandLine.shellLine(scp)
        #expect(text == (try GoldenFile.expect("tsh-ssh.args", text)))
        #expect(Array(args.suffix(4)) == ["Node1", "ls", "-l", "/tmp"])
        #expect(args.contains("HostKeyAlias=Node1.example.com"))
        #expect(args.contains(#"ProxyCommand="/home/a/.local/bin/tsh" proxy ssh --cluster=example.com --proxy=proxy.example.com:443 %r@Node1:%p"#))
    }

    @Test func theLoginComesFromTheTargetThenTheFlag() throws {
        var options = SSHCommandLine.SSHOptions()
        options.login = "root"
        let a = try SSHCommandLine.ssh(sshPath: "ssh", context: Self.context, target: "node1", options: options)
        #expect(a.contains("root") && a.contains("-p") && a.contains("3022"))
        let b = try SSHCommandLine.ssh(sshPath: "ssh", context: Self.context, target: "ubuntu@node1", options: options)
        #expect(b.contains("ubuntu") && !b.contains("root"))
        let c = try SSHCommandLine.ssh(sshPath: "ssh", context: Self.context, target: "node1", options: .init())
        #expect(!c.contains("-l"))
    }

    @Test(arguments: ["no de", "-oProxyCommand=x", "node1;rm", "a@", "$(x)", "node1\n"])
    func unsafeTargetsAreRefused(target: String) {
        #expect(throws: TeleportError.self) {
            try SSHCommandLine.ssh(sshPath: "ssh", context: Self.context, target: target, options: .init())
        }
    }

    @Test func unsafeForwardingsAreRefused() {
        var options = SSHCommandLine.SSHOptions()
        options.forwards = [("-L", "-oProxyCommand=x")]
        #expect(throws: TeleportError.self) {
            try SSHCommandLine.ssh(sshPath: "ssh", context: Self.context, target: "node1", options: options)
        }
    }

    @Test func scpNeedsExactlyOneNode() {
        #expect(throws: TeleportError.self) {
            try SSHCommandLine.scp(scpPath: "scp", context: Self.context, paths: ["a", "b"], recursive: false, port: nil, login: nil)
        }
        #expect(throws: TeleportError.self) {
            try SSHCommandLine.scp(scpPath: "scp", context: Self.context, paths: ["n1:a", "n2:b"], recursive: false, port: nil, login: nil)
        }
        #expect(throws: TeleportError.self) {
            try SSHCommandLine.scp(scpPath: "scp", context: Self.context, paths: ["-r", "n1:b"], recursive: false, port: nil, login: nil)
        }
    }
}
