import Foundation

/// A short, seeded mutation run over one fuzz target's kept inputs, for
/// `swift test`: byte flips, truncations, splices and an inserted length
/// prefix (`lengthBytes`, one the target's parsers read). The long runs belong
/// to `Fuzz/run`; this keeps the checks honest between them.
enum InputMutation {
    static func run(_ target: FuzzTarget, seed: UInt64, rounds: Int, lengthBytes: [UInt8]) throws {
        let folder = FuzzRegressionTests.directory.appendingPathComponent(target.rawValue)
        let seeds = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            try [UInt8](Data(contentsOf: folder.appendingPathComponent($0)))
        }.filter { !$0.isEmpty }
        var random = SplitMix64(seed: seed)
        for round in 0..<rounds {
            var input = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = input.isEmpty ? 0 : Int(random.next() % UInt64(input.count))
                switch random.next() % 4 {
                case 0 where !input.isEmpty: input[at] ^= UInt8(truncatingIfNeeded: random.next())
                case 1: input = Array(input.prefix(at))
                case 2: input.insert(contentsOf: seeds[Int(random.next() % UInt64(seeds.count))], at: at)
                default: input.insert(contentsOf: lengthBytes, at: min(at, input.count))
                }
            }
            try FuzzChecks.run(target, input)
        }
    }
}

/// A small deterministic generator, so a failure reproduces (the mutation
/// runs here and the hostile-certificate test).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
