/// Templates compiled into the binary, so a copied `tsh` needs no files
/// beside it.
public enum EmbeddedTemplates {
    /// The OpenSSH client configuration printed by `tsh config`.
    public static var opensshConfig: String {
        String(decoding: PackageResources.openssh_config_mustache, as: UTF8.self)
    }
}
