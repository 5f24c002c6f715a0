/// Prompts on the controlling terminal (`/dev/tty`), never on stdin or stdout:
/// those may belong to OpenSSH or to a pipe. Secrets are read with echo off.
public enum Terminal {
    /// True when this process has a controlling terminal to prompt on.
    public static var isAvailable: Bool {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        if fd < 0 { return false }
        close(fd)
        return true
    }

    /// Asks for a secret with echo off.
    public static func readSecret(prompt: String) throws -> String {
        try withTTY { fd in
            Console.writeAll(fd: fd, prompt)
            var saved = termios()
            let isTTY = tcgetattr(fd, &saved) == 0
            if isTTY {
                var quiet = saved
                quiet.c_lflag &= ~tcflag_t(ECHO)
                quiet.c_lflag |= tcflag_t(ECHONL)
                tcsetattr(fd, TCSAFLUSH, &quiet)
            }
            defer { if isTTY { tcsetattr(fd, TCSAFLUSH, &saved) } }
            return try readLine(fd)
        }
    }

    /// Asks for a non-secret answer (an OTP code) with echo on.
    public static func readLine(prompt: String) throws -> String {
        try withTTY { fd in
            Console.writeAll(fd: fd, prompt)
            return try readLine(fd)
        }
    }

    /// The first line of stdin, for `--password-stdin`.
    public static func readLineFromStdin() throws -> String {
        try readLine(0, source: "stdin")
    }

    private static func withTTY<T>(_ body: (Int32) throws -> T) throws -> T {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw TeleportError("no terminal to prompt on; use --password-stdin to pass the password on stdin")
        }
        defer { close(fd) }
        return try body(fd)
    }

    /// Reads up to a newline, byte by byte so that nothing after it is consumed.
    private static func readLine(_ fd: Int32, source: String = "the terminal") throws -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &byte, 1)
            if n < 0 {
                if errno == EINTR { continue }
                throw TeleportError("cannot read from \(source): \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                if bytes.isEmpty { throw TeleportError("no input on \(source)") }
                break
            }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
            if bytes.count > 4096 { throw TeleportError("the line read from \(source) is too long") }
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return String(decoding: bytes, as: UTF8.self)
    }
}
