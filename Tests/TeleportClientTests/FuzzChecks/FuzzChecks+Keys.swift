#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TeleportKeys
import TeleportProfile
import TeleportSupport

extension FuzzChecks {
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
}

extension String {
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
