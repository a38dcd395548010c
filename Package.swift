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
        // Artifact repositories resolved from a run's artifact URI: local, mlflow-artifacts proxy, S3.
        .target(name: "Artifacts", dependencies: ["Tracking", "HTTPClient"]),
        .target(name: "SQLiteStore", dependencies: ["Tracking", "CSQLite", "Artifacts"]),
        .target(name: "RESTStore", dependencies: ["Tracking", "HTTPClient", "Artifacts"]),
        .target(name: "Backends", dependencies: ["Tracking", "FileStore", "SQLiteStore", "RESTStore"]),
        .executableTarget(name: "mltui", dependencies: [
            "Tracking", "Backends", "Artifacts",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking"]),
        .testTarget(name: "RESTTests", dependencies: ["Tracking", "HTTPClient", "RESTStore", "Backends"]),
        .testTarget(name: "ArtifactsTests", dependencies: ["Tracking", "Artifacts", "HTTPClient", "Backends"]),
        .testTarget(name: "StoreTests", dependencies: ["Tracking", "FileStore", "SQLiteStore", "Backends", "Artifacts"]),
    ],
    swiftLanguageModes: [.v5]
)
