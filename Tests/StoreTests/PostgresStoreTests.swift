import Foundation
import XCTest
@testable import SQLStore
import Tracking
import TestSupport

/// Opening and reading MLflow's PostgreSQL stores: how libpq users pass passwords, bad servers
/// and databases as one-line errors (the `mltui` binary's exit status and stderr), and a server
/// restart under an open store. The fixture content is the real client's (`FixtureStores.postgres`).
final class PostgresStoreTests: XCTestCase {
    private func fixture() throws -> PostgresFixture { try FixtureStores.postgres() }

    /// `postgresql://mltui@127.0.0.1:PORT/DB` with the password only where a test puts it.
    private func uri(_ database: String = PostgresFixture.database, password: String? = nil, query: String = "") throws -> String {
        let port = try fixture().server.port
        return "postgresql://\(PostgresServer.user)\(password.map { ":" + $0 } ?? "")@127.0.0.1:\(port)/\(database)\(query)"
    }

    /// `mltui experiments --tracking-uri URI` with `environment` added (HOME a scratch folder, so
    /// no ~/.pgpass of the machine's is read).
    private func mltui(_ uri: String, environment: [String: String] = [:]) throws -> CommandResult {
        let home = NSTemporaryDirectory() + "mltui-pg-home-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("PG") { env.removeValue(forKey: key) }
        env["HOME"] = home
        env.merge(environment) { $1 }
        return try CommandRunner.run(try RepoLayout.mltuiBinary(), ["experiments", "--tracking-uri", uri, "--format", "csv"],
                                     environment: env, timeout: 60)
    }

    private func assertOneLineError(_ result: CommandResult, containing text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, "exit status", file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderrText, file: file, line: line)
        XCTAssertTrue(result.stderrText.contains(text), "\(result.stderrText) lacks \(text)", file: file, line: line)
        XCTAssertFalse(result.stderrText.contains(PostgresServer.password), "the password shows: \(result.stderrText)", file: file, line: line)
    }

    func testPasswordsAsLibpqUsersPassThem() throws {
        let fixture = try fixture()
        // In the URI, with SQLAlchemy's driver spelling.
        let inURI = try mltui(fixture.uri)
        XCTAssertEqual(inURI.status, 0, inURI.stderrText)
        XCTAssertTrue(inURI.stdoutText.contains("llm-benchmark"), inURI.stdoutText)
        // PGPASSWORD, with libpq's own scheme.
        let fromEnvironment = try mltui(try uri(), environment: ["PGPASSWORD": PostgresServer.password])
        XCTAssertEqual(fromEnvironment.status, 0, fromEnvironment.stderrText)
        XCTAssertEqual(fromEnvironment.stdoutText, inURI.stdoutText)
        // A password file (~/.pgpass's format, here through PGPASSFILE; libpq wants it private).
        let passfile = NSTemporaryDirectory() + "mltui-pgpass-\(UUID().uuidString.prefix(8))"
        try "127.0.0.1:\(fixture.server.port):*:\(PostgresServer.user):\(PostgresServer.password)\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passfile) }
        chmod(passfile, 0o600)
        let fromFile = try mltui(try uri().replacingOccurrences(of: "postgresql://", with: "postgres://"), environment: ["PGPASSFILE": passfile])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderrText)
        XCTAssertEqual(fromFile.stdoutText, inURI.stdoutText)
        // sslmode=disable is libpq's parameter, passed through.
        let plain = try mltui(try uri(password: PostgresServer.password, query: "?sslmode=disable"))
        XCTAssertEqual(plain.status, 0, plain.stderrText)
    }

    func testBadServersAndCredentialsAreOneLineErrors() throws {
        let port = try MLflowServer.freePort()
        assertOneLineError(try mltui("postgresql://\(PostgresServer.user):\(PostgresServer.password)@127.0.0.1:\(port)/mlflow"),
                           containing: "cannot connect to postgresql://\(PostgresServer.user):***@127.0.0.1:\(port)/mlflow")
        assertOneLineError(try mltui(try uri(password: "wrong-\(PostgresServer.password)")), containing: "password authentication failed")
        // libpq quotes a URI token it cannot decode; when that is the password, it is hidden.
        let odd = try mltui(try uri(password: "50%zzoff"))
        assertOneLineError(odd, containing: "cannot connect to postgresql://\(PostgresServer.user):***@")
        XCTAssertFalse(odd.stderrText.contains("zzoff"), odd.stderrText)
        assertOneLineError(try mltui(try uri()), containing: "no password supplied")
        // The test server has no TLS: sslmode=require says so rather than reading in the clear.
        assertOneLineError(try mltui(try uri(password: PostgresServer.password, query: "?sslmode=require")), containing: "SSL")
        assertOneLineError(try mltui(try uri("no_such_db", password: PostgresServer.password)), containing: "does not exist")
    }

    func testDatabasesThatAreNotMLflowStoresAreRefused() throws {
        let server = try fixture().server
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let empty = "empty_\(suffix)", future = "future_\(suffix)"
        try server.psql("CREATE DATABASE \(empty)")
        try server.psql("CREATE DATABASE \(future)")
        defer {
            _ = try? server.psql("DROP DATABASE IF EXISTS \(empty)")
            _ = try? server.psql("DROP DATABASE IF EXISTS \(future)")
        }
        assertOneLineError(try mltui(try uri(empty, password: PostgresServer.password)),
                           containing: "is a PostgreSQL database but not an MLflow tracking store")
        try server.psql("""
            CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);
            INSERT INTO alembic_version VALUES ('ffffffffffff');
            CREATE TABLE experiments (experiment_id INTEGER); CREATE TABLE runs (run_uuid VARCHAR(32));
            """, database: future)
        assertOneLineError(try mltui(try uri(future, password: PostgresServer.password)),
                           containing: "unknown MLflow schema version 'ffffffffffff'")
    }

    /// A store stays usable across a server restart: the pool's dropped connections are
    /// replaced and the read that found them dropped is run again.
    func testReadsSurviveAServerRestart() async throws {
        let fixture = try fixture()
        let store = try SQLTrackingStore(postgres: PostgresTarget(uri: fixture.uri), warn: { _ in })
        XCTAssertEqual(store.uri, "postgresql+psycopg2://mltui:***@127.0.0.1:\(fixture.server.port)/mlflow")
        let before = try await store.searchExperiments(ExperimentSearch(viewType: .all))
        XCTAssertGreaterThan(before.items.count, 5)
        try fixture.server.restart()
        let after = try await store.searchExperiments(ExperimentSearch(viewType: .all))
        XCTAssertEqual(after.items.map(\.experimentID), before.items.map(\.experimentID))
    }
}
