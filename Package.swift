// swift-tools-version:6.1
import PackageDescription

// One target per layer, so the compiler enforces that dependencies run one
// way (README, "Layout") and builds independent layers in parallel:
//   tsh → Login / ProxyCommand / SSHConfig → Profile → Keys → Support
//   Login → WebAPI → Support
//   Login, ProxyCommand → Transport → Proto, Support
let package = Package(
    name: "tsh",
    products: [
        .executable(name: "tsh", targets: ["tsh"]),
        .library(name: "TeleportLibraries", targets: [
            "TeleportSupport", "TeleportKeys", "TeleportWebAPI", "TeleportProfile",
            "TeleportLogin", "TeleportProxyCommand", "TeleportSSHConfig", "TeleportTransport",
            "TeleportAuthAPI",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // Already in the graph through swift-crypto; named for reading PKCS#1 (SSHAgentKey).
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        // Teleport's transport: TLS with our own ALPN, SNI and roots, gRPC over it.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.0"),
    ],
    targets: [
        // libssh for SSH key material, libcurl for the web API: their headers,
        // and a loader each that dlopens the library on first use (through
        // CDynamicLibrary), so commands that need neither start without them.
        .target(name: "CDynamicLibrary", path: "Sources/CDynamicLibrary"),
        .target(name: "CLibSSH", dependencies: ["CDynamicLibrary"], path: "Sources/CLibSSH"),
        .target(name: "CCurl", dependencies: ["CDynamicLibrary"], path: "Sources/CCurl"),
        // Linux calls that Swift's Glibc module lacks. (Not `CSystem`: swift-system,
        // which swift-nio brings, has a target of that name.)
        .systemLibrary(name: "CLinuxShims", path: "Sources/CLinuxShims"),
        // The templates in Templates/, compiled into the binary.
        .target(name: "Templates", path: "Templates", exclude: ["README.md"],
                resources: [.embedInCode("openssh-config.mustache")]),
        // Messages generated from Protos/ by scripts/generate-protos (committed: the
        // protoc plugin takes minutes to build).
        .target(name: "TeleportProto", dependencies: [
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], path: "Sources/TeleportProto"),

        .target(name: "TeleportSupport", dependencies: ["CLinuxShims"]),
        .target(name: "TeleportKeys", dependencies: [
            "TeleportSupport", "CLibSSH",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        .target(name: "TeleportWebAPI", dependencies: ["TeleportSupport", "CCurl"]),
        .target(name: "TeleportTransport", dependencies: [
            "TeleportSupport", "TeleportProto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            // Data over a ByteBuffer's bytes without a copy (stdin to the stream).
            .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        ]),
        .target(name: "TeleportProfile", dependencies: ["TeleportKeys", "TeleportSupport"]),
        // The auth server's API through the proxy: host CAs after login, `tsh ls`.
        .target(name: "TeleportAuthAPI", dependencies: [
            "TeleportTransport", "TeleportProto", "TeleportProfile", "TeleportKeys", "TeleportSupport",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        ]),
        .target(name: "TeleportLogin", dependencies: [
            "TeleportProfile", "TeleportWebAPI", "TeleportKeys", "TeleportTransport", "TeleportSupport",
            // The SSO login: its AES-256-GCM key and its one-shot callback server.
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "TeleportProxyCommand", dependencies: [
            "TeleportProfile", "TeleportTransport", "TeleportSupport",
        ]),
        .target(name: "TeleportSSHConfig", dependencies: [
            "TeleportProfile", "TeleportSupport", "Templates",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .executableTarget(name: "tsh", dependencies: [
            "TeleportAuthAPI", "TeleportLogin", "TeleportProxyCommand", "TeleportSSHConfig", "TeleportTransport",
            "TeleportProfile", "TeleportKeys", "TeleportWebAPI", "TeleportSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TeleportClientTests", dependencies: [
            "tsh", "TeleportAuthAPI", "TeleportLogin", "TeleportProxyCommand", "TeleportSSHConfig", "TeleportTransport",
            "TeleportProfile", "TeleportKeys", "TeleportWebAPI", "TeleportSupport",
        ], exclude: ["Golden"]),
        .testTarget(name: "TeleportProtoTests", dependencies: [
            "TeleportProto",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
