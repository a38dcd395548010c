import Foundation
import TestSupport
import XCTest

/// The acceptance checks of `mltui serve`, driven by the Python scripts beside this file against
/// the real MLflow over the shared fixture stores: the conformance battery (`mlflow server` vs
/// `mltui serve`, field by field), the real Python client against both servers, mltui's REST
/// backend through `mltui serve` vs the store read directly, concurrency with graceful shutdown,
/// and reads during live writes by the real client.
final class ServeAcceptanceTests: XCTestCase {
    private func script(_ name: String, _ arguments: [String], timeout: TimeInterval = 900) throws {
        let python = try RepoLayout.mlflowPython()
        let path = RepoLayout.root.appendingPathComponent("Tests/ServerTests/\(name)").path
        let result = try CommandRunner.run(python, [path] + arguments, timeout: timeout)
        XCTAssertEqual(result.status, 0, "\(name) \(arguments.joined(separator: " ")) failed:\n\(result.stdoutText.suffix(6000))\n\(result.stderrText.suffix(4000))")
    }

    private func stores() throws -> [String] {
        let fixtures = try FixtureStores.shared()
        return try StoreFormat.allCases.map { try fixtures.trackingURI($0) }
    }

    func testConformanceWithMLflowServer() throws {
        let mltui = try RepoLayout.mltuiBinary().path
        for store in try stores() { try script("conformance.py", ["--mltui", mltui, "--store", store]) }
    }

    func testPythonClientAgainstServe() throws {
        let mltui = try RepoLayout.mltuiBinary().path
        for store in try stores() { try script("python_client.py", ["--mltui", mltui, "--store", store]) }
    }

    func testRESTBackendThroughServeMatchesDirectReads() throws {
        let mltui = try RepoLayout.mltuiBinary().path
        for store in try stores() { try script("rest_roundtrip.py", ["--mltui", mltui, "--store", store]) }
    }

    func testConcurrentClientsAndGracefulShutdown() throws {
        let mltui = try RepoLayout.mltuiBinary().path
        for store in try stores() { try script("lifecycle.py", ["--mltui", mltui, "--store", store, "--slow-reader"]) }
    }

    /// Three replicas over one PostgreSQL database behind haproxy, while the real client logs
    /// through `mlflow server` (Tests/ServerTests/replicas.py says what is checked).
    func testReplicasBehindHAProxyAnswerAsOneServer() throws {
        let mltui = try RepoLayout.mltuiBinary().path
        let server = try FixtureStores.postgres().server
        let database = "replicas_\(UUID().uuidString.prefix(8).lowercased())"
        try server.psql("CREATE DATABASE \(database)")
        defer { _ = try? server.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        try script("replicas.py", ["--mltui", mltui, "--store", server.uri(database: database)], timeout: 600)
    }

    func testReadsDuringLiveWrites() throws {
        let mltui = try RepoLayout.mltuiBinary().path
        for kind in ["fs", "sqlite"] { try script("live_writes.py", ["--mltui", mltui, "--kind", kind, "--seconds", "10"]) }
    }
}
