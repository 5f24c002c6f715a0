// swift-tools-version:6.0
import PackageDescription

// One target per layer, so the compiler enforces that dependencies run one
// way (README, "Layout") and builds independent layers in parallel:
//   tsh → Login / ProxyCommand / SSHConfig → Profile → Keys → Support
//   Login → WebAPI → Support
let package = Package(
    name: "tsh",
    products: [
        .executable(name: "tsh", targets: ["tsh"]),
        .library(name: "TeleportLibraries", targets: [
            "TeleportSupport", "TeleportKeys", "TeleportWebAPI", "TeleportProfile",
            "TeleportLogin", "TeleportProxyCommand", "TeleportSSHConfig",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // libssh for SSH key material, libcurl for the web API: their headers,
        // and a loader each that dlopens the library on first use (through
        // CDynamicLibrary), so commands that need neither start without them.
        .target(name: "CDynamicLibrary", path: "Sources/CDynamicLibrary"),
        .target(name: "CLibSSH", dependencies: ["CDynamicLibrary"], path: "Sources/CLibSSH"),
        .target(name: "CCurl", dependencies: ["CDynamicLibrary"], path: "Sources/CCurl"),
        // Linux calls that Swift's Glibc module lacks.
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        // The templates in Templates/, compiled into the binary.
        .target(name: "Templates", path: "Templates", exclude: ["README.md"],
                resources: [.embedInCode("openssh-config.mustache")]),

        .target(name: "TeleportSupport", dependencies: ["CSystem"]),
        .target(name: "TeleportKeys", dependencies: [
            "TeleportSupport", "CLibSSH",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "TeleportWebAPI", dependencies: ["TeleportSupport", "CCurl"]),
        .target(name: "TeleportProfile", dependencies: ["TeleportKeys", "TeleportSupport"]),
        .target(name: "TeleportLogin", dependencies: [
            "TeleportProfile", "TeleportWebAPI", "TeleportKeys", "TeleportSupport",
        ]),
        .target(name: "TeleportProxyCommand", dependencies: ["TeleportProfile", "TeleportSupport"]),
        .target(name: "TeleportSSHConfig", dependencies: [
            "TeleportProfile", "TeleportSupport", "Templates",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .executableTarget(name: "tsh", dependencies: [
            "TeleportLogin", "TeleportProxyCommand", "TeleportSSHConfig",
            "TeleportProfile", "TeleportKeys", "TeleportWebAPI", "TeleportSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TeleportClientTests", dependencies: [
            "tsh", "TeleportLogin", "TeleportProxyCommand", "TeleportSSHConfig",
            "TeleportProfile", "TeleportKeys", "TeleportWebAPI", "TeleportSupport",
        ], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
