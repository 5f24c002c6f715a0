/// Teleport's default ports, and the one check of a port number.
public enum Ports {
    /// A node's SSH service, where OpenSSH's `%p` lands when none is given.
    public static let nodeSSH = 3022
    /// The proxy's SSH service (without TLS routing).
    public static let proxySSH = 3023
    /// The web ports tsh tries, in order, when `--proxy` names none.
    public static let webCandidates = [3080, 443]

    /// The number in `text` when it is a port (1 to 65535), else nil.
    public static func parse(_ text: some StringProtocol) -> Int? {
        guard let value = Int(text), isValid(value) else { return nil }
        return value
    }

    public static func isValid(_ port: Int) -> Bool {
        (1...65535).contains(port)
    }
}
