import Testing
@testable import TeleportSupport

@Suite struct GoDurationTests {
    @Test(arguments: [
        (Int64(30_000_000_000), "30s"), (90_000_000_000, "1m30s"), (43_200_000_000_000, "12h0m0s"),
        (500_000_000, "500ms"), (0, "0s"), (1_500_000_000, "1.5s"), (3_660_000_000_000, "1h1m0s"),
    ])
    func formatsAsGoDoes(ns: Int64, text: String) {
        #expect(GoDuration.format(nanoseconds: ns) == text)
        #expect(GoDuration.parse(text) == ns)
    }

    @Test func refusesWhatIsNotADuration() {
        #expect(GoDuration.parse("") == nil)
        #expect(GoDuration.parse("12") == nil)
        #expect(GoDuration.parse("1x") == nil)
    }
}
