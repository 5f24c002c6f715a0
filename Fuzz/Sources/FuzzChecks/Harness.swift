#if canImport(Glibc)
import Glibc
#endif

/// The libFuzzer entry point shared by the executables: a property
/// violation becomes a crash whose message starts with `fuzzer-<target>:`.
public enum FuzzHarness {
    /// From `FUZZ_SKIP` (`Fuzz/run --skip`): check ids, comma-separated.
    static let skipping: Set<FuzzChecks.Check> = {
        guard let raw = getenv("FUZZ_SKIP") else { return [] }
        return Set(String(cString: raw).split(separator: ",").map { name in
            guard let check = FuzzChecks.Check(rawValue: String(name)) else {
                let known = FuzzChecks.Check.allCases.map(\.rawValue).joined(separator: ", ")
                fatalError("FUZZ_SKIP names the unknown check \(name) (known: \(known))")
            }
            return check
        })
    }()

    public static func run(_ target: FuzzTarget, _ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        let bytes = size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : []
        do {
            try FuzzChecks.run(target, bytes, skipping: skipping)
        } catch {
            fatalError("fuzzer-\(target.rawValue): \(error)")
        }
        return 0
    }
}
