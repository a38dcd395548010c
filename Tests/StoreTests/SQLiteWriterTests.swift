import Foundation
import XCTest
@testable import SQLiteStore
import Backends
import TestSupport
import Tracking

/// SQLiteWriter against MLflow's own SqlAlchemyStore: the same writes into two fresh stores (one
/// MLflow creates and writes, one mltui creates and writes) leave stores the real MLflow reads as
/// equal, every write ends the same way (error code and message), a new store has MLflow's exact
/// schema and MLflow logs to it without a migration, and concurrent writers lose nothing.
final class SQLiteWriterTests: XCTestCase {
    /// Both stores, written once for the class: MLflow's migrations take ~30 s.
    struct Written {
        var folder: String
        var mlflowDB: String, mltuiDB: String
        var mlflowRoot: String, mltuiRoot: String
        var mlflowOutcomes: [[String: Any]], mltuiOutcomes: [[String: Any]]
    }

    nonisolated(unsafe) private static let written = Locked<Written?>(nil)

    static func write() async throws -> Written {
        if let done = written.current { return done }
        let folder = NSTemporaryDirectory() + "mltui-sqlite-writes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ops = SQLiteWriteOps.all
        let opsFile = folder + "/ops.json"
        try JSONSerialization.data(withJSONObject: ops).write(to: URL(fileURLWithPath: opsFile))
        let mlflowDB = folder + "/mlflow.db", mltuiDB = folder + "/mltui.db"
        let mlflowRoot = folder + "/mlflow-artifacts", mltuiRoot = folder + "/mltui-artifacts"
        let mlflowOutcomes = try runScript(mlflowDB, root: mlflowRoot, ops: opsFile)
        let writer = try SQLiteWriter(path: mltuiDB, create: true, defaultArtifactRoot: mltuiRoot, warn: { _ in })
        let mltuiOutcomes = await SQLiteWriteOps.apply(ops, to: writer)
        let result = Written(folder: folder, mlflowDB: mlflowDB, mltuiDB: mltuiDB, mlflowRoot: mlflowRoot, mltuiRoot: mltuiRoot,
                             mlflowOutcomes: mlflowOutcomes, mltuiOutcomes: mltuiOutcomes)
        written.withLock { $0 = result }
        return result
    }

    override class func tearDown() {
        if let folder = written.current?.folder { try? FileManager.default.removeItem(atPath: folder) }
        super.tearDown()
    }

    /// Runs Scripts/sqlite_writes.py: MLflow's SqlAlchemyStore applies the ops in `ops` to `db`.
    static func runScript(_ db: String, root: String, ops: String) throws -> [[String: Any]] {
        let script = RepoLayout.root.appendingPathComponent("Tests/StoreTests/Scripts/sqlite_writes.py").path
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script, db, root, ops], timeout: 300)
        guard result.status == 0, !result.timedOut,
              let outcomes = try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]] else {
            throw SupportError("sqlite_writes.py failed (status \(result.status)): \(result.stderrText.suffix(3000))")
        }
        return outcomes
    }

    /// The outcome as compared: a message's first line (MLflow appends the failed SQL statement
    /// and its parameters, times included, to an IntegrityError, and may put SQLAlchemy's note
    /// on autoflush before it), with generated run and model ids as `<id>`.
    static func comparable(_ outcome: [String: Any]) -> String {
        if outcome["ok"] != nil { return "ok" }
        let lines = (outcome["message"] as? String ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        let message = lines.first { !$0.hasPrefix("(raised as a result of Query-invoked autoflush") } ?? ""
        let text = "\(outcome["code"] ?? "?"): \(message)"
        return text.replacingOccurrences(of: "[0-9a-f]{32}", with: "<id>", options: .regularExpression)
    }

    func testEveryWriteEndsAsInMLflow() async throws {
        let w = try await Self.write()
        let ops = SQLiteWriteOps.all
        XCTAssertEqual(w.mlflowOutcomes.count, ops.count)
        XCTAssertEqual(w.mltuiOutcomes.count, ops.count)
        var differences: [String] = []
        for (i, (mlflow, mltui)) in zip(w.mlflowOutcomes, w.mltuiOutcomes).enumerated() {
            let expected = Self.comparable(mlflow), actual = Self.comparable(mltui)
            if expected != actual {
                differences.append("op \(i) \(ops[i]["op"]!):\n  MLflow: \(expected.prefix(500))\n  mltui:  \(actual.prefix(500))")
            }
        }
        XCTAssert(differences.isEmpty, differences.joined(separator: "\n"))
        // The error cases really are errors in MLflow (the list tests what it claims to).
        let refused = w.mlflowOutcomes.suffix(SQLiteWriteOps.errors.count).filter { $0["ok"] == nil }
        XCTAssertEqual(refused.count, SQLiteWriteOps.errors.count)
    }

    func testMLflowReadsTheSameStore() async throws {
        let w = try await Self.write()
        let expected = try StoreDump.text(uri: "sqlite:///" + w.mlflowDB, maskPrefixes: [w.mlflowRoot])
        let actual = try StoreDump.text(uri: "sqlite:///" + w.mltuiDB, maskPrefixes: [w.mltuiRoot])
        XCTAssertFalse(expected.isEmpty)
        let differences = JSONDifference.differences(expected: try JSONDocument.parse(Data(expected.utf8)),
                                                     actual: try JSONDocument.parse(Data(actual.utf8)))
        XCTAssert(differences.isEmpty, differences.joined(separator: "\n"))
    }

    /// What a new store holds besides the writes: the schema, entry for entry in `sqlite_master`,
    /// and the rows MLflow's first start leaves (alembic_version, the default workspace).
    func testNewStoreHasMLflowsSchema() async throws {
        let w = try await Self.write()
        // By name, not rowid: MLflow's own migrations create a table's indexes in no fixed order.
        let query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        let expected = try Self.rows(w.mlflowDB, query), actual = try Self.rows(w.mltuiDB, query)
        XCTAssertGreaterThan(expected.count, 100)
        XCTAssertEqual(expected.count, actual.count)
        for (e, a) in zip(expected, actual) where e != a { XCTFail("sqlite_master differs:\n  MLflow: \(e)\n  mltui:  \(a)") }
        for table in ["alembic_version", "workspaces"] {
            XCTAssertEqual(try Self.rows(w.mlflowDB, "SELECT * FROM \(table)"), try Self.rows(w.mltuiDB, "SELECT * FROM \(table)"), table)
        }
        let defaults = try Self.rows(w.mltuiDB, "SELECT name, artifact_location, lifecycle_stage, workspace FROM experiments WHERE experiment_id = 0")
        XCTAssertEqual(defaults, [["Default", w.mltuiRoot + "/0", "active", "default"]])
    }

    /// MLflow opens a store mltui created (its schema check passes, no migration runs) and logs to it.
    func testMLflowLogsToAStoreMltuiCreated() async throws {
        let folder = NSTemporaryDirectory() + "mltui-sqlite-new-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/nested/new.db"
        let uri = TrackingURI.sqlite(path: db)
        let writer = try openWriter(uri, opening: .createIfMissing, defaultArtifactRoot: "mlflow-artifacts:/", warn: { _ in })
        let experiment = try await writer.getExperiment(id: "0")
        XCTAssertEqual(experiment.artifactLocation, "mlflow-artifacts:/0")
        let ops: [SQLiteWriteOps.Op] = [
            ["op": "create_run", "experiment_id": "0", "start_time": 1, "run_name": "by-mlflow", "save": "r"],
            ["op": "log_batch", "run_id": "$r", "metrics": [["m", 1.0, 1, 0]], "params": [["p", "1"]]],
        ]
        let opsFile = folder + "/ops.json"
        try JSONSerialization.data(withJSONObject: ops).write(to: URL(fileURLWithPath: opsFile))
        let outcomes = try Self.runScript(db, root: "mlflow-artifacts:/", ops: opsFile)
        XCTAssertEqual(outcomes.map(Self.comparable), ["ok", "ok"])
        XCTAssertEqual(try Self.rows(db, "SELECT version_num FROM alembic_version"), [[MLflowSchema.alembicHead]])
        let runs = try await writer.searchRuns(RunSearch(experimentIDs: ["0"]))
        XCTAssertEqual(runs.items.map(\.info.runName), ["by-mlflow"])
        XCTAssertEqual(runs.items.first?.data.params, [Param("p", "1")])
        // A model logged without a name gets one of MLflow's shape (the dump cannot compare it).
        let model = try await writer.createLoggedModel(LoggedModelCreation(experimentID: "0"))
        XCTAssertNotNil(model.name.range(of: "^[a-z]+-[a-z]+-[0-9]+$", options: .regularExpression), model.name)
        XCTAssertEqual(model.artifactLocation, "mlflow-artifacts:/0/models/\(model.modelID)/artifacts")
        XCTAssertEqual(model.status, .pending)
    }

    /// Opening an existing store to write never creates one, and a read-only open stays read-only.
    func testOpeningForWritesCreatesOnlyWhenAsked() throws {
        let missing = NSTemporaryDirectory() + "mltui-missing-\(UUID().uuidString).db"
        XCTAssertThrowsError(try openWriter(.sqlite(path: missing), warn: { _ in })) {
            XCTAssertEqual(($0 as? MLflowError)?.code, .resourceDoesNotExist)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    static func rows(_ db: String, _ sql: String) throws -> [[String]] {
        let connection = try SQLiteConnection(readOnlyPath: db, busyTimeoutMs: 5000)
        return try connection.query(sql, columns: { $0.all }) { row, columns in
            columns.map { row.isNull($0) ? "NULL" : row.text($0) }
        }
    }
}
