import Testing

/// The auth API's kept fuzz inputs, mutated (`InputMutation`).
@Suite struct AuthInputMutationTests {
    @Test func mutatedAuthResponsesNeverTrap() throws {
        try InputMutation.run(.authAPI, seed: 0x6175_7468_2D61_7069, rounds: 3000, lengthBytes: [0x0A, 0xFF, 0xFF, 0x03])
    }
}
