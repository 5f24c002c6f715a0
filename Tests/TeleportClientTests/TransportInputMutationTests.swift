import Foundation
import Testing
import TeleportTransport

/// A short, seeded mutation run over the transport's kept fuzz inputs on
/// every `swift test`: byte flips, truncations, splices and inserted lengths.
/// The long runs belong to `Fuzz/run transport`; this keeps the checks honest
/// between them.
@Suite struct TransportInputMutationTests {
    @Test func mutatedTunnelAndResponseBytesNeverTrap() throws {
        let folder = FuzzRegressionTests.directory.appendingPathComponent("transport")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            try [UInt8](Data(contentsOf: folder.appendingPathComponent($0)))
        }
        var random = SplitMix64(seed: 0x7473_682D_7377_6966)
        for round in 0..<4000 {
            var input = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = input.isEmpty ? 0 : Int(random.next() % UInt64(input.count))
                switch random.next() % 4 {
                case 0 where !input.isEmpty: input[at] ^= UInt8(truncatingIfNeeded: random.next())
                case 1: input = Array(input.prefix(at))
                case 2: input.insert(contentsOf: seeds[Int(random.next() % UInt64(seeds.count))], at: at)
                default: input.insert(contentsOf: [0x7F, 0xFF, 0xFF, 0xFF], at: min(at, input.count))
                }
            }
            try FuzzChecks.run(.transport, input)
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix64 {
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
