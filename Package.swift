// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tsh",
    products: [
        .executable(name: "tsh", targets: ["tsh"]),
        .library(name: "TeleportClient", targets: ["TeleportClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: libssh for SSH key material, libcurl for the web API.
        .systemLibrary(name: "CLibSSH", path: "Sources/CLibSSH", pkgConfig: "libssh",
                       providers: [.apt(["libssh-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "TeleportClient", dependencies: ["CLibSSH", "CCurl"]),
        .executableTarget(name: "tsh", dependencies: [
            "TeleportClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TeleportClientTests", dependencies: ["TeleportClient"]),
    ],
    swiftLanguageModes: [.v6]
)
