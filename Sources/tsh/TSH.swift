import ArgumentParser
import TeleportKeys
import TeleportLogin
import TeleportProfile
import TeleportProxyCommand
import TeleportSSHConfig
import TeleportSupport
import TeleportWebAPI

/// The root command. Each subcommand lives in its own file and is a thin layer
/// over `TeleportClient`.
struct TSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsh",
        abstract: "Teleport client for OpenSSH: log in, write ssh_config, and proxy ssh connections.",
        discussion: """
            Examples:
              tsh login --proxy=teleport.example.com --user=alice
              tsh config --install && ssh ubuntu@node1.teleport.example.com
              tsh status --format=json
            """,
        subcommands: [
            Config.self,
            Login.self,
            Logout.self,
            Proxy.self,
            Clusters.self,
            Status.self,
            Version.self,
        ])

    /// Runs the command line and exits. Failures print `ERROR: <message>` on
    /// stderr and exit 1, as real tsh does; help goes to stdout with exit 0.
    static func runAndExit() -> Never {
        finish {
            // OpenSSH runs `tsh proxy ssh` for every connection: its common
            // forms skip ArgumentParser, whose reflection costs milliseconds.
            if let fast = ProxySSHArguments.fastParse(CommandLine.arguments) {
                try ProxySSHCommand.run(fast)
                return
            }
            var command = try parseAsRoot()
            try command.run()
        }
    }

    /// Runs `body` and exits: 0, or `ERROR: <message>` on stderr and 1.
    static func finish(_ body: () throws -> Void) -> Never {
        do {
            try body()
            Glibc.exit(0)
        } catch let error as TeleportError {
            Console.error(error.message)
            Glibc.exit(1)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Console.out(fullMessage(for: error) + "\n")
                Glibc.exit(0)
            }
            Console.error(usageMessage(for: error))
            Glibc.exit(1)
        }
    }

    /// ArgumentParser's message, with the hint real users need next.
    private static func usageMessage(for error: Error) -> String {
        var text = message(for: error)
        while text.hasSuffix(".") || text.hasSuffix("\n") { text.removeLast() }
        return text + ". Run 'tsh --help' for usage."
    }
}
