import CLibSSH
import TeleportSupport

/// An owned libssh key (`ssh_key`), freed with the object. Used only for
/// generating keys and reading private keys; never for writing files
/// (libssh's own file export writes mode 0644).
final class LibSSHKey {
    private let key: ssh_key

    private init(taking key: ssh_key) {
        self.key = key
    }

    deinit {
        // A key exists only if libssh was loaded.
        tsh_libssh()!.pointee.key_free(key)
    }

    /// `ssh_pki_generate`: `bits` is the RSA size or ECDSA curve size, 0 for Ed25519.
    static func generate(_ type: ssh_keytypes_e, bits: Int32) throws -> LibSSHKey {
        let ssh = try LibSSH.load()
        var key: ssh_key? = nil
        let rc = ssh.pki_generate(type, bits, &key)
        guard rc == SSH_OK, let key else {
            if let key { ssh.key_free(key) }
            throw TeleportError("could not generate an SSH key (libssh error \(rc))")
        }
        return LibSSHKey(taking: key)
    }

    /// `ssh_pki_import_privkey_base64`: an OpenSSH-format or PEM private key
    /// (PKCS#1, PKCS#8, SEC1). Encrypted keys are refused.
    ///
    /// The passphrase callback matters: with a NULL callback, libssh hands PEM
    /// keys to OpenSSL without one, and OpenSSL's default callback prompts
    /// "Enter PEM pass phrase:" on the terminal. Ours declines at once.
    static func importPrivateKey(pem: String) throws -> LibSSHKey {
        guard pem.utf8.count <= OpenSSHPrivateKey.maxPEMBytes, !pem.utf8.contains(0) else {
            throw TeleportError("cannot read the SSH private key: it is not a PEM private key")
        }
        let ssh = try LibSSH.load()
        var key: ssh_key? = nil
        let rc = pem.withCString { ssh.pki_import_privkey_base64($0, nil, Self.declinePassphrase, nil, &key) }
        guard rc == SSH_OK, let key else {
            if let key { ssh.key_free(key) }
            throw TeleportError(
                "cannot read the SSH private key: it is damaged, encrypted with a passphrase, or of an unsupported type")
        }
        guard ssh.key_is_private(key) == 1 else {
            ssh.key_free(key)
            throw TeleportError("cannot read the SSH private key: it holds no private key")
        }
        return LibSSHKey(taking: key)
    }

    /// An `ssh_auth_callback` that provides no passphrase.
    private static let declinePassphrase: ssh_auth_callback = { _, _, _, _, _, _ in -1 }

    private var ssh: tsh_libssh_api { tsh_libssh()!.pointee }

    var type: ssh_keytypes_e { ssh.key_type(key) }

    /// `ssh_pki_export_privkey_base64`: OpenSSH format for Ed25519, PEM
    /// (PKCS#8) for the others with libssh 0.10.
    func exportPrivateKey() throws -> String {
        var out: UnsafeMutablePointer<CChar>? = nil
        let rc = ssh.pki_export_privkey_base64(key, nil, nil, nil, &out)
        guard rc == SSH_OK, let out else {
            if let out { ssh.string_free_char(out) }
            throw TeleportError("could not encode the SSH private key (libssh error \(rc))")
        }
        defer { ssh.string_free_char(out) }
        return String(cString: out)
    }

    /// The public half, as libssh encodes it.
    func publicKey() throws -> SSHPublicKey {
        guard let typeName = ssh.key_type_to_char(type) else {
            throw TeleportError("unsupported SSH key type")
        }
        var out: UnsafeMutablePointer<CChar>? = nil
        let rc = ssh.pki_export_pubkey_base64(key, &out)
        guard rc == SSH_OK, let out else {
            if let out { ssh.string_free_char(out) }
            throw TeleportError("could not encode the SSH public key (libssh error \(rc))")
        }
        defer { ssh.string_free_char(out) }
        return try SSHPublicKey(type: String(cString: typeName), base64: String(cString: out))
    }
}
