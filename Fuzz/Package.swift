// swift-tools-version:6.0
// libFuzzer targets for the parsers of outside input in the tsh libraries.
// Build and run with `Fuzz/run` (see Fuzz/README.md): the executables link
// only with `-sanitize=fuzzer`, which brings libFuzzer's driver.
import PackageDescription

/// Target name in `Fuzz/run` → executable target.
let fuzzTargets = [
    "FuzzCertificate", "FuzzPublicKey", "FuzzProfile", "FuzzWebAPI",
    "FuzzProxyTarget", "FuzzProxyAddress", "FuzzSSHConfig", "FuzzTransport", "FuzzAuthAPI",
]

let package = Package(
    name: "TeleportClientFuzz",
    dependencies: [
        .package(name: "tsh", path: ".."),
    ],
    targets: [
        // The checks, shared with the regression test: the files but
        // Harness.swift are symlinks to Tests/TeleportClientTests/FuzzChecks/.
        .target(
            name: "FuzzChecks",
            dependencies: [.product(name: "TeleportLibraries", package: "tsh")]
        ),
        // Calls libFuzzer's driver from each target's main.swift.
        .target(name: "CFuzzerDriver"),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzChecks", "CFuzzerDriver"])
    },
    swiftLanguageModes: [.v6]
)
