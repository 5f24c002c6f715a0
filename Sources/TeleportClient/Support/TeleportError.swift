/// The one error type of the client. Its `message` is written for the user:
/// what happened and, where it helps, what to do next. `tsh` prints it as
/// `ERROR: <message>` on stderr and exits 1.
public struct TeleportError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
