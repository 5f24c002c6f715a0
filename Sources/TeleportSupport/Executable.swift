/// The running binary, as Go's `os.Executable` finds it: `/proc/self/exe`,
/// an absolute path with symlinks resolved.
public enum Executable {
    public static func path() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw TeleportError("cannot find the path of the tsh executable") }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
