import Foundation
import Testing
import TeleportAuthAPI

/// A short, seeded mutation run over the auth API's kept fuzz inputs on every
/// `swift test`: byte flips, truncations, splices and inserted lengths. The
/// long runs belong to `Fuzz/run auth-api`; this keeps the checks honest
/// between them.
@Suite struct AuthInputMutationTests {
    @Test func mutatedAuthResponsesNeverTrap() throws {
        let folder = FuzzRegressionTests.directory.appendingPathComponent("auth-api")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            try [UInt8](Data(contentsOf: folder.appendingPathComponent($0)))
        }.filter { !$0.isEmpty }
        var random = SplitMix64(seed: 0x6175_7468_2D61_7069)
        for round in 0..<3000 {
            var input = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = input.isEmpty ? 0 : Int(random.next() % UInt64(input.count))
                switch random.next() % 4 {
                case 0 where !input.isEmpty: input[at] ^= UInt8(truncatingIfNeeded: random.next())
                case 1: input = Array(input.prefix(at))
                case 2: input.insert(contentsOf: seeds[Int(random.next() % UInt64(seeds.count))], at: at)
                default: input.insert(contentsOf: [0x0A, 0xFF, 0xFF, 0x03], at: min(at, input.count))
                }
            }
            try FuzzChecks.run(.authAPI, input)
        }
    }
}
