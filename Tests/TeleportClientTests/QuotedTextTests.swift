import Testing
@testable import TeleportSupport

/// The three double-quoted forms we write share one escaper; each differs only
/// in how it shows the scalars beyond `"`, `\`, LF, CR and tab.
@Suite struct QuotedTextTests {
    static let awkward = "a\"b\\c\nd\re\tf\u{1}g\u{1f}h\u{7f}i<&>\u{2028}é"

    /// Go's encoding/json: `\u00XX` for controls, HTML-safe `<`, `>`, `&`.
    @Test func jsonAsGoWritesIt() {
        #expect(JSONValue.string(Self.awkward).rendered()
                == "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\u{7f}i\\u003c\\u0026\\u003e\\u2028é\"")
    }

    /// yaml.v2: `\xXX` for controls, everything else as is.
    @Test func yamlAsGoWritesIt() {
        #expect(FlatYAML.quote(Self.awkward)
                == "\"a\\\"b\\\\c\\nd\\re\\tf\\x01g\\x1fh\u{7f}i<&>\u{2028}é\"")
    }

    /// Error messages show every control character, DEL included, and stop at 200 scalars.
    @Test func errorMessagesShowControls() {
        #expect(Names.quoted(Self.awkward) == "\"a\\\"b\\\\c\\nd\\re\\tf\\x1g\\x1fh\\x7fi<&>\u{2028}é\"")
        #expect(Names.quoted(String(repeating: "x", count: 300)) == "\"" + String(repeating: "x", count: 200) + "\"")
    }
}
