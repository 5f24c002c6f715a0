// The fuzz checks, shared by the fuzzer and the regression test.
//
// The files of this folder are compiled twice: here, by `swift test`, where
// `FuzzRegressionTests` replays every input kept under `Golden/fuzz/<target>/`;
// and in the fuzzing package `Fuzz/` (each is symlinked into its
// `Sources/FuzzChecks/`), where libFuzzer calls `FuzzChecks.run` with each
// input. So the fuzzer and the regression test apply the same checks. Only
// public API of the tsh libraries is used: the fuzz build is a release build,
// without `@testable`.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportKeys
import TeleportProfile
import TeleportProxyCommand
import TeleportSSHConfig
import TeleportSupport
import TeleportWebAPI

/// The fuzz targets, by the name `Fuzz/run` and `Golden/fuzz/` use.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `SSHCertificate(blob:)`, `SSHCertificate(line:)`, `verifySignature()`.
    case certificate
    /// `SSHPublicKey(line:)`/`(blob:)`/`(type:base64:)` and `KnownHosts.merge`.
    case publicKey = "public-key"
    /// `FlatYAML.parse`, `Profile.parse(yaml:source:)` and `Profile.yaml()`.
    case profile
    /// `PingResponse`, `SSHCertsResponse` and `[ClusterList.Site]` from JSON.
    case webapi
    /// `ProxyTarget.parse(_:proxyHost:cluster:)` and `subsystem(cluster:)`.
    case proxyTarget = "proxy-target"
    /// `ProxyAddress.parse` and `HostPort.parse`.
    case proxyAddress = "proxy-address"
    /// `SSHConfigRenderer.render` with fuzzed `SSHConfigParameters`.
    case sshConfig = "ssh-config"
    /// The WebSocket tunnel's frames and TransportService responses.
    case transport
    /// The auth server's `GetCertAuthorities` and `ListUnifiedResources` responses.
    case authAPI = "auth-api"
}

/// A property that does not hold: a crash under libFuzzer, a failure under
/// `swift test`. Errors the parsers throw for bad input are expected and never
/// become one of these.
public struct FuzzViolation: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum FuzzChecks {
    /// Checks with an id can be skipped while the bug they find is open:
    /// `Fuzz/run --skip id,…` (the environment variable `FUZZ_SKIP`), and
    /// `Golden/fuzz/open-issues.txt` for the regression test.
    public enum Check: String, CaseIterable, Sendable {
        /// FlatYAML reads a profile with CRLF line ends as with LF ones.
        case yamlCRLF = "yaml-crlf"
        /// Every scalar FlatYAML reads is read back from `FlatYAML.quote`.
        case yamlQuote = "yaml-quote"
        /// `GoDuration.parse(GoDuration.format(t)) == t` for a profile's timeout.
        case duration
        /// A known_hosts merge keeps every other line, also in a CRLF file.
        case knownHostsLines = "known-hosts-lines"
        /// Merging the merged file again changes nothing.
        case knownHostsIdempotent = "known-hosts-idempotent"
        /// No CA line of the merged cluster survives, however OpenSSH splits it.
        case knownHostsStale = "known-hosts-stale"
        /// A host that validates is printable ASCII.
        case asciiHost = "ascii-host"
    }

    /// Runs the checks of `target` on one input, except those in `skipping`.
    public static func run(_ target: FuzzTarget, _ data: [UInt8], skipping: Set<Check> = []) throws {
        try Skipping.$current.withValue(skipping) { try run(target, data) }
    }

    enum Skipping {
        @TaskLocal static var current: Set<Check> = []
    }

    static func enabled(_ check: Check) -> Bool { !Skipping.current.contains(check) }

    static func run(_ target: FuzzTarget, _ data: [UInt8]) throws {
        switch target {
        case .certificate: try certificate(data)
        case .publicKey: try publicKey(data)
        case .profile: try profile(data)
        case .webapi: try webapi(data)
        case .proxyTarget: try proxyTarget(data)
        case .proxyAddress: try proxyAddress(data)
        case .sshConfig: try sshConfig(data)
        case .transport: try transport(data)
        case .authAPI: try authAPI(data)
        }
    }

    /// Inputs with several values separate them with the byte 0xFF, which
    /// never occurs in UTF-8, so each value can still hold any text. Values are
    /// decoded leniently (invalid UTF-8 becomes U+FFFD), as `String(decoding:)`
    /// does for files and command lines.
    public static let separator: UInt8 = 0xFF

    static func fields(_ data: [UInt8]) -> [String] {
        data.split(separator: separator, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw FuzzViolation(message()) }
    }

    /// A value for a message: escaped, shortened.
    static func show(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(300) {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return "\"" + out + (text.unicodeScalars.count > 300 ? "…" : "") + "\""
    }
}
