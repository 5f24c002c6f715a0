/// The `--format` values of `tsh status`, `tsh clusters` and `tsh login`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, yaml
}
