import Foundation
import Testing
import TeleportSupport

/// Replays every input kept under `Golden/fuzz/<target>/` (crashes the fuzzer
/// found, and inputs crafted to reach the corners of each parser, see
/// `Fuzz/make-regression-inputs.py`) through the checks in `FuzzChecks/`, so that fixed
/// bugs stay fixed.
///
/// `Golden/fuzz/open-issues.txt` lists the bugs found and not fixed yet, one
/// line each: `<check id> <target>/<file> …`. The files named reproduce it and
/// are expected to fail (a known issue); the check is skipped for every other
/// input, so the rest of the checks still guard them. Once the bug is fixed,
/// its files pass, the test fails on the unmet known issue, and the line is to
/// be removed.
@Suite struct FuzzRegressionTests {
    static let directory = GoldenFile.directory.appendingPathComponent("fuzz")

    static func inputs(_ target: FuzzTarget) throws -> [String] {
        let folder = directory.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    struct OpenIssue {
        var check: FuzzChecks.Check
        var files: [String]
    }

    static func openIssues() throws -> [OpenIssue] {
        let text = try String(contentsOf: directory.appendingPathComponent("open-issues.txt"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> OpenIssue? in
            let words = line.prefix(while: { $0 != "#" }).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { return nil }
            guard let check = FuzzChecks.Check(rawValue: String(first)) else {
                throw FuzzViolation("open-issues.txt names the unknown check \(first)")
            }
            return OpenIssue(check: check, files: words.dropFirst().map(String.init))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func replaysKeptInputs(_ target: FuzzTarget) throws {
        let names = try Self.inputs(target)
        #expect(!names.isEmpty, "no kept inputs for \(target.rawValue)")
        let open = try Self.openIssues()
        let skipped = Set(open.map(\.check))
        for name in names {
            let path = "\(target.rawValue)/\(name)"
            let data = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(path)))
            let issues = open.filter { $0.files.contains(path) }
            if issues.isEmpty {
                do {
                    try FuzzChecks.run(target, data, skipping: skipped)
                } catch {
                    Issue.record("\(path): \(error)")
                }
            } else {
                // Fails on the open issue's check alone.
                for issue in issues {
                    withKnownIssue("open fuzz finding \(issue.check.rawValue): \(path)") {
                        try FuzzChecks.run(target, data, skipping: skipped.subtracting([issue.check]))
                    }
                }
            }
        }
    }

    @Test func everyOpenIssueNamesKeptInputs() throws {
        for issue in try Self.openIssues() {
            #expect(!issue.files.isEmpty, "open-issues.txt: \(issue.check.rawValue) names no input")
            for path in issue.files {
                #expect(FileManager.default.fileExists(atPath: Self.directory.appendingPathComponent(path).path),
                        "open-issues.txt names \(path), which does not exist")
            }
        }
    }
}
