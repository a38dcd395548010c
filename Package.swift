// swift-tools-version:6.0
import PackageDescription

// Layered modules (see README "Architecture"): Tracking knows MLflow's domain and nothing of
// files, SQL, HTTP or terminals; each backend conforms to Tracking's protocol; the executable wires them.

// Swift 6 language mode (full concurrency checking) for the targets converted so far; the
// package-wide default below stays 5 until TUI, Terminal and mltui follow.
let v6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

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
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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
        // Image decoders for artifact previews (Debian's libpng and libjpeg-turbo).
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        // getdents64(2) for the file store's folder walks (Glibc does not export it to Swift).
        .target(name: "CDirents", path: "Sources/CDirents"),
        .target(name: "Tracking", swiftSettings: v6),
        .target(name: "HTTPClient", dependencies: ["CCurl", "Tracking"], swiftSettings: v6),
        // Artifact repositories resolved from a run's artifact URI: local, mlflow-artifacts proxy, S3.
        .target(name: "Artifacts", dependencies: ["Tracking", "HTTPClient"], swiftSettings: v6),
        .target(name: "FileStore", dependencies: ["Tracking", "Artifacts", "CDirents"], swiftSettings: v6),
        .target(name: "SQLiteStore", dependencies: ["Tracking", "CSQLite", "Artifacts"], swiftSettings: v6),
        .target(name: "RESTStore", dependencies: ["Tracking", "HTTPClient", "Artifacts"], swiftSettings: v6),
        .target(name: "Backends", dependencies: ["Tracking", "FileStore", "SQLiteStore", "RESTStore"], swiftSettings: v6),
        // Terminal: the only module that calls ncurses (cells, keys, diff-and-flush); TUI: the app, no ncurses.
        .target(name: "Terminal", dependencies: ["CNcursesw"]),
        .target(name: "TUI", dependencies: ["Tracking", "Terminal", "Artifacts", "CPNG", "CJPEG"]),
        .target(name: "Server", dependencies: [
            "Tracking", "Artifacts",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ], swiftSettings: v6),
        .executableTarget(name: "mltui", dependencies: [
            "Tracking", "Backends", "Artifacts", "TUI", "Terminal", "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: [.swiftLanguageMode(.v6)]),
        // Test support (repo layout, fixture stores, a real `mlflow server`, JSON comparison); no XCTest inside.
        .target(name: "TestSupport", dependencies: ["Tracking"], path: "Tests/Support", swiftSettings: v6),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"], swiftSettings: v6),
        .testTarget(name: "StoreTests", dependencies: ["Tracking", "FileStore", "SQLiteStore", "Backends", "Artifacts", "TestSupport"],
                    exclude: ["Scripts"], swiftSettings: v6),
        .testTarget(name: "ConformanceTests", dependencies: ["TestSupport", "Tracking"], swiftSettings: v6),
        .testTarget(name: "RESTTests", dependencies: ["Tracking", "HTTPClient", "RESTStore", "Backends", "TestSupport"], swiftSettings: v6),
        .testTarget(name: "ArtifactsTests", dependencies: ["Tracking", "Artifacts", "HTTPClient", "Backends", "TUI", "Terminal", "TestSupport"],
                    exclude: ["log_artifacts.py", "preview_store.py"], swiftSettings: v6),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Terminal", "Tracking", "TestSupport"], exclude: ["E2E/make_store.py"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Tracking", "Server", "Artifacts", "Backends", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], exclude: ["conformance.py", "python_client.py", "rest_roundtrip.py", "lifecycle.py", "live_writes.py",
                     "bench_serve.py", "make_bench_store.py", "run_acceptance.sh", "history_load.py", "hardening.py", "soak.py"], swiftSettings: v6),
    ],
    swiftLanguageModes: [.v5]
)
