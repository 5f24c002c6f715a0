/// The one error type of the client. Its `message` is written for the user:
/// what happened and, where it helps, what to do next. `tsh` prints it as
/// `ERROR: <message>` on stderr and exits 1 (only the CLI prints it). Code
/// that decides what to do next switches on `kind`, never on the text.
public struct TeleportError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The host could not be resolved or connected to.
        case unreachable
        /// The server understood and said no (a proxy refusing a node).
        case refused
        /// The server did not answer in time.
        case timeout
        /// The web API answered with this non-2xx status.
        case httpStatus(Int)
        /// The server's TLS certificate or SSH host key is not trusted.
        case untrusted
        /// The server refused our own certificate (expired, or from a CA it
        /// does not trust).
        case credentialsRefused
        /// The server does not offer what was asked (a transport, an
        /// endpoint): the caller may try another way.
        case unsupported
        /// No profile, or none for the proxy named.
        case notLoggedIn
        /// The certificate of the profile has expired.
        case expired
        /// A value from the command line, a file or the server was refused.
        case invalidInput
        case other
    }

    public let kind: Kind
    public let message: String

    public init(_ message: String, kind: Kind = .other) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
