// swift-tools-version:6.0
import PackageDescription

// Layered modules (see README "Architecture"): Tracking knows MLflow's domain and nothing of
// files, SQL, HTTP or terminals; each backend conforms to Tracking's protocol; the executable wires them.
let package = Package(
    name: "mltui",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mltui", targets: ["mltui"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Tracking"),
        .target(name: "FileStore", dependencies: ["Tracking"]),
        .target(name: "SQLiteStore", dependencies: ["Tracking", "CSQLite"]),
        .target(name: "Backends", dependencies: ["Tracking", "FileStore", "SQLiteStore"]),
        .executableTarget(name: "mltui", dependencies: [
            "Tracking", "Backends",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test support (repo layout, fixture stores, a real `mlflow server`, JSON comparison); no XCTest inside.
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"]),
        .testTarget(name: "StoreTests", dependencies: ["Tracking", "FileStore", "SQLiteStore", "Backends"]),
        .testTarget(name: "ConformanceTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
