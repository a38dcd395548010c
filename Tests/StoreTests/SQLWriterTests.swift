import Foundation
import XCTest
@testable import SQLStore
import Backends
import TestSupport
import Tracking

/// SQLWriter against MLflow's own SqlAlchemyStore: the same writes into two fresh stores (one
/// MLflow creates and writes, one mltui creates and writes) leave stores the real MLflow reads as
/// equal, every write ends the same way (error code and message), a new store has MLflow's exact
/// schema and MLflow logs to it without a migration, and concurrent writers lose nothing.
/// The same battery runs on SQLite (here) and PostgreSQL (`PostgresWriterTests`).
class SQLWriterTests: XCTestCase {
    /// The engine the stores are made in; a subclass runs the same tests on another.
    class var engine: StoreFormat { .sqlite }

    /// Both stores, written once per engine: MLflow's migrations take ~30 s.
    struct Written {
        var folder: String
        /// SQLite: the database files; PostgreSQL: the tracking URIs.
        var mlflowDB: String, mltuiDB: String
        var mlflowRoot: String, mltuiRoot: String
        var mlflowOutcomes: [[String: Any]], mltuiOutcomes: [[String: Any]]
    }

    nonisolated(unsafe) private static let written = Locked<[StoreFormat: Written]>([:])

    /// A new empty store location: an SQLite path in `folder`, or a new PostgreSQL database.
    static func newStore(_ name: String, in folder: String) throws -> String {
        guard engine == .postgres else { return folder + "/\(name).db" }
        let server = try FixtureStores.postgres().server
        let database = "writer_\(name)_\(UUID().uuidString.prefix(8).lowercased())"
        try server.psql("CREATE DATABASE \(database)")
        return server.uri(database: database)
    }

    /// The tracking URI of a store from `newStore`.
    static func trackingURI(_ store: String) -> TrackingURI {
        engine == .postgres ? .postgres(uri: store) : .sqlite(path: store)
    }

    static func storeURI(_ store: String) -> String { engine == .postgres ? store : "sqlite:///" + store }

    static func write() async throws -> Written {
        if let done = written.current[engine] { return done }
        let folder = NSTemporaryDirectory() + "mltui-sql-writes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ops = SQLiteWriteOps.all
        let opsFile = folder + "/ops.json"
        try JSONSerialization.data(withJSONObject: ops).write(to: URL(fileURLWithPath: opsFile))
        let mlflowDB = try newStore("mlflow", in: folder), mltuiDB = try newStore("mltui", in: folder)
        let mlflowRoot = folder + "/mlflow-artifacts", mltuiRoot = folder + "/mltui-artifacts"
        let mlflowOutcomes = try runScript(mlflowDB, root: mlflowRoot, ops: opsFile)
        let writer = try XCTUnwrap(try openWriter(trackingURI(mltuiDB), opening: .createIfMissing, defaultArtifactRoot: mltuiRoot,
                                                  warn: { _ in }) as? SQLWriter)
        let mltuiOutcomes = await SQLiteWriteOps.apply(ops, to: writer)
        let result = Written(folder: folder, mlflowDB: mlflowDB, mltuiDB: mltuiDB, mlflowRoot: mlflowRoot, mltuiRoot: mltuiRoot,
                             mlflowOutcomes: mlflowOutcomes, mltuiOutcomes: mltuiOutcomes)
        written.withLock { $0[engine] = result }
        return result
    }

    override class func tearDown() {
        if let folder = written.current[engine]?.folder { try? FileManager.default.removeItem(atPath: folder) }
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
        let expected = try StoreDump.text(uri: Self.storeURI(w.mlflowDB), maskPrefixes: [w.mlflowRoot])
        let actual = try StoreDump.text(uri: Self.storeURI(w.mltuiDB), maskPrefixes: [w.mltuiRoot])
        XCTAssertFalse(expected.isEmpty)
        let differences = JSONDifference.differences(expected: try JSONDocument.parse(Data(expected.utf8)),
                                                     actual: try JSONDocument.parse(Data(actual.utf8)))
        XCTAssert(differences.isEmpty, differences.joined(separator: "\n"))
    }

    /// The rows themselves, for what MLflow's client does not show: the run columns it never
    /// reads (source_*, entry_point_name, deleted_time), NaN stored as 0 with is_nan, ±inf as
    /// ±max double, latest_metrics, inputs and tags of every kind. Generated ids are left out.
    func testRowsAreMLflows() async throws {
        let w = try await Self.write()
        let queries = [
            "SELECT name, lifecycle_stage, workspace, creation_time IS NOT NULL, creation_time = last_update_time FROM experiments ORDER BY name",
            "SELECT e.name, t.key, t.value FROM experiment_tags t JOIN experiments e USING (experiment_id) ORDER BY e.name, t.key",
            """
            SELECT r.name, r.source_type, r.source_name, r.entry_point_name, r.user_id, r.status, r.start_time, r.end_time,
                   r.source_version, r.lifecycle_stage, r.deleted_time IS NULL, e.name FROM runs r
            JOIN experiments e USING (experiment_id) ORDER BY r.start_time, r.name
            """,
            "SELECT r.name, t.key, t.value FROM tags t JOIN runs r USING (run_uuid) ORDER BY r.start_time, t.key",
            "SELECT r.name, p.key, length(p.value) FROM params p JOIN runs r USING (run_uuid) ORDER BY r.start_time, p.key",
            """
            SELECT r.name, m.key, m.value, m.timestamp, m.step, m.is_nan FROM metrics m JOIN runs r USING (run_uuid)
            ORDER BY r.start_time, m.key, m.timestamp, m.step, m.value
            """,
            "SELECT r.name, m.key, m.value, m.timestamp, m.step, m.is_nan FROM latest_metrics m JOIN runs r USING (run_uuid) ORDER BY r.start_time, m.key",
            """
            SELECT d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile, e.name
            FROM datasets d JOIN experiments e USING (experiment_id) ORDER BY d.name
            """,
            """
            SELECT i.source_type, i.destination_type, i.step, COALESCE(r1.name, r2.name, ''), COUNT(t.name) FROM inputs i
            LEFT JOIN runs r1 ON r1.run_uuid = i.destination_id LEFT JOIN runs r2 ON r2.run_uuid = i.source_id
            LEFT JOIN input_tags t USING (input_uuid) GROUP BY i.input_uuid, i.source_type, i.destination_type, i.step, r1.name, r2.name
            ORDER BY 1, 2, 3, 4
            """,
            "SELECT name, tag_key, tag_value FROM logged_model_tags JOIN logged_models USING (model_id) ORDER BY name, tag_key",
            "SELECT name, param_key, param_value FROM logged_model_params JOIN logged_models USING (model_id) ORDER BY name, param_key",
            """
            SELECT name, status, lifecycle_stage, model_type, status_message, creation_timestamp_ms <= last_updated_timestamp_ms
            FROM logged_models ORDER BY name
            """,
            "SELECT metric_name, metric_value, metric_timestamp_ms, metric_step, dataset_name FROM logged_model_metrics ORDER BY metric_name",
        ]
        for query in queries {
            let expected = try Self.rows(w.mlflowDB, query), actual = try Self.rows(w.mltuiDB, query)
            XCTAssertFalse(expected.isEmpty, query)
            XCTAssertEqual(expected, actual, query)
        }
    }

    /// What a new store holds besides the writes: the schema, entry for entry in `sqlite_master`,
    /// and the rows MLflow's first start leaves (alembic_version, the default workspace).
    func testNewStoreHasMLflowsSchema() async throws {
        let w = try await Self.write()
        if Self.engine == .postgres { return try checkPostgresSchema(w) }
        // By name, not rowid: MLflow's own migrations create a table's indexes in no fixed order.
        let query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        // And a table's constraints as a set: MLflow's migrations recreate tables with their
        // constraints in Python's per-process string-hash order, so two MLflow stores differ there.
        func normalized(_ row: [String]) -> [String] {
            guard row.count == 4, row[0] == "table" else { return row }
            return Array(row.prefix(3)) + [row[3].components(separatedBy: "\n").map { $0.hasSuffix(", ") ? String($0.dropLast(2)) : $0 }
                .sorted().joined(separator: "\n")]
        }
        let expected = try Self.rows(w.mlflowDB, query).map(normalized), actual = try Self.rows(w.mltuiDB, query).map(normalized)
        XCTAssertGreaterThan(expected.count, 100)
        XCTAssertEqual(MLflowSchema.alembicHead, SchemaCheck.head)
        XCTAssertEqual(expected.count, actual.count)
        for (e, a) in zip(expected, actual) where e != a { XCTFail("sqlite_master differs:\n  MLflow: \(e)\n  mltui:  \(a)") }
        for table in ["alembic_version", "workspaces"] {
            XCTAssertEqual(try Self.rows(w.mlflowDB, "SELECT * FROM \(table)"), try Self.rows(w.mltuiDB, "SELECT * FROM \(table)"), table)
        }
        let defaults = try Self.rows(w.mltuiDB, "SELECT name, artifact_location, lifecycle_stage, workspace FROM experiments WHERE experiment_id = 0")
        XCTAssertEqual(defaults, [["Default", w.mltuiRoot + "/0", "active", "default"]])
    }

    /// PostgreSQL: `pg_dump --schema-only` of both databases is the same text (tables, columns,
    /// sequences, defaults, constraints, indexes, the trigger and its function), and so are the
    /// first rows.
    func checkPostgresSchema(_ w: Written) throws {
        func schema(_ uri: String) throws -> String {
            let dump = try CommandRunner.run(try PostgresServer.binaries().appendingPathComponent("pg_dump"), [
                "--schema-only", "--no-owner", "--no-privileges", uri.replacingOccurrences(of: "+psycopg2", with: ""),
            ], timeout: 60)
            XCTAssertEqual(dump.status, 0, dump.stderrText)
            // pg_dump 15.14+ brackets its output with per-run random `\restrict` keys.
            return dump.stdoutText.split(separator: "\n").filter { !$0.hasPrefix("\\") }.joined(separator: "\n")
        }
        let expected = try schema(w.mlflowDB), actual = try schema(w.mltuiDB)
        XCTAssertGreaterThan(expected.components(separatedBy: "CREATE TABLE").count, 50)
        XCTAssertEqual(expected, actual)
        XCTAssertEqual(MLflowPostgresSchema.alembicHead, SchemaCheck.head)
        for table in ["alembic_version", "workspaces"] {
            XCTAssertEqual(try Self.rows(w.mlflowDB, "SELECT * FROM \(table)"), try Self.rows(w.mltuiDB, "SELECT * FROM \(table)"), table)
        }
        let defaults = try Self.rows(w.mltuiDB, "SELECT name, artifact_location, lifecycle_stage, workspace FROM experiments WHERE experiment_id = 0")
        XCTAssertEqual(defaults, [["Default", w.mltuiRoot + "/0", "active", "default"]])
        // The next experiment MLflow creates takes id 1, as in a store MLflow made.
        XCTAssertEqual(try Self.rows(w.mltuiDB, "SELECT last_value, is_called FROM experiments_experiment_id_seq"),
                       try Self.rows(w.mlflowDB, "SELECT last_value, is_called FROM experiments_experiment_id_seq"))
    }

    /// MLflow opens a store mltui created (its schema check passes, no migration runs) and logs to it.
    func testMLflowLogsToAStoreMltuiCreated() async throws {
        let folder = NSTemporaryDirectory() + "mltui-sqlite-new-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = Self.engine == .postgres ? try Self.newStore("new", in: folder) : folder + "/nested/new.db"
        let uri = Self.trackingURI(db)
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
        // The same search after a write through the writer: the read side's page cache does not
        // answer from before it.
        let runID = try XCTUnwrap(runs.items.first?.info.runID)
        try await writer.setTag(runID: runID, tag: Tag("after", "1"))
        let again = try await writer.searchRuns(RunSearch(experimentIDs: ["0"]))
        XCTAssertEqual(again.items.first?.data.tag("after"), "1")
        // A model logged without a name gets one of MLflow's shape (the dump cannot compare it).
        let model = try await writer.createLoggedModel(LoggedModelCreation(experimentID: "0"))
        XCTAssertNotNil(model.name.range(of: "^[a-z]+-[a-z]+-[0-9]+$", options: .regularExpression), model.name)
        XCTAssertEqual(model.artifactLocation, "mlflow-artifacts:/0/models/\(model.modelID)/artifacts")
        XCTAssertEqual(model.status, .pending)
    }

    /// Opening an existing store to write never creates one, and a read-only open stays read-only.
    func testOpeningForWritesCreatesOnlyWhenAsked() throws {
        if Self.engine == .postgres {
            // An empty database opened to write (not to create) is refused, and stays empty.
            let empty = try Self.newStore("empty", in: NSTemporaryDirectory())
            XCTAssertThrowsError(try openWriter(Self.trackingURI(empty), warn: { _ in })) {
                XCTAssertNotNil($0 as? MLflowError, "\($0)")
            }
            XCTAssertEqual(try Self.rows(empty, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), [["0"]])
            return
        }
        let missing = NSTemporaryDirectory() + "mltui-missing-\(UUID().uuidString).db"
        XCTAssertThrowsError(try openWriter(.sqlite(path: missing), warn: { _ in })) {
            XCTAssertEqual(($0 as? MLflowError)?.code, .resourceDoesNotExist)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    static func rows(_ db: String, _ sql: String) throws -> [[String]] {
        let connection: any SQLConnection = engine == .postgres ? try PostgresConnection(PostgresTarget(uri: db))
                                                                : try SQLiteConnection(readOnlyPath: db, busyTimeoutMs: 5000)
        return try connection.query(sql, columns: { $0.all }) { row, columns in
            columns.map { row.isNull($0) ? "NULL" : row.text($0) }
        }
    }
}

/// `SQLWriterTests` on PostgreSQL: both stores are new databases in the shared test cluster.
/// (Linux's test discovery finds only methods a class declares, hence the overrides.)
final class PostgresWriterTests: SQLWriterTests {
    override class var engine: StoreFormat { .postgres }

    override func testEveryWriteEndsAsInMLflow() async throws { try await super.testEveryWriteEndsAsInMLflow() }
    override func testMLflowReadsTheSameStore() async throws { try await super.testMLflowReadsTheSameStore() }
    override func testRowsAreMLflows() async throws { try await super.testRowsAreMLflows() }
    override func testNewStoreHasMLflowsSchema() async throws { try await super.testNewStoreHasMLflowsSchema() }
    override func testMLflowLogsToAStoreMltuiCreated() async throws { try await super.testMLflowLogsToAStoreMltuiCreated() }
    override func testOpeningForWritesCreatesOnlyWhenAsked() throws { try super.testOpeningForWritesCreatesOnlyWhenAsked() }

    /// PostgreSQL restarted (a crash, as clients see it) between two writes: the next write opens
    /// a new connection and lands, and reads go on; nothing needs reopening the store.
    func testWritesGoOnAfterPostgreSQLRestarts() async throws {
        let db = try Self.newStore("restart", in: NSTemporaryDirectory())
        let writer = try openWriter(Self.trackingURI(db), opening: .createIfMissing, defaultArtifactRoot: "mlflow-artifacts:/", warn: { _ in })
        let run = try await writer.createRun(RunCreation(experimentID: "0", runName: "before"))
        try FixtureStores.postgres().server.restart(mode: "immediate")
        try await writer.logMetric(runID: run.info.runID, metric: Metric(key: "m", value: 1, timestamp: 1, step: 0))
        try await writer.setTag(runID: run.info.runID, tag: Tag("after", "restart"))
        let read = try await writer.getRun(id: run.info.runID)
        XCTAssertEqual(read.data.tag("after"), "restart")
        XCTAssertEqual(read.data.metrics.map(\.key), ["m"])
    }
}
