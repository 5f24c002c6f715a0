import TeleportSupport

/// A client of a running ssh-agent (`$SSH_AUTH_SOCK`), speaking the agent
/// protocol (draft-miller-ssh-agent) itself rather than running `ssh-add`:
/// that way the key never touches a file (`-k only`), the comment and the
/// lifetime are exactly Go tsh's, and removal matches on the comment, which
/// `ssh-add -d` cannot do.
public struct SSHAgentClient {
    /// An identity the agent holds: its public key (or certificate) blob and comment.
    public struct Identity: Sendable, Equatable {
        public let blob: [UInt8]
        public let comment: String
    }

    // Message numbers (draft-miller-ssh-agent §5.1).
    private static let success: UInt8 = 6
    private static let requestIdentities: UInt8 = 11
    private static let identitiesAnswer: UInt8 = 12
    private static let removeIdentity: UInt8 = 18
    private static let addIdentityConstrained: UInt8 = 25
    private static let constrainLifetime: UInt8 = 1

    /// An agent answer is bounded: OpenSSH's own limit is 256 KiB per message.
    static let maxMessageBytes = 256 * 1024

    private let socket: UnixSocket

    public init(socketPath: String) throws {
        socket = try UnixSocket(connectingTo: socketPath)
    }

    public var socketPath: String { socket.path }

    /// The identities the agent holds.
    public func identities() throws -> [Identity] {
        let answer = try exchange([Self.requestIdentities])
        var r = SSHWireReader(answer, context: "ssh-agent answer")
        guard try r.readBytes(1, "the message type")[0] == Self.identitiesAnswer else {
            throw r.failure("the agent refused to list its keys")
        }
        let count = try r.readUInt32("the number of keys")
        guard count <= UInt32(Self.maxMessageBytes / 8) else { throw r.failure("too many keys") }
        var identities: [Identity] = []
        for _ in 0..<count {
            let blob = try r.readBytes("a key")
            let comment = String(decoding: try r.readBytes("a comment"), as: UTF8.self)
            identities.append(Identity(blob: blob, comment: comment))
        }
        return identities
    }

    /// Adds `key` with `comment`; the agent forgets it after `lifetimeSeconds`.
    public func add(_ key: SSHAgentKey, comment: String, lifetimeSeconds: UInt32?) throws {
        var message = SSHWireWriter()
        message.writeRaw([Self.addIdentityConstrained])
        message.writeRaw(key.fields)
        message.writeString(comment)
        if let lifetimeSeconds {
            message.writeRaw([Self.constrainLifetime])
            message.writeUInt32(lifetimeSeconds)
        }
        try expectSuccess(message.bytes, "add the key")
    }

    /// Removes the identity with this public key (or certificate) blob.
    public func remove(blob: [UInt8]) throws {
        var message = SSHWireWriter()
        message.writeRaw([Self.removeIdentity])
        message.writeBytes(blob)
        try expectSuccess(message.bytes, "remove a key")
    }

    private func expectSuccess(_ message: [UInt8], _ what: String) throws {
        let answer = try exchange(message)
        guard answer == [Self.success] else {
            throw TeleportError("the SSH agent at \(socket.path) refused to \(what)", kind: .refused)
        }
    }

    /// One request and its answer: each is `uint32 length, byte type, contents`.
    private func exchange(_ message: [UInt8]) throws -> [UInt8] {
        var framed = SSHWireWriter()
        framed.writeBytes(message)
        try socket.write(framed.bytes)
        var r = SSHWireReader(try socket.read(exactly: 4), context: "ssh-agent answer")
        let length = Int(try r.readUInt32("the length"))
        guard (1...Self.maxMessageBytes).contains(length) else {
            throw TeleportError("invalid ssh-agent answer: \(length) bytes long")
        }
        return try socket.read(exactly: length)
    }
}
