#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportProfile
import TeleportSupport

extension FuzzChecks {
    // MARK: 3. Profiles

    /// Profile YAML. `FlatYAML.parse` must not trap; every scalar it reads
    /// must read back from `FlatYAML.quote`; and a profile that parses must
    /// be written by `yaml()` as text that parses to the same profile.
    static func profile(_ data: [UInt8]) throws {
        let text = String(decoding: data, as: UTF8.self)
        if enabled(.yamlQuote), let fields = try? FlatYAML.parse(text) {
            for (key, value) in fields.sorted(by: { $0.key < $1.key }).prefix(64) {
                guard case .scalar(let scalar) = value else { continue }
                let line = "value: \(FlatYAML.quote(scalar))\n"
                let back: [String: FlatYAML.Value]
                do {
                    back = try FlatYAML.parse(line)
                } catch {
                    throw FuzzViolation("the value of \(show(key)), \(show(scalar)), written as \(show(line)), does not parse: \(error)")
                }
                try require(back == ["value": .scalar(scalar)],
                            "the value of \(show(key)), \(show(scalar)), written as \(show(line)), reads back as \(back)")
            }
        }

        try profileRoundTrip(text)
        if enabled(.yamlCRLF) { try yamlCRLF(text) }
    }

    static func yamlCRLF(_ text: String) throws {
        // FlatYAML means to read CRLF files as LF ones.
        if !text.utf8.contains(0x0D) {
            let crlf = String(decoding: Array(text.utf8).flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }, as: UTF8.self)
            let lf = Result { try FlatYAML.parse(text) }
            let other = Result { try FlatYAML.parse(crlf) }
            switch (lf, other) {
            case (.success(let a), .success(let b)):
                try require(a == b, "the text with CRLF line ends reads as \(b), with LF as \(a)")
            case (.failure, .failure):
                break
            case (.success, .failure(let error)):
                throw FuzzViolation("the text reads with LF line ends but not with CRLF: \(error)")
            case (.failure(let error), .success):
                throw FuzzViolation("the text reads with CRLF line ends but not with LF: \(error)")
            }
        }

    }

    static func profileRoundTrip(_ text: String) throws {
        guard let profile = try? Profile.parse(yaml: text, source: "fuzz.yaml") else { return }
        if !enabled(.yamlQuote) {
            // Only profiles whose values all survive FlatYAML.quote.
            let values = [profile.webProxyAddr, profile.sshProxyAddr, profile.kubeProxyAddr, profile.postgresProxyAddr,
                          profile.mysqlProxyAddr, profile.mongoProxyAddr, profile.user, profile.cluster, profile.dir,
                          profile.authConnector, profile.mfaMode, profile.privateKeyPolicy, profile.pivSlot,
                          profile.ssoHost] + profile.dynamicForwardPorts
            for value in values where (try? FlatYAML.parse("value: \(FlatYAML.quote(value))\n")) != ["value": .scalar(value)] {
                return
            }
        }
        if enabled(.duration) {
            let formatted = GoDuration.format(nanoseconds: profile.sshDialTimeout)
            try require(GoDuration.parse(formatted) == profile.sshDialTimeout,
                        "the timeout \(profile.sshDialTimeout) ns is written as \(show(formatted)), which reads as \(String(describing: GoDuration.parse(formatted)))")
        }
        let yaml = profile.yaml()
        let again: Profile
        do {
            again = try Profile.parse(yaml: yaml, source: "written.yaml")
        } catch {
            throw FuzzViolation("a profile's own YAML does not parse: \(error)\n\(yaml)")
        }
        var expected = profile
        if !enabled(.duration) { expected.sshDialTimeout = again.sshDialTimeout }
        try require(again == expected, "a profile read back from its own YAML differs:\n\(yaml)\(again.yaml())")
        try require(again.yaml() == yaml || !enabled(.duration), "writing a profile twice gives different YAML")
        _ = profile.proxyHost
    }
}
