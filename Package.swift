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
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        .target(name: "Tracking"),
        .target(name: "FileStore", dependencies: ["Tracking"]),
        .target(name: "SQLiteStore", dependencies: ["Tracking", "CSQLite"]),
        .target(name: "RESTStore", dependencies: ["Tracking", "HTTPClient"]),
        .target(name: "Backends", dependencies: ["Tracking", "FileStore", "SQLiteStore", "RESTStore"]),
        .executableTarget(name: "mltui", dependencies: [
            "Tracking", "Backends",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"]),
        .testTarget(name: "RESTTests", dependencies: ["Tracking", "HTTPClient", "RESTStore", "Backends"]),
        .testTarget(name: "StoreTests", dependencies: ["Tracking", "FileStore", "SQLiteStore", "Backends"]),
    ],
    swiftLanguageModes: [.v5]
)
