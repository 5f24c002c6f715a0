import ArgumentParser
import TeleportSupport

// The parser refuses a `--format` value outside each command's enum.
extension OutputFormat: ExpressibleByArgument {}
