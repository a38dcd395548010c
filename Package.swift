// swift-tools-version:6.0
import PackageDescription

// Layered modules (see README "Architecture"): Tracking knows MLflow's domain and nothing of
// files, SQL, HTTP or terminals; each backend conforms to Tracking's protocol; the executable wires them.

let package = Package(
    name: "mltui",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mltui", targets: ["mltui"]),
        .library(name: "TUI", targets: ["TUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),
        // PostgreSQL's own client library: its URIs, sslmode, PGPASSWORD and ~/.pgpass as psql reads them.
        .systemLibrary(name: "CPQ", path: "Sources/CPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // OpenSSL's libcrypto (already loaded for libcurl and libpq): digests and PBKDF2.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // Image decoders for artifact previews (Debian's libpng and libjpeg-turbo).
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        // getdents64(2) for the file store's folder walks (Glibc does not export it to Swift).
        .target(name: "CDirents", path: "Sources/CDirents"),
        .target(name: "Tracking"),
        .target(name: "Hashing", dependencies: ["CCrypto"]),
        // Grouping, aggregates, best-of columns and table output over runs: shared by the CLI and the UI.
        .target(name: "Analysis", dependencies: ["Tracking"]),
        .target(name: "HTTPClient", dependencies: ["CCurl", "Tracking"]),
        // Artifact repositories resolved from a run's artifact URI: local, mlflow-artifacts proxy, S3.
        .target(name: "Artifacts", dependencies: ["Tracking", "HTTPClient"]),
        .target(name: "FileStore", dependencies: ["Tracking", "Artifacts", "CDirents", "Hashing"]),
        .target(name: "SQLStore", dependencies: ["Tracking", "CSQLite", "CPQ", "Artifacts"]),
        .target(name: "RESTStore", dependencies: ["Tracking", "HTTPClient", "Artifacts"]),
        .target(name: "Backends", dependencies: ["Tracking", "FileStore", "SQLStore", "RESTStore"]),
        // Terminal: the only module that calls ncurses (cells, keys, diff-and-flush); TUI: the app, no ncurses.
        .target(name: "Terminal", dependencies: ["CNcursesw"]),
        .target(name: "TUI", dependencies: ["Tracking", "Analysis", "Terminal", "Artifacts", "CPNG", "CJPEG"]),
        .target(name: "Server", dependencies: [
            "Tracking", "Artifacts",
            .product(name: "Hummingbird", package: "hummingbird"),
            "Hashing",
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),
        .executableTarget(name: "mltui", dependencies: [
            "Tracking", "Analysis", "Backends", "Artifacts", "TUI", "Terminal", "Server",
            "FileStore", "SQLStore", "RESTStore", "HTTPClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test support (repo layout, fixture stores, a real `mlflow server`, JSON comparison); no XCTest inside.
        .target(name: "TestSupport", dependencies: ["Tracking"], path: "Tests/Support"),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Tracking", "TestSupport"], exclude: ["pandas_oracle.py"]),
        .testTarget(name: "StoreTests", dependencies: ["Tracking", "Analysis", "FileStore", "SQLStore", "Backends", "Artifacts", "TestSupport"],
                    exclude: ["Scripts"]),
        .testTarget(name: "ConformanceTests", dependencies: ["TestSupport", "Tracking"]),
        .testTarget(name: "RESTTests", dependencies: ["Tracking", "HTTPClient", "RESTStore", "Backends", "TestSupport"],
                    exclude: ["watch_scenario.py"]),
        .testTarget(name: "ArtifactsTests", dependencies: ["Tracking", "Artifacts", "HTTPClient", "Backends", "TUI", "Terminal", "TestSupport"],
                    exclude: ["log_artifacts.py", "preview_store.py"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Analysis", "Terminal", "Tracking", "Backends", "TestSupport"], exclude: ["E2E/make_store.py", "E2E/make_pickers_store.py", "E2E/make_views_store.py", "E2E/live_logging.py"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Tracking", "Server", "Artifacts", "Backends", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], exclude: ["conformance.py", "python_client.py", "rest_roundtrip.py", "lifecycle.py", "live_writes.py",
                     "bench_serve.py", "make_bench_store.py", "run_acceptance.sh", "history_load.py", "hardening.py", "soak.py",
                     "write_client.py", "upload_memory.py", "replicas.py"]),
    ],
    swiftLanguageModes: [.v6]
)
