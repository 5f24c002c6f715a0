import Foundation
import Testing
@testable import TeleportSupport

/// The tests of `Sources/TeleportKeys`, grouped so that
/// `swift test --filter Keys` selects them all.
@Suite enum KeysTests {}

/// A private temporary directory, removed with the object.
final class KeyTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tsh-keys-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `text` with mode 0600 (ssh-keygen refuses group/world-readable keys).
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        guard FileManager.default.createFile(
            atPath: p, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw TeleportError("cannot write \(p)") }
        return p
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }
}

struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a tool (ssh-keygen, openssl) with no shell in between.
@discardableResult
func runTool(_ tool: String, _ arguments: [String], in directory: KeyTestDirectory? = nil,
             environment: [String: String]? = nil, check: Bool = true) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    if let directory { process.currentDirectoryURL = directory.url }
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    // Output goes to files, so that neither stream can fill a pipe and stall the tool.
    let scratch = try KeyTestDirectory()
    _ = FileManager.default.createFile(atPath: scratch.path("out"), contents: nil)
    _ = FileManager.default.createFile(atPath: scratch.path("err"), contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path("out")))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path("err")))
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    let result = ToolResult(
        status: process.terminationStatus,
        stdout: try scratch.read("out"),
        stderr: try scratch.read("err"))
    if check && result.status != 0 {
        throw TeleportError("\(tool) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
    return result
}

/// `ssh-keygen -t <type>` into `dir/<name>` and `dir/<name>.pub`, returning the public line.
@discardableResult
func sshKeygenKey(_ dir: KeyTestDirectory, _ name: String, type: String, bits: Int? = nil) throws -> String {
    var args = ["-q", "-t", type, "-N", "", "-C", "", "-f", dir.path(name)]
    if let bits { args += ["-b", String(bits)] }
    try runTool("ssh-keygen", args)
    return try dir.read(name + ".pub")
}

/// Big-endian helpers for building hostile blobs.
func be32(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
}

func sshString(_ s: String) -> [UInt8] { be32(UInt32(s.utf8.count)) + Array(s.utf8) }
func sshString(_ b: [UInt8]) -> [UInt8] { be32(UInt32(b.count)) + b }
