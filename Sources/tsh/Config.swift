import ArgumentParser
import TeleportKeys
import TeleportLogin
import TeleportProfile
import TeleportProxyCommand
import TeleportSSHConfig
import TeleportSupport
import TeleportWebAPI

/// `tsh config`: the OpenSSH client configuration for a profile, on stdout.
/// Offline: it reads the profile only, and never prompts.
struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an OpenSSH configuration file for the current profile.",
        discussion: """
            Examples:
              tsh config > ~/.ssh/teleport_config
              tsh config --install
              tsh config --proxy=teleport.example.com --login=ubuntu --template=my.mustache
            """)

    @OptionGroup var proxyOption: ProxyOption

    @Flag(name: .long, help: "Print the configuration of every profile.")
    var all = false

    @Option(name: [.short, .long], help: "SSH port of the nodes.")
    var port: Int = Ports.nodeSSH

    @Option(name: [.short, .long], help: "Remote login for the User lines. Env: TELEPORT_LOGIN.")
    var login: String?

    @Flag(name: .long, help: "Make the ProxyCommand share proxy connections (tsh proxy ssh --multiplex). On with --install.")
    var multiplex = false

    @Option(name: .long, help: "Render this template instead of the built-in one (variables: see the README).")
    var template: String?

    @Flag(name: .long, help: "Write the configuration to $TELEPORT_HOME/ssh_config and include it from ~/.ssh/config.")
    var install = false

    @Flag(name: .long, help: "Remove what --install added to ~/.ssh/config.")
    var uninstall = false

    func run() throws {
        let store = ProfileStore(directory: try ProfileDirectory.resolve())
        if uninstall {
            let installer = SSHConfigInstaller(userConfigPath: try SSHConfigInstaller.defaultUserConfigPath(),
                                               includedPath: store.directory.installedSSHConfigPath)
            for change in try installer.uninstall() { Console.out(change + "\n") }
            return
        }
        let text = try render(store: store)
        if install {
            let installer = SSHConfigInstaller(userConfigPath: try SSHConfigInstaller.defaultUserConfigPath(),
                                               includedPath: store.directory.installedSSHConfigPath)
            for change in try installer.install(config: text) { Console.out(change + "\n") }
        } else {
            Console.out(text)
        }
    }

    private func render(store: ProfileStore) throws -> String {
        let hosts: [String]
        if all {
            hosts = store.directory.profileNames()
            guard !hosts.isEmpty else { throw TeleportError("Not logged in.") }
        } else if let host = try ProfileSelection(proxy: proxyOption.proxy).proxyHost(in: store.directory) {
            hosts = [host]
        } else {
            throw TeleportError("Not logged in.")
        }
        let templateText = try template.map { try FileSystem.readText($0, limit: 1 << 20) }
        let executable = try Executable.path()
        let login = self.login ?? Environment.value("TELEPORT_LOGIN")
        return try hosts.map { host in
            var parameters = try ProfileSSHConfig.parameters(
                store: store, proxyHost: host, port: port, login: login, executablePath: executable)
            // Measured (Benchmarks/run): a warm shared connection halves setup
            // time, and only shared connections survive a 50-way fan-out.
            parameters.multiplex = multiplex || install
            if let templateText { return try SSHConfigRenderer.render(parameters, template: templateText) }
            return try SSHConfigRenderer.render(parameters)
        }.joined(separator: "\n")
    }
}
