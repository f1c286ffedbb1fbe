// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gearman",
    products: [
        .executable(name: "gearman", targets: ["gearman"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGearman",
            pkgConfig: "gearmand",
            providers: [.apt(["libgearman-dev"])]
        ),
        .target(name: "GearmanKit", dependencies: ["CGearman"]),
        .target(name: "GearmanCLI", dependencies: [
            "GearmanKit", "GearmanProtocol", "GearmanServer",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GearmanProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "GearmanServer", dependencies: [
            "GearmanProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "gearman",
            dependencies: ["GearmanCLI"],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "-no-pie"])]
        ),
        .testTarget(name: "GearmanKitTests", dependencies: ["GearmanKit"]),
        .testTarget(name: "GearmanCLITests", dependencies: ["GearmanCLI"]),
        .testTarget(name: "GearmanProtocolTests", dependencies: [
            "GearmanProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOTestUtils", package: "swift-nio"),
        ]),
        .testTarget(name: "GearmanServerTests", dependencies: [
            "GearmanServer", "GearmanProtocol", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: [], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
