// The fuzz checks and their regression test.
//
// This one file is compiled twice: here, by `swift test`, where the suite at
// the end replays every input kept under `Golden/fuzz/<target>/`; and in the
// fuzzing package `Fuzz/` (its `Sources/FuzzChecks/Checks.swift` is a symlink
// to this file, built with `FUZZ_HARNESS` defined), where libFuzzer calls
// `FuzzChecks.run` with each input. So the fuzzer and the regression test
// apply the same checks. Only public API of TeleportClient is used: the fuzz
// build is a release build, without `@testable`.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportClient

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

    // MARK: 1. Certificates

    /// Raw bytes as a wire-format certificate, and as text as a certificate
    /// line. Whatever parses must verify (or refuse) its signature without
    /// trapping, read back from its own line, and name a certified key and a
    /// CA key that parse on their own as plain keys.
    static func certificate(_ data: [UInt8]) throws {
        if let cert = try? SSHCertificate(blob: data) { try certificateProperties(cert) }
        if let cert = try? SSHCertificate(line: String(decoding: data, as: UTF8.self)) {
            try certificateProperties(cert)
        }
    }

    static func certificateProperties(_ cert: SSHCertificate) throws {
        let verified = (try? cert.verifySignature()) != nil
        try require(cert.isSigned(by: cert.signatureKeyBlob) == verified,
                    "isSigned(by: its own CA) disagrees with verifySignature()")
        _ = cert.roles
        _ = cert.logins
        _ = cert.routeToCluster
        _ = cert.description
        _ = cert.isValid()
        _ = cert.validAfterDate
        _ = cert.validBeforeDate

        let again: SSHCertificate
        do {
            again = try SSHCertificate(line: cert.authorizedKeyLine)
        } catch {
            throw FuzzViolation("a parsed certificate's own line does not parse: \(error)")
        }
        try require(again == cert && again.keyID == cert.keyID && again.principals == cert.principals
                        && again.serial == cert.serial && again.signatureKeyBlob == cert.signatureKeyBlob,
                    "a certificate read back from its line differs")

        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(blob: cert.publicKeyBlob)
        } catch {
            throw FuzzViolation("the certified key of a parsed certificate does not parse: \(error)")
        }
        try require(!key.isCertificate && key == cert.publicKey,
                    "the certified key is \(show(key.type)), expected \(show(cert.publicKey.type))")
        let ca: SSHPublicKey
        do {
            ca = try SSHPublicKey(blob: cert.signatureKeyBlob)
        } catch {
            throw FuzzViolation("the CA key of a parsed certificate does not parse: \(error)")
        }
        try require(!ca.isCertificate && ca.type == cert.signatureKeyType,
                    "the CA key is \(show(ca.type)), the certificate says \(show(cert.signatureKeyType))")
        let asKey = try? SSHPublicKey(blob: cert.blob)
        try require(asKey?.isCertificate == true && asKey?.type == cert.keyType,
                    "SSHPublicKey(blob:) does not read a parsed certificate as a certificate")
    }

    // MARK: 2. Public keys and known_hosts

    /// `existing known_hosts` 0xFF `proxy host` 0xFF `cluster` (0xFF `key line`)*.
    ///
    /// The whole input is tried as a key blob; each line of the first value
    /// as a one-line key and, for `@cert-authority` lines, as known_hosts key
    /// fields. Then the key lines become CA lines as `tsh login` makes them
    /// and are merged into the first value: the merge must be idempotent, keep
    /// every new line, drop every other CA line of the same proxy and cluster,
    /// and keep every other line.
    static func publicKey(_ data: [UInt8]) throws {
        if let key = try? SSHPublicKey(blob: data) { try keyProperties(key) }
        let values = fields(data)
        let existing = values[0]
        for line in existing.utf8.split(separator: UInt8(ascii: "\n")).prefix(64) {
            let text = String(decoding: line, as: UTF8.self)
            if let key = try? SSHPublicKey(line: text) { try keyProperties(key) }
            let words = text.split(separator: " ", omittingEmptySubsequences: true)
            if words.count >= 4, words[0] == "@cert-authority",
               let key = try? SSHPublicKey(type: String(words[2]), base64: String(words[3])) {
                try keyProperties(key)
            }
        }

        let proxyHost = values.count > 1 && (try? Names.validateHost(values[1])) != nil
            ? values[1] : "proxy.example.com"
        let cluster = values.count > 2 && (try? Names.validateCluster(values[2])) != nil
            ? values[2] : "example.com"
        var newLines: [String] = []
        for text in values.dropFirst(3).prefix(16) {
            guard let key = try? SSHPublicKey(line: text), !key.isCertificate else { continue }
            newLines.append(KnownHosts.caLine(proxyHost: proxyHost, cluster: cluster,
                                              keyType: key.type, keyBase64: key.base64))
        }
        let merged = KnownHosts.merge(existing: existing, proxyHost: proxyHost, cluster: cluster, newLines: newLines)
        let again = KnownHosts.merge(existing: merged, proxyHost: proxyHost, cluster: cluster, newLines: newLines)
        try require(!enabled(.knownHostsIdempotent) || again == merged, "merging twice differs from merging once: \(show(merged)) then \(show(again))")
        try require(merged.isEmpty || merged.hasSuffix("\n"), "the merged file does not end with a newline")

        // The file as OpenSSH reads it: lines end at LF.
        let lines = merged.utf8.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        for line in newLines {
            try require(lines.contains(line), "the new line \(show(line)) is missing from the merged file")
        }
        let hosts = "\(proxyHost),\(cluster),*.\(cluster)"
        let trimmedLines = Set(lines.map { $0.trimmingSSHBlanks() })
        for raw in existing.utf8.split(separator: UInt8(ascii: "\n")) {
            let line = String(decoding: raw, as: UTF8.self).trimmingSSHBlanks()
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })  // as the stale check below
            if line.isEmpty || (words.count >= 2 && words[0] == "@cert-authority" && words[1] == hosts) { continue }
            try require(!enabled(.knownHostsLines) || trimmedLines.contains(line), "the line \(show(line)) was lost in the merge")
        }
        for line in lines where enabled(.knownHostsStale) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.count >= 2, words[0] == "@cert-authority", words[1] == hosts {
                try require(newLines.contains(line.trimmingSSHBlanks()),
                            "a stale CA line for \(show(hosts)) survived the merge: \(show(line))")
            }
        }
    }

    static func keyProperties(_ key: SSHPublicKey) throws {
        _ = key.fingerprintSHA256
        let again: SSHPublicKey
        do {
            again = try SSHPublicKey(line: key.authorizedKeyLine)
        } catch {
            throw FuzzViolation("a parsed key's own line does not parse: \(error)")
        }
        try require(again == key, "a key read back from its line differs")
        try require(key.authorizedKeyLine.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F || $0 == " " },
                    "a key line holds a character outside printable ASCII: \(show(key.authorizedKeyLine))")
        if key.isCertificate {
            do {
                try certificateProperties(try SSHCertificate(blob: key.blob))
            } catch let violation as FuzzViolation {
                throw violation
            } catch {
                throw FuzzViolation("a key of certificate type is not a certificate: \(error)")
            }
        }
    }

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

    // MARK: 4. Web API responses

    /// The JSON bodies of `/webapi/ping`, `/webapi/find`, `/webapi/ssh/certs`
    /// and the `proxysites` list, and what tsh derives from them.
    static func webapi(_ data: [UInt8]) throws {
        let json = Data(data)
        if let ping = try? JSONDecoder().decode(PingResponse.self, from: json) {
            _ = try? SignatureSuite(serverValue: ping.auth?.signatureAlgorithmSuite?.value)
            if let ttl = ping.auth?.defaultSessionTTL { _ = GoDuration.parse(ttl) }
            if let name = ping.clusterName { _ = try? Names.validateCluster(name) }
            // As ProxyDiscovery reads the addresses.
            for (text, port) in [(ping.proxy?.ssh?.publicAddr, 443), (ping.proxy?.ssh?.sshPublicAddr, 3023),
                                 (ping.proxy?.ssh?.listenAddr, 3023)] {
                guard let text else { continue }
                let first = String(text.split(separator: ",").first ?? "")
                if let address = try? HostPort.parse(first, defaultPort: port) { try hostPortProperties(address) }
            }
            for text in [ping.serverVersion, ping.minClientVersion, ping.auth?.local?.name] {
                try printableProperties(Names.printable(text ?? "", limit: 50))
            }
        }
        if let response = try? JSONDecoder().decode(SSHCertsResponse.self, from: json) {
            if let cert = try? SSHCertificate(line: response.sshCert) { try certificateProperties(cert) }
            for signer in response.hostSigners.prefix(16) {
                _ = try? Names.validateCluster(signer.domainName)
                for text in signer.checkingKeys.prefix(16) {
                    if let key = try? SSHPublicKey(line: text) { try keyProperties(key) }
                }
            }
        }
        if let sites = try? JSONDecoder().decode([ClusterList.Site].self, from: json) {
            _ = ClusterList.ordered(sites.filter { (try? Names.validateCluster($0.name)) != nil }, root: "example.com")
        }
    }

    static func printableProperties(_ text: String) throws {
        try require(text.unicodeScalars.allSatisfy {
            $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value))
        }, "Names.printable left a control character in \(show(text))")
    }

    // MARK: 5. Proxy targets

    /// `target` 0xFF `proxy host` 0xFF `cluster`; the proxy host and cluster
    /// are used only when valid (as tsh validates them first).
    static func proxyTarget(_ data: [UInt8]) throws {
        let values = fields(data)
        let proxyHost = values.count > 1 && (try? ProxyAddress.parse(values[1])) != nil
            ? (try! ProxyAddress.parse(values[1])).host : "proxy.example.com"
        let cluster = values.count > 2 && (try? Names.validateCluster(values[2])) != nil
            ? values[2] : "example.com"
        guard let target = try? ProxyTarget.parse(values[0], proxyHost: proxyHost, cluster: cluster) else { return }
        let subsystem = target.subsystem(cluster: cluster)
        try require(subsystem.unicodeScalars.allSatisfy {
            !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value)
                && $0 != "\"" && $0 != "'" && $0 != "\\" && $0 != "`"
        }, "the subsystem \(show(subsystem)) of target \(show(values[0])) holds whitespace, a quote or a control character")
        try asciiHost(target.host, input: values[0])
        try require(!target.host.isEmpty, "target \(show(values[0])) gives an empty host")
        if let login = target.login {
            try require((try? Names.validateLogin(login)) != nil, "target \(show(values[0])) gives the invalid login \(show(login))")
            try require(!login.isEmpty, "target \(show(values[0])) gives an empty login")
        }
        if let port = target.port { try require((1...65535).contains(port), "port \(port) out of range") }
    }

    // MARK: 6. Proxy addresses

    /// `--proxy` text 0xFF `host:port` text. Whatever parses has a valid host
    /// and ports in range, and reads back the same from its own rendering.
    static func proxyAddress(_ data: [UInt8]) throws {
        let values = fields(data)
        if let address = try? ProxyAddress.parse(values[0]) {
            try require((try? Names.validateHost(address.host)) != nil, "ProxyAddress host \(show(address.host)) is invalid")
            try asciiHost(address.host, input: values[0])
            for port in [address.webPort, address.sshPort].compactMap({ $0 }) {
                try require((1...65535).contains(port), "port \(port) out of range")
            }
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            var text = host
            if address.webPort != nil || address.sshPort != nil {
                text += ":" + (address.webPort.map(String.init) ?? "") + (address.sshPort.map { ",\($0)" } ?? "")
            }
            let again = try? ProxyAddress.parse(text)
            try require(again == address, "\(show(values[0])) gives \(show(text)), which reads back as \(String(describing: again))")
            try require(address.webPortCandidates.allSatisfy { (1...65535).contains($0) }, "web port candidates out of range")
        }
        for text in values.prefix(2) {
            for defaultPort in [nil, 443] {
                guard let address = try? HostPort.parse(text, defaultPort: defaultPort) else { continue }
                try hostPortProperties(address)
                try asciiHost(address.host, input: text)
            }
        }
    }

    static func hostPortProperties(_ address: HostPort) throws {
        try require((try? Names.validateHost(address.host)) != nil, "HostPort host \(show(address.host)) is invalid")
        try require((1...65535).contains(address.port), "port \(address.port) out of range")
        let again = try? HostPort.parse(address.description)
        try require(again == address, "\(show(address.description)) reads back as \(String(describing: again))")
    }

    /// A host that validates is ASCII: it names files under ~/.tsh and goes
    /// into ssh_config and onto command lines.
    static func asciiHost(_ host: String, input: String) throws {
        guard enabled(.asciiHost) else { return }
        try require(host.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F },
                    "\(show(input)) gives the host \(show(host)), which is not printable ASCII")
    }

    // MARK: 7. ssh_config

    /// Values in this order, separated by 0xFF; a missing one takes a valid
    /// default; cluster names are separated by 0xFE:
    /// proxy host, proxy port, clusters, known_hosts path, identity path,
    /// certificate path, login, node port, executable path, app name.
    ///
    /// When rendering succeeds, every line is blank, a comment, a `Host`
    /// line, or four spaces and a known keyword with its one expected value;
    /// no value adds a token or a line; `%` in quoted values is doubled; no
    /// line holds NUL or CR.
    static func sshConfig(_ data: [UInt8]) throws {
        let values = fields(data)
        func value(_ index: Int, _ fallback: String) -> String { index < values.count ? values[index] : fallback }
        let clusters = index(2, in: values).map {
            Array($0.utf8).split(separator: 0xFE, omittingEmptySubsequences: false).prefix(8)
                .map { String(decoding: $0, as: UTF8.self) }
        } ?? ["example.com", "leaf.example.com"]
        var parameters = SSHConfigParameters(
            proxyHost: value(0, "proxy.example.com"),
            proxyPort: Int(value(1, "443")) ?? 443,
            clusterNames: clusters,
            knownHostsPath: value(3, "/home/alice/.tsh/known_hosts"),
            identityFilePath: value(4, "/home/alice/.tsh/keys/proxy.example.com/alice"),
            certificateFilePath: value(5, "/home/alice/.tsh/keys/proxy.example.com/alice-ssh/example.com-cert.pub"),
            username: value(6, "alice"),
            port: Int(value(7, "3022")) ?? 3022,
            executablePath: value(8, "/usr/local/bin/tsh"))
        if values.count > 9 { parameters.appName = values[9] }

        guard let config = try? SSHConfigRenderer.render(parameters) else { return }
        try require(!config.utf8.contains(0) && !config.utf8.contains(0x0D), "the rendered config holds NUL or CR")
        let keywords: Set<String> = ["UserKnownHostsFile", "IdentityFile", "CertificateFile", "User", "Port", "ProxyCommand"]
        for raw in config.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = String(decoding: raw, as: UTF8.self)
            if line.isEmpty || line.hasPrefix("#") { continue }
            // Tokens as ssh_config splits them: at spaces and tabs, "quoted" runs kept whole.
            let tokens = try sshConfigTokens(line)
            if line.hasPrefix("Host ") {
                try require(tokens.count == 3 && tokens.allSatisfy({ !$0.quoted }),
                            "a Host line with other than two patterns: \(show(line))")
                continue
            }
            try require(line.hasPrefix("    ") && !line.hasPrefix("     "), "an unexpected line: \(show(line))")
            guard let keyword = tokens.first, !keyword.quoted, keywords.contains(keyword.text) else {
                throw FuzzViolation("an unknown directive: \(show(line))")
            }
            switch keyword.text {
            case "ProxyCommand":
                try require(tokens.count == 7 && tokens[1].quoted
                                && tokens[2...].map(\.text).prefix(2) == ["proxy", "ssh"]
                                && tokens[4].text.hasPrefix("--cluster=") && tokens[5].text.hasPrefix("--proxy=")
                                && tokens[6].text == "%r@%h:%p",
                            "a ProxyCommand with other arguments: \(show(line))")
                try require(tokens[1].text.unicodeScalars.allSatisfy { $0 != "$" && $0 != "`" },
                            "a ProxyCommand executable that /bin/sh would expand: \(show(line))")
                try require(tokens[1].percentsDoubled, "an undoubled % in the ProxyCommand executable: \(show(line))")
            case "Port":
                try require(tokens.count == 2 && Int(tokens[1].text) != nil, "a bad Port line: \(show(line))")
            default:
                try require(tokens.count == 2 && tokens[1].quoted, "a value that is not one quoted token: \(show(line))")
                try require(tokens[1].percentsDoubled, "an undoubled % in a value: \(show(line))")
            }
        }
    }

    static func index(_ i: Int, in values: [String]) -> String? { i < values.count ? values[i] : nil }

    struct ConfigToken {
        var text: String
        var quoted: Bool
        /// No `%` token expansion left: every `%` is part of a `%%`.
        /// Scanned byte by byte: "%" after a prepend mark is inside one Character.
        var percentsDoubled: Bool {
            var bytes = Array(text.utf8)[...]
            while let i = bytes.firstIndex(of: UInt8(ascii: "%")) {
                guard i + 1 < bytes.endIndex, bytes[i + 1] == UInt8(ascii: "%") else { return false }
                bytes = bytes[(i + 2)...]
            }
            return true
        }
    }

    static func sshConfigTokens(_ line: String) throws -> [ConfigToken] {
        var tokens: [ConfigToken] = []
        var scalars = line.unicodeScalars[...]
        while true {
            scalars = scalars.drop(while: { $0 == " " || $0 == "\t" })
            guard let first = scalars.first else { break }
            if first == "\"" {
                let body = scalars.dropFirst()
                guard let close = body.firstIndex(of: "\"") else {
                    throw FuzzViolation("an unterminated quote: \(show(line))")
                }
                tokens.append(ConfigToken(text: String(body[..<close]), quoted: true))
                scalars = body[body.index(after: close)...]
                if let next = scalars.first, next != " " && next != "\t" {
                    throw FuzzViolation("a quoted value runs into the next token: \(show(line))")
                }
            } else {
                let end = scalars.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? scalars.endIndex
                let word = String(scalars[..<end])
                if word.contains("\"") { throw FuzzViolation("a quote inside a word: \(show(line))") }
                tokens.append(ConfigToken(text: word, quoted: false))
                scalars = scalars[end...]
            }
        }
        return tokens
    }
}

extension String {
    fileprivate func fuzzReplacing(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// Without the blanks OpenSSH ignores around a known_hosts line.
    /// Byte-wise, as OpenSSH skips blanks: a space followed by a combining
    /// mark is one Character but still a leading blank.
    fileprivate func trimmingSSHBlanks() -> String {
        let blank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, blank(f) { scalars = scalars.dropFirst() }
        while let l = scalars.last, blank(l) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

#if !FUZZ_HARNESS
import Foundation
import Testing

/// Replays every input kept under `Golden/fuzz/<target>/` (crashes the fuzzer
/// found, and inputs crafted to reach the corners of each parser, see
/// `Fuzz/make-regression-inputs.py`) through the checks above, so that fixed
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
#endif
