// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tsh",
    products: [
        .executable(name: "tsh", targets: ["tsh"]),
        .library(name: "TeleportClient", targets: ["TeleportClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.0"),
    ],
    targets: [
        // System libraries: libssh for SSH key material, libcurl for the web API.
        // Their headers only: both are loaded with dlopen on first use (see the
        // shims), so commands that need neither start without them.
        .systemLibrary(name: "CLibSSH", path: "Sources/CLibSSH", providers: [.apt(["libssh-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Linux calls that Swift's Glibc module lacks.
        .systemLibrary(name: "CLinuxShims", path: "Sources/CLinuxShims"),
        // The templates in Templates/, compiled into the binary.
        .target(name: "Templates", path: "Templates", exclude: ["README.md"],
                resources: [.embedInCode("openssh-config.mustache")]),
        // Messages generated from Protos/ by scripts/generate-protos (committed; see that script).
        .target(name: "TeleportProto", dependencies: [
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], path: "Sources/TeleportProto"),
        .target(name: "TeleportClient", dependencies: [
            "CLibSSH", "CCurl", "CLinuxShims", "Templates", "TeleportTransport",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "TeleportTransport", dependencies: [
            "TeleportProto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        ]),
        .executableTarget(name: "tsh", dependencies: [
            "TeleportClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TeleportClientTests", dependencies: ["TeleportClient"], exclude: ["Golden"]),
        .testTarget(name: "TeleportProtoTests", dependencies: [
            "TeleportProto",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
