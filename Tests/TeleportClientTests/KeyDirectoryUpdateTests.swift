import Testing
import Foundation
@testable import TeleportProfile
@testable import TeleportSupport

@Suite struct KeyDirectoryUpdateTests {
    /// A fresh directory under the system temp dir, removed by the caller.
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "keys-update-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func replacesTheSetAndKeepsUnchangedFiles() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keys = root + "/keys/proxy.example.com"
        try KeyDirectoryUpdate.replace(keys) { staging in
            try AtomicFile.write("old key\n", to: staging + "/alice")
            try AtomicFile.write("clusters\n", to: staging + "/clusters")
        }
        try KeyDirectoryUpdate.replace(keys) { staging in
            try AtomicFile.write("new key\n", to: staging + "/alice")
        }
        #expect(try String(contentsOfFile: keys + "/alice", encoding: .utf8) == "new key\n")
        #expect(try String(contentsOfFile: keys + "/clusters", encoding: .utf8) == "clusters\n")
        #expect(FileSystem.list(root + "/keys") == ["proxy.example.com"])
    }

    /// A writer killed mid-write (here: the cluster cache) leaves its
    /// temporary in the live set; the next replacement must not carry it on.
    @Test func dropsTemporariesThatKilledWritersLeft() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keys = root + "/keys/proxy.example.com"
        try KeyDirectoryUpdate.replace(keys) { staging in
            try AtomicFile.write("key\n", to: staging + "/alice")
        }
        let leftover = keys + "/.clusters.tmp-2147483646-12345"
        try "partial".write(toFile: leftover, atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: keys + "/alice-ssh", withIntermediateDirectories: true)
        try "partial".write(toFile: keys + "/alice-ssh/.root-cert.pub.tmp-2147483646-1", atomically: false,
                            encoding: .utf8)

        try KeyDirectoryUpdate.replace(keys) { staging in
            try AtomicFile.write("key 2\n", to: staging + "/alice")
        }
        #expect(FileSystem.list(keys) == ["alice", "alice-ssh"])
        #expect(FileSystem.list(keys + "/alice-ssh") == [])
    }

    @Test(arguments: [
        (".clusters.tmp-123-456", Int32(123)),
        (".alice.tmp-9-1", Int32(9)),
        ("clusters", nil),
        (".clusters.tmp-", nil),
        (".clusters.tmp-x1", nil),
        (".clusters.tmp-٣-1", nil),  // Arabic-Indic digit: not a pid
    ] as [(String, Int32?)])
    func recognisesAtomicFileTemporaries(name: String, pid: Int32?) {
        #expect(FileSystem.temporaryWriter(of: name) == pid)
    }
}
