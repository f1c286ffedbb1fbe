// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gearman",
    products: [
        .executable(name: "gearman", targets: ["gearman"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGearman",
            pkgConfig: "gearmand",
            providers: [.apt(["libgearman-dev"])]
        ),
        .target(name: "GearmanKit", dependencies: ["CGearman"]),
        .target(name: "GearmanCLI", dependencies: ["GearmanKit"]),
        .executableTarget(
            name: "gearman",
            dependencies: ["GearmanCLI"],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "-no-pie"])]
        ),
        .testTarget(name: "GearmanKitTests", dependencies: ["GearmanKit"]),
        .testTarget(name: "GearmanCLITests", dependencies: ["GearmanCLI"]),
        .testTarget(name: "IntegrationTests", dependencies: [], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
