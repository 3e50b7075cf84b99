// swift-tools-version:6.0
// Liaison: a mail gateway that files a company's external correspondence on cases.
// Targets follow docs/architecture.md (shared): a pure mail layer, a pure domain core, I/O at the edges.
import PackageDescription

// The release link of `liaison`, for the idle service's memory (docs/benchmarks.md, "Where the idle
// daemon's resident memory is"): lld places the functions the service runs together at the start of
// .text in the order they first run (deploy/liaison.order, made by scripts/order-file: names a change
// removed are ignored), packs the relocations as a bitmap (DT_RELR, glibc 2.36+) and exports no
// symbol table that nothing looks up (symbols the shared libraries reference stay exported).
// scripts/build-release adds -function-sections, so each function can be placed on its own.
let liaisonReleaseLink: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/deploy/liaison.order",
            "-Xlinker", "--no-warn-symbol-ordering",
        ], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "Liaison",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "liaison", targets: ["liaison"]),
        .executable(name: "liaison-bench", targets: ["liaison-bench"]),
        .executable(name: "liaison-instructions", targets: ["liaison-instructions"]),
        .executable(name: "LiaisonFuzz", targets: ["LiaisonFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The PostgreSQL backend (LiaisonPostgres); swift-nio and swift-nio-ssl come with it and
        // are named for the TLS set-up (NIOSSL) and the event loops.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // AES-256-GCM for bodies sealed at rest (issue 18; LiaisonStore/Sealing). Already in the
        // graph through postgres-nio; named here because LiaisonStore uses it directly.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The web console (LiaisonWeb): HTTP/1.1 server, TLS through NIOSSL.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // HTTPField names (comes with Hummingbird).
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // Operators' figures (issue 19): the daemon counts through swift-metrics' API only;
        // swift-prometheus keeps the registry that `OperatorEndpoints` renders as Prometheus text.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System C libraries from Debian, with typed shims for what Swift cannot call directly.
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CXLSXWriter", path: "Sources/CXLSXWriter", pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]),
        // libxlsxwriter's deflate level (it has no option): minizip's open call, passed on with level 3.
        .target(name: "CXLSXDeflate", path: "Sources/CXLSXDeflate"),
        // What a quiet service gives back (IdleHandBack.swift): malloc_trim, madvise.
        .target(name: "CHandBack", path: "Sources/CHandBack"),

        // RFC 5322 / MIME reading and building. Foundation and libxml2 only.
        .target(name: "LiaisonMail", dependencies: ["CLibXML2"]),
        // The domain: classification, threads, recaps, deadlines. Pure.
        .target(name: "LiaisonCore", dependencies: ["LiaisonMail"]),
        // Cases, correspondence, reminders, outbox behind one protocol; SQLite (GRDB) by default.
        .target(
            name: "LiaisonStore",
            dependencies: [
                "LiaisonCore", "LiaisonMail", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The PostgreSQL backend (issue 17): every store role over postgres-nio, for several instances
        // over one database. A target of its own, so LiaisonStore and what sits on it alone stay SQLite-only.
        .target(
            name: "LiaisonPostgres",
            dependencies: [
                "LiaisonStore", "LiaisonCore", "LiaisonMail",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The one factory (`Stores.open`): a store location to an open store, whichever backend.
        .target(name: "LiaisonStores", dependencies: ["LiaisonStore", "LiaisonPostgres"]),
        // The follow-up table as XLSX through libxlsxwriter (`liaison export`).
        .target(name: "LiaisonXLSX", dependencies: ["CXLSXWriter", "CXLSXDeflate", "LiaisonCore"]),
        // IMAP and SMTP over libcurl.
        .target(
            name: "LiaisonTransport",
            dependencies: ["CCurl", "LiaisonMail", .product(name: "Logging", package: "swift-log")]),
        // In-memory IMAP mailbox, IDLE watcher and recording sender: for tests only (no production
        // target depends on them).
        .target(name: "LiaisonTransportFakes", dependencies: ["LiaisonTransport"]),
        // liaison.toml read into typed settings, each error naming its key. Usable without the daemon.
        .target(
            name: "LiaisonConfiguration",
            dependencies: ["LiaisonCore", "LiaisonTransport", .product(name: "TOMLKit", package: "TOMLKit")]),
        // The running service: poller, scheduler, outbox, templates, lifecycle. Re-exports
        // LiaisonConfiguration (Sources/LiaisonDaemon/Configuration.swift).
        .target(
            name: "LiaisonDaemon",
            dependencies: [
                "CHandBack", "LiaisonMail", "LiaisonCore", "LiaisonStore", "LiaisonStores", "LiaisonTransport", "LiaisonConfiguration",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // Test hooks (a reader that traps on a marked message, ContainedIngest.swift) exist
            // in debug builds only; a release build has none of their code.
            swiftSettings: [.define("LIAISON_TEST_HOOKS", .when(configuration: .debug))]),
        // The web console (issue 19): sign-in by mail, case pages, actions, /healthz and /metrics.
        // A target of its own so LiaisonDaemon stays HTTP-free; `liaison serve` adds it as a component.
        .target(
            name: "LiaisonWeb",
            dependencies: [
                "LiaisonDaemon", "LiaisonCore", "LiaisonStore", "LiaisonMail", "LiaisonXLSX",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .executableTarget(
            name: "liaison",
            dependencies: [
                "LiaisonWeb", "LiaisonDaemon", "LiaisonMail", "LiaisonCore", "LiaisonStore", "LiaisonStores", "LiaisonTransport", "LiaisonXLSX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // `liaison recap --items FILE` reads YAML (and JSON, a subset of it).
                .product(name: "Yams", package: "Yams"),
            ],
            linkerSettings: liaisonReleaseLink),
        // The benchmarks (`liaison-bench bench parse|grammars`, `bench-store`, `bench-reminders`,
        // `bench-contain`, `bench-report`): a separate binary, so `liaison` carries none of them.
        .executableTarget(
            name: "liaison-bench",
            dependencies: [
                "LiaisonDaemon", "LiaisonMail", "LiaisonCore", "LiaisonStore", "LiaisonStores", "LiaisonTransport", "LiaisonXLSX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Deterministic workloads counted by scripts/instructions under valgrind (a synchronous main:
        // valgrind 3.19 cannot run an async one, so not a `liaison-bench` subcommand).
        .executableTarget(
            name: "liaison-instructions",
            dependencies: [
                "LiaisonDaemon", "LiaisonMail", "LiaisonCore", "LiaisonStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // libFuzzer entry point over the parser; without -DLIAISON_FUZZ it replays files (regressions).
        // One target per grammar (Sources/LiaisonFuzz/Targets), chosen by LIAISON_FUZZ_TARGET.
        .target(
            name: "LiaisonFuzzTargets", dependencies: ["LiaisonMail", "LiaisonCore", "LiaisonTransport"],
            path: "Sources/LiaisonFuzz/Targets"),
        .executableTarget(
            name: "LiaisonFuzz", dependencies: ["LiaisonFuzzTargets"], path: "Sources/LiaisonFuzz",
            exclude: ["Targets", "dict"]),

        // What several test targets share: the mail rig's environment and runner, the corpus, the
        // scripted loopback servers, the notify socket, configuration writers, process memory.
        // A regular target that only test targets depend on.
        .target(
            name: "LiaisonTestSupport",
            dependencies: [
                "LiaisonTransport", "LiaisonCore", "LiaisonConfiguration",
                // The test store factory (`TestStores`, LIAISON_TEST_SEAL).
                "LiaisonStore",
                // PostgreSQL test databases (PGTestServer).
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/LiaisonTestSupport"),

        .testTarget(name: "LiaisonMailTests", dependencies: ["LiaisonMail", "LiaisonTestSupport"]),
        .testTarget(name: "LiaisonCoreTests", dependencies: ["LiaisonCore", "LiaisonMail", "LiaisonConfiguration"]),
        .testTarget(
            name: "LiaisonStoreTests", dependencies: ["LiaisonStore", "LiaisonPostgres", "LiaisonCore", "LiaisonMail", "LiaisonTestSupport"]),
        .testTarget(
            name: "LiaisonTransportTests",
            dependencies: ["LiaisonTransport", "LiaisonTransportFakes", "LiaisonMail", "LiaisonTestSupport"]),
        // Replays Tests/Fixtures/fuzz-regressions/<target>/ through the fuzz targets.
        .testTarget(name: "LiaisonFuzzTests", dependencies: ["LiaisonFuzzTargets", "LiaisonMail", "LiaisonCore"]),
        .testTarget(
            name: "LiaisonDaemonTests",
            dependencies: [
                "LiaisonDaemon", "LiaisonConfiguration", "LiaisonCore", "LiaisonStore", "LiaisonMail", "LiaisonTransport",
                "LiaisonTransportFakes", "LiaisonTestSupport",
            ]),
        .testTarget(
            name: "LiaisonCLITests",
            dependencies: [
                "liaison", "LiaisonDaemon", "LiaisonCore", "LiaisonStore", "LiaisonMail", "LiaisonXLSX", "LiaisonTestSupport",
                // The web console's suites (ConsoleTests in-process, ConsoleRigTests against `liaison serve`).
                "LiaisonWeb",
            ]),
        // Against the real Dovecot/Postfix of scripts/mailrig; see README.
        .testTarget(
            name: "LiaisonIntegrationTests",
            dependencies: ["LiaisonTransport", "LiaisonMail", "LiaisonDaemon", "LiaisonTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
