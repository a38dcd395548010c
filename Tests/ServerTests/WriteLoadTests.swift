import Foundation
import TestSupport
import Tracking
import XCTest

/// Many real MLflow clients logging through one `mltui serve` at once, a training job writing the
/// same SQLite file directly beside it, and the server killed with SIGKILL in the middle of a
/// load: afterwards the real MLflow reads the store directly and must find every write the
/// server acknowledged (`scripts/load_writes.py` keeps a journal of the acknowledgements).
final class WriteLoadTests: XCTestCase {
    private static var script: String { RepoLayout.root.appendingPathComponent("scripts/load_writes.py").path }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private static func load(_ target: String, _ journal: URL, _ options: [String], timeout: TimeInterval = 600) throws -> CommandResult {
        try CommandRunner.run(try RepoLayout.mlflowPython(), [script, "log", target, journal.path] + options, timeout: timeout)
    }

    /// `load_writes.py check`: the summary line, after asserting nothing is missing.
    @discardableResult
    private func checkStore(_ uri: String, _ journal: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [Self.script, "check", uri, journal.path],
                                           environment: ProcessInfo.processInfo.environment.merging(["MLFLOW_ALLOW_FILE_STORE": "true"]) { $1 },
                                           timeout: 600)
        let summary = result.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertEqual(result.status, 0, "\(summary)\n\(result.stderrText.suffix(2000))", file: file, line: line)
        return (try? JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]) ?? [:]
    }

    private func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// 32 client processes x 50 runs x 100 steps (two metrics a step, twenty steps a request, so the
    /// suite stays short: 8,000 log-batch requests) through one server over SQLite, while the
    /// MLflow client writes 5 runs x 100 steps into the same file directly, one step a request.
    func testManyClientsAndADirectWriterLoseNothing() throws {
        let dir = try folder()
        let db = dir.appendingPathComponent("mlflow.db").path
        let (server, url) = try MltuiServe.start(["--backend-store-uri", "sqlite:///" + db,
                                                  "--artifacts-destination", dir.appendingPathComponent("artifacts").path])
        defer { stop(server) }
        let journal = dir.appendingPathComponent("journal")
        let direct = Locked<CommandResult?>(nil)
        let beside = Thread {
            // Starts once the server has made the store; writes it directly, as a training job does.
            // Loaded outside the lock: the test thread reads `direct` while this runs.
            let result = try? Self.load("sqlite:///" + db, journal, ["--clients", "1", "--runs", "5", "--steps", "100",
                                                                     "--experiment", "direct"])
            direct.withLock { $0 = result }
        }
        beside.start()
        let through = try Self.load(url, journal, ["--clients", "32", "--runs", "50", "--steps", "100", "--steps-per-batch", "20"])
        while direct.current == nil, beside.isExecuting { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertEqual(through.status, 0, through.stdoutText + through.stderrText.suffix(2000))
        XCTAssertFalse(through.timedOut)
        let directResult = direct.current
        XCTAssertEqual(directResult?.status, 0, directResult.map { String($0.stderrText.suffix(2000)) } ?? "the direct writer did not finish")
        stop(server)
        let summary = try checkStore("sqlite:///" + db, journal)
        XCTAssertEqual(summary["runs"] as? Int, 32 * 50 + 5)
        XCTAssertEqual(summary["points"] as? Int, (32 * 50 + 5) * 100 * 2, "every point of every run, each once")
    }

    /// Three replicas over one PostgreSQL database behind haproxy take the load while a training
    /// job writes the database directly, then lose nothing when one is killed mid-load
    /// (`replica_writes.py`: the replicas also race to create MLflow's schema in the empty database).
    func testReplicasOverPostgreSQLTakeWritesAndLoseNothing() throws {
        let server = try FixtureStores.postgres().server
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [
            RepoLayout.root.appendingPathComponent("Tests/ServerTests/replica_writes.py").path,
            "--mltui", try RepoLayout.mltuiBinary().path, "--admin", server.uri(database: "postgres"),
        ], timeout: 900)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.status, 0, "\(result.stdoutText.suffix(6000))\n\(result.stderrText.suffix(3000))")
        XCTAssertTrue(result.stdoutText.contains("\"problems\": []"), result.stdoutText)
    }

    /// The server is killed with SIGKILL while 16 clients log (no retries: a client stops at its
    /// first failed request); every write it acknowledged is in the store MLflow reads, in both
    /// store formats.
    func testKilledServerKeepsEveryAcknowledgedWrite() throws {
        for format in ["sqlite", "file"] {
            let dir = try folder()
            let uri = format == "sqlite" ? "sqlite:///" + dir.appendingPathComponent("mlflow.db").path
                                         : dir.appendingPathComponent("mlruns").path
            let (server, url) = try MltuiServe.start(["--backend-store-uri", uri,
                                                      "--artifacts-destination", dir.appendingPathComponent("artifacts").path])
            let journal = dir.appendingPathComponent("journal")
            let outcome = Locked<CommandResult?>(nil)
            let clients = Thread {
                let result = try? Self.load(url, journal, ["--clients", "16", "--runs", "40", "--steps", "100", "--no-retries"])
                outcome.withLock { $0 = result }
            }
            clients.start()
            // Kill once a good share of writes is acknowledged (bounded: 120 s).
            func acknowledged() -> Int {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: journal.path)) ?? []
                return files.reduce(0) { total, name in
                    total + ((try? String(contentsOf: journal.appendingPathComponent(name), encoding: .utf8))?.split(separator: "\n").count ?? 0)
                }
            }
            let deadline = Date().addingTimeInterval(120)
            while acknowledged() < 2000, Date() < deadline, outcome.current == nil { Thread.sleep(forTimeInterval: 0.05) }
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            let clientsDeadline = Date().addingTimeInterval(120)
            while outcome.current == nil, Date() < clientsDeadline { Thread.sleep(forTimeInterval: 0.1) }
            XCTAssertNotNil(outcome.current, "\(format): the clients ended once the server was gone")
            XCTAssertGreaterThanOrEqual(acknowledged(), 2000, "\(format): the kill came mid-load")
            let summary = try checkStore(uri, journal)
            XCTAssertGreaterThan(summary["points"] as? Int ?? 0, 0, format)
        }
    }
}
