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
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "Tracking"),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        .target(name: "FileStore", dependencies: ["Tracking"]),
        .target(name: "SQLiteStore", dependencies: ["Tracking", "CSQLite"]),
        .target(name: "RESTStore", dependencies: ["Tracking", "HTTPClient"]),
        .target(name: "Backends", dependencies: ["Tracking", "FileStore", "SQLiteStore", "RESTStore"]),
        // Terminal: the only module that calls ncurses (cells, keys, diff-and-flush); TUI: the app, no ncurses.
        .target(name: "Terminal", dependencies: ["CNcursesw"]),
        .target(name: "TUI", dependencies: ["Tracking", "Terminal"]),
        .executableTarget(name: "mltui", dependencies: [
            "Tracking", "Backends", "TUI", "Terminal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test support (repo layout, fixture stores, a real `mlflow server`, JSON comparison); no XCTest inside.
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Terminal", "Tracking", "TestSupport"], exclude: ["E2E/make_store.py"]),
        .testTarget(name: "RESTTests", dependencies: ["Tracking", "HTTPClient", "RESTStore", "Backends"]),
        .testTarget(name: "StoreTests", dependencies: ["Tracking", "FileStore", "SQLiteStore", "Backends"]),
        .testTarget(name: "ConformanceTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
