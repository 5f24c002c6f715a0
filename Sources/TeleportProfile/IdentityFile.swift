import TeleportKeys
import TeleportSupport

/// `tsh login -o PATH`: the credentials of a login in one file for tools
/// (`--format file`), or as OpenSSH key and certificate files (`--format
/// openssh`), instead of a profile (docs/protocol.md, "Status and identity files").
public enum IdentityFile {
    public enum Format: String, Sendable, CaseIterable {
        case file, openssh
    }

    /// The `file` format: the private key PEM, the SSH certificate line, the
    /// TLS certificate PEM, the `@cert-authority` lines and the TLS CA PEMs,
    /// each ending in a newline.
    public static func contents(_ login: LoginMaterial) -> String {
        func line(_ text: String) -> String { text.hasSuffix("\n") ? text : text + "\n" }
        var out = line(login.sshPrivateKeyPEM) + line(login.sshCertificateLine) + line(login.tlsCertificatePEM)
        for (_, lines) in login.hostCALines { out += lines.map(line).joined() }
        for (_, pems) in login.tlsCAs { out += line(pems) }
        return out
    }

    /// Writes the identity; returns the paths written. Files are 0600.
    @discardableResult
    public static func write(_ login: LoginMaterial, to path: String, format: Format) throws -> [String] {
        guard !path.isEmpty, !path.contains("\0") else { throw TeleportError("--out needs a file path") }
        let dir = FileSystem.directory(of: path)
        guard FileSystem.isDirectory(dir) else {
            throw TeleportError("cannot write \(path): the directory \(dir) does not exist")
        }
        switch format {
        case .file:
            try AtomicFile.write(contents(login), to: path, mode: 0o600)
            return [path]
        case .openssh:
            try AtomicFile.write(login.sshPrivateKeyPEM, to: path, mode: 0o600)
            try AtomicFile.write(login.sshCertificateLine, to: path + "-cert.pub", mode: 0o600)
            return [path, path + "-cert.pub"]
        }
    }
}
