// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gearman",
    products: [
        .executable(name: "gearman", targets: ["gearman"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGearman",
            pkgConfig: "gearmand",
            providers: [.apt(["libgearman-dev"])]
        ),
        .target(name: "GearmanKit", dependencies: ["CGearman"]),
        .target(name: "GearmanCLI", dependencies: ["GearmanKit"]),
        .target(name: "GearmanProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "GearmanServer", dependencies: ["GearmanProtocol", .product(name: "NIOCore", package: "swift-nio")]),
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
