#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportProfile
import TeleportSSHConfig
import TeleportSupport

extension FuzzChecks {
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
