import Testing

/// The transport's kept fuzz inputs, mutated (`InputMutation`).
@Suite struct TransportInputMutationTests {
    @Test func mutatedTunnelAndResponseBytesNeverTrap() throws {
        try InputMutation.run(.transport, seed: 0x7473_682D_7377_6966, rounds: 4000, lengthBytes: [0x7F, 0xFF, 0xFF, 0xFF])
    }
}
