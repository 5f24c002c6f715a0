import ArgumentParser
import TeleportClient

/// `tsh status`: the active profile and every other one, offline.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Display the list of proxy servers and retrieved certificates.")

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        let (active, others) = try store.statuses()
        guard active != nil || !others.isEmpty else {
            throw TeleportError("Not logged in.")
        }
        try StatusOutput.print(active: active, others: others, format: format)
        if active == nil { throw TeleportError("No active profile.") }
    }
}

/// Prints profiles as `tsh status` and `tsh login` do.
enum StatusOutput {
    static func print(active: ProfileStatus?, others: [ProfileStatus], format: OutputFormat) throws {
        switch format {
        case .json:
            Console.out(StatusReport(active: active, others: others).json.rendered() + "\n")
        case .yaml:
            Console.out(StatusReport(active: active, others: others).yaml())
        case .text:
            let now = TimeText.now()
            var text = ""
            for status in (active.map { [$0] } ?? []) + others {
                text += status.text(now: now) + "\n"
            }
            Console.out(text)
        }
    }
}
