import Foundation

/// Golden files live in `Tests/TeleportClientTests/Golden/`. Set
/// `UPDATE_GOLDEN=1` to rewrite them from the current output.
enum GoldenFile {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The golden text, after writing `actual` there when updating.
    static func expect(_ name: String, _ actual: String) throws -> String {
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return try text(name)
    }
}
