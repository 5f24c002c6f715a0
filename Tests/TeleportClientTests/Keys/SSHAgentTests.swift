import Foundation
import Testing
@testable import TeleportKeys
@testable import TeleportSupport

/// The agent client against OpenSSH's own `ssh-agent`, for every key type a
/// login makes: what it adds is what `ssh-add -L` lists, and removal works.
extension KeysTests {
    @Suite(.serialized) struct SSHAgentTests {
        /// A real `ssh-agent -D` on a private socket, stopped with the object.
        final class RunningAgent {
            let directory: KeyTestDirectory
            let process = Process()
            var socket: String { directory.path("agent.sock") }

            init() throws {
                directory = try KeyTestDirectory()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
                process.arguments = ["-D", "-a", directory.path("agent.sock")]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                for _ in 0..<200 where !UnixSocket.isListening(socket) { usleep(10_000) }
                guard UnixSocket.isListening(socket) else { throw TeleportError("ssh-agent did not start") }
            }

            func listed() throws -> String {
                let r = try runTool("ssh-add", ["-L"], environment: ["SSH_AUTH_SOCK": socket], check: false)
                return r.status == 0 ? r.stdout : ""
            }

            deinit {
                // SIGKILL: Foundation's Process starts the agent with the signal mask of
                // the test's thread, where SIGTERM is blocked.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        /// A login's keys for `suite`, with an SSH certificate from a CA made by ssh-keygen.
        static func certifiedKeys(_ suite: SignatureSuite, in dir: KeyTestDirectory)
            throws -> (keys: KeyPairs, certificate: SSHCertificate) {
            let keys = try KeyPairs.generate(for: suite)
            try runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", dir.path("ca")])
            try dir.write("user.pub", keys.sshPublicKeyLine)
            try runTool("ssh-keygen", ["-q", "-s", dir.path("ca"), "-I", "alice", "-n", "alice,root",
                                       "-V", "-5m:+1h", dir.path("user.pub")])
            return (keys, try SSHCertificate(line: try dir.read("user-cert.pub")))
        }

        @Test(arguments: [SignatureSuite.balancedV1, .legacy, .fipsV1])
        func addsListsAndRemovesACertificate(suite: SignatureSuite) throws {
            let agent = try RunningAgent()
            let dir = try KeyTestDirectory()
            let (keys, certificate) = try Self.certifiedKeys(suite, in: dir)
            let key = try SSHAgentKey(privateKeyPEM: keys.sshPrivateKeyPEM, certificate: certificate)
            let client = try SSHAgentClient(socketPath: agent.socket)

            try client.add(key, comment: "teleport:proxy.example.com:example.com:alice", lifetimeSeconds: 3600)
            #expect(try agent.listed() == "\(certificate.authorizedKeyLine) teleport:proxy.example.com:example.com:alice\n")
            #expect(try client.identities() == [.init(blob: certificate.blob,
                                                      comment: "teleport:proxy.example.com:example.com:alice")])

            // The agent signs with it: ssh-keygen -Y sign through the agent needs the private half.
            try dir.write("message", "hello")
            try dir.write("cert.pub", certificate.authorizedKeyLine + "\n")
            let signed = try runTool("ssh-keygen", ["-Y", "sign", "-n", "file", "-f", dir.path("cert.pub"),
                                                    dir.path("message")],
                                     environment: ["SSH_AUTH_SOCK": agent.socket], check: false)
            #expect(signed.status == 0, "\(signed.stderr)")

            try client.remove(blob: key.blob)
            #expect(try agent.listed() == "")
            #expect(try client.identities().isEmpty)
        }

        @Test func refusesAKeyTheCertificateDoesNotCertify() throws {
            let dir = try KeyTestDirectory()
            let (_, certificate) = try Self.certifiedKeys(.balancedV1, in: dir)
            let other = try KeyPairs.generate(for: .balancedV1)
            #expect(throws: TeleportError.self) {
                try SSHAgentKey(privateKeyPEM: other.sshPrivateKeyPEM, certificate: certificate)
            }
        }

        @Test func descriptionsHideThePrivateKey() throws {
            let dir = try KeyTestDirectory()
            let (keys, certificate) = try Self.certifiedKeys(.legacy, in: dir)
            let key = try SSHAgentKey(privateKeyPEM: keys.sshPrivateKeyPEM, certificate: certificate)
            let shown = "\(key) \(String(reflecting: key)) \(Mirror(reflecting: key).children.map { "\($0)" })"
            #expect(!shown.contains("fields"))
            #expect(shown.contains("private key redacted"))
        }

        @Test func anAgentThatIsNotThereIsAClearError() throws {
            let dir = try KeyTestDirectory()
            #expect(throws: TeleportError.self) { try SSHAgentClient(socketPath: dir.path("nothing.sock")) }
        }
    }
}
