import ArgumentParser

/// The `--format` values tsh commands accept.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, yaml
}
