// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gearman",
    products: [
        .executable(name: "gearman", targets: ["gearman"]),
        .executable(name: "gearman-server", targets: ["gearman-server"]),
        .executable(name: "gearman-bench", targets: ["gearman-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGearman",
            pkgConfig: "gearmand",
            providers: [.apt(["libgearman-dev"])]
        ),
        .target(name: "GearmanKit", dependencies: ["CGearman", "GearmanTool"]),
        // The `gearman` executable: classic client and worker modes, admin, top.
        .target(name: "GearmanCLI", dependencies: [
            "GearmanKit", "GearmanTool", "GearmanProtocol", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "GearmanProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        // What `gearman`, `gearman-server` and `gearman-bench` share: long options, exit codes,
        // --help and --version, the pid file, server lists, the admin-protocol client, JSON
        // output. It links no libgearman, so neither the server nor the load generator does.
        .target(name: "GearmanTool", dependencies: [
            "GearmanProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "GearmanServer", dependencies: [
            "GearmanProtocol", "GearmanTool",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GearmanSQLite", dependencies: [
            "GearmanServer",
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GearmanPostgres", dependencies: [
            "GearmanServer",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The `gearman-server` executable, which `gearman server` runs.
        .target(name: "GearmanServerCLI", dependencies: [
            "GearmanTool", "GearmanServer", "GearmanSQLite", "GearmanPostgres",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "gearman-server",
            dependencies: ["GearmanServerCLI"],
            // Static and without PIE, like `gearman`: calls into the Swift runtime (retain and
            // release above all) go direct instead of through the PLT. Foundation's static
            // archives (which sqlite-nio pulls in, and postgres-nio the whole of Foundation)
            // need their helper libraries named.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-Xlinker", "-no-pie"]),
                .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"),
                .linkedLibrary("CoreFoundation"), .linkedLibrary("_FoundationICU"),
            ]
        ),
        // The load generator that `gearman bench` runs: clients and workers on SwiftNIO.
        .target(name: "GearmanBench", dependencies: [
            "GearmanTool", "GearmanProtocol", .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(
            name: "gearman-bench",
            dependencies: ["GearmanBench"],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "-no-pie"])]
        ),
        // A static executable: most of a short `gearman` run's time was the dynamic loader
        // binding libgearman, libstdc++ and the Swift runtime. libgearman-dev ships
        // libgearman.a; it needs libuuid and libstdc++ named. glibc's name lookups
        // (getaddrinfo) still load the system's NSS modules at run time (see the README).
        .executableTarget(
            name: "gearman",
            dependencies: ["GearmanCLI"],
            linkerSettings: [
                .unsafeFlags(["-static-executable"]),
                .linkedLibrary("uuid"), .linkedLibrary("stdc++"), .linkedLibrary("m"),
                .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"),
            ]
        ),
        .testTarget(name: "GearmanToolTests", dependencies: ["GearmanTool"]),
        .testTarget(name: "GearmanCLITests", dependencies: ["GearmanCLI", "GearmanKit", "GearmanTool", "GearmanProtocol"]),
        .testTarget(name: "GearmanServerCLITests", dependencies: ["GearmanServerCLI", "GearmanTool"]),
        .testTarget(name: "GearmanBenchTests", dependencies: [
            "GearmanBench", "GearmanTool", "GearmanProtocol", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        // What every queue store must do, run by the SQLite and PostgreSQL stores' tests.
        .target(name: "QueueStoreContract", dependencies: ["GearmanServer", .product(name: "NIOCore", package: "swift-nio")],
                 path: "Tests/QueueStoreContract"),
        .testTarget(name: "GearmanSQLiteTests", dependencies: [
            "GearmanSQLite", "GearmanServer", "QueueStoreContract",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // A throwaway PostgreSQL server for the tests (initdb, pg_ctl from Debian's packages).
        .target(name: "PostgresTestSupport", path: "Tests/PostgresTestSupport"),
        .testTarget(name: "GearmanPostgresTests", dependencies: [
            "GearmanPostgres", "GearmanServer", "PostgresTestSupport", "QueueStoreContract",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "GearmanProtocolTests", dependencies: [
            "GearmanProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOTestUtils", package: "swift-nio"),
        ]),
        .testTarget(name: "GearmanServerTests", dependencies: [
            "GearmanServer", "GearmanProtocol", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: ["PostgresTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

// Micro-benchmarks of the codec and the scheduler's hot paths (ordo-one/benchmark), only when
// asked for, so that the normal build and CI do not build the benchmark framework:
// `GEARMAN_BENCHMARKS=1 swift package benchmark`.
if Context.environment["GEARMAN_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    let benchmark = Target.Dependency.product(name: "Benchmark", package: "benchmark")
    let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
    package.targets += [
        .executableTarget(name: "ProtocolBenchmarks", dependencies: [benchmark, "GearmanProtocol", nioCore],
                          path: "Benchmarks/ProtocolBenchmarks",
                          plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(name: "SchedulerBenchmarks", dependencies: [benchmark, "GearmanServer", "GearmanProtocol", nioCore],
                          path: "Benchmarks/SchedulerBenchmarks",
                          plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
}

// The fuzz target (libFuzzer): built only by `scripts/fuzz`, which sets GEARMAN_FUZZ and
// `-sanitize=fuzzer`, in its own build folder. It reaches the server core's internals through
// `@testable import`, which debug builds allow.
if Context.environment["GEARMAN_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "gearman-fuzz",
        dependencies: [
            "GearmanServer", "GearmanProtocol", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ],
        path: "Fuzz/gearman-fuzz"))
}
