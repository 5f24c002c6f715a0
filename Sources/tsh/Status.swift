import ArgumentParser
import TeleportProfile
import TeleportSupport

/// `tsh status`: the active profile and every other one, offline.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Display the list of proxy servers and retrieved certificates.",
        discussion: """
            Examples:
              tsh status
              tsh status --format=json
              TELEPORT_HOME=/tmp/tsh tsh status --format=yaml
            """)

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let (active, others) = try store.statuses()
        guard active != nil || !others.isEmpty else {
            throw TeleportError("Not logged in.", kind: .notLoggedIn)
        }
        Console.out(StatusReport(active: active, others: others).rendered(format, now: TimeText.now()))
        if active == nil { throw TeleportError("No active profile.", kind: .notLoggedIn) }
    }
}
