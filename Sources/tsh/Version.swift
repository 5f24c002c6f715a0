import ArgumentParser
import TeleportLogin
import TeleportSupport

/// `tsh version`: the client version, and with `--format json` the libssh and
/// libcurl versions in use.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tsh client version.",
        discussion: """
            Examples:
              tsh version
              tsh version --client
              tsh version --format=json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Show the client version only (accepted for compatibility; tsh for Swift never contacts the proxy here).")
    var client = false

    func run() throws {
        switch format {
        case .text:
            Console.out(VersionInfo.text + "\n")
        case .json:
            Console.out(VersionInfo.current().json.rendered() + "\n")
        }
    }
}
