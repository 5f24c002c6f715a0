import Testing
@testable import TeleportSupport

@Suite struct NamesTests {
    @Test(arguments: ["example.com", "leaf-1.example.com", "root", "a_b"])
    func acceptsClusterNames(name: String) throws {
        try Names.validateCluster(name)
    }

    @Test(arguments: ["", "evil\nProxyCommand sh", "a b", "a%b", "*.x", "../x", "x/y", ".x", "-x", "a..b",
                      "quote\"d", String(repeating: "a", count: 254)])
    func refusesHostileClusterNames(name: String) {
        #expect(throws: TeleportError.self) { try Names.validateCluster(name) }
    }

    @Test(arguments: ["alice", "alice@example.com", "first.last+ops", "user=1"])
    func acceptsUserNames(name: String) throws {
        try Names.validateUser(name)
    }

    @Test(arguments: ["../../evil", "a/b", ".", "..", "", "-rf", "a\u{0}b", "a b", "tab\tx"])
    func refusesUserNamesThatWouldEscapeTheKeysDirectory(name: String) {
        #expect(throws: TeleportError.self) { try Names.validateUser(name) }
    }

    @Test func errorMessagesShowControlCharacters() {
        do {
            try Names.validateCluster("a\nb")
            Issue.record("accepted a newline")
        } catch let error as TeleportError {
            #expect(error.message.contains("\"a\\nb\""))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func printableStripsEscapeSequencesFromServerText() {
        #expect(Names.printable("bad\u{1B}[31mred") == "bad?[31mred")
    }
}
