import Foundation
import XCTest
@testable import SQLStore
import Artifacts
import Tracking
import TestSupport

/// Run/experiment contents, bad databases, read-only behaviour and artifacts of SQLTrackingStore
/// over a store written by the real mlflow client.
final class SQLiteStoreTests: XCTestCase {
    private func open(_ path: String) throws -> SQLTrackingStore { try SQLTrackingStore(path: path, warn: { _ in }) }

    /// A private copy of the fixture DB to alter (the fixture itself is never modified).
    private func copy(_ s: SQLiteFixture.Store, sql: String? = nil) throws -> String {
        let path = NSTemporaryDirectory() + "mltui-copy-\(UUID().uuidString).db"
        try FileManager.default.copyItem(atPath: s.db, toPath: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        if let sql { try SQLiteFixture.run("/usr/bin/sqlite3", [path, sql], cwd: NSTemporaryDirectory()) }
        return path
    }

    private func assertError(_ code: ErrorCode, containing text: String, _ body: () throws -> Void,
                             file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("no error", file: file, line: line)
        } catch let e as MLflowError {
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(text), "\(e.message) lacks \(text)", file: file, line: line)
            XCTAssertFalse(e.message.contains("\n"), "not one line: \(e.message)", file: file, line: line)
        } catch {
            XCTFail("not an MLflowError: \(error)", file: file, line: line)
        }
    }

    func testRunContents() async throws {
        let s = try SQLiteFixture.store()
        let store = try open(s.db)
        XCTAssertEqual(store.uri, "sqlite:///" + s.db)
        XCTAssertTrue(store.uri.hasPrefix("sqlite:////"), "absolute paths take four slashes, as in MLflow")

        let a = try await store.getRun(id: s.ids["a"]!)
        XCTAssertEqual(a.info.runName, "alpha")
        XCTAssertEqual(a.info.experimentID, s.ids["e1"])
        XCTAssertEqual(a.info.status, .finished)
        XCTAssertEqual(a.info.startTime, 1_700_000_000_001)
        XCTAssertEqual(a.info.endTime, 1_700_000_000_501)
        XCTAssertEqual(a.info.lifecycleStage, .active)
        XCTAssertEqual(a.info.artifactURI, s.dir + "/mlruns/\(s.ids["e1"]!)/\(s.ids["a"]!)/artifacts")
        XCTAssertEqual(a.data.param("lr"), "0.01")
        XCTAssertEqual(a.data.param("opt"), "adam")
        XCTAssertEqual(a.data.tag("stage"), "dev")
        XCTAssertEqual(a.data.tag("mlflow.runName"), "alpha")
        XCTAssertEqual(a.data.metric("m"), Metric(key: "m", value: 0.5, timestamp: 1_700_000_001_000, step: 0))
        XCTAssertNil(a.data.metric("m")?.runID, "a SQL-backed store omits run_id in run data")
        XCTAssertEqual(a.inputs.datasetInputs.count, 2)
        let training = try XCTUnwrap(a.inputs.datasetInputs.first { $0.context == "training" })
        XCTAssertEqual(training.dataset.name, "mydata")
        XCTAssertEqual(training.dataset.sourceType, "code")
        XCTAssertEqual(training.dataset.digest.count, 8)
        XCTAssertNotNil(training.dataset.schema)
        XCTAssertTrue(training.dataset.profile?.contains("num_rows") ?? false)
        XCTAssertEqual(a.inputs.datasetInputs.first { $0.context == "eval" }?.dataset.name, "evalset")

        let c = try await store.getRun(id: s.ids["c"]!)
        XCTAssertTrue(try XCTUnwrap(c.data.metric("m")).value.isNaN)
        XCTAssertEqual(c.info.status, .failed)
        XCTAssertEqual(c.data.param("empty"), "")
        // ±inf come back as the stored ±1.7976931348623157e308, as MLflow returns them.
        let inf = try await store.getRun(id: s.ids["d"]!).data.metric("m")?.value
        XCTAssertEqual(inf, Double.greatestFiniteMagnitude)
        let running = try await store.getRun(id: s.ids["e"]!)
        XCTAssertEqual(running.data.metric("m")?.value, -Double.greatestFiniteMagnitude)
        XCTAssertEqual(running.info.status, .running)
        XCTAssertNil(running.info.endTime)

        let h = try await store.getRun(id: s.ids["h"]!)
        XCTAssertEqual(h.data.tag("multi"), "line1\nline2")
        XCTAssertEqual(h.data.tag("key with space"), "v")
        let child = try await store.getRun(id: s.ids["child"]!)
        XCTAssertEqual(child.parentRunID, s.ids["hist"])
        // "Latest" is the greatest (step, timestamp, value): the NaN at step 4.
        let hist = try await store.getRun(id: s.ids["hist"]!)
        XCTAssertEqual(hist.data.metric("late")?.step, 4)
        XCTAssertTrue(hist.data.metric("late")?.value.isNaN ?? false)
        XCTAssertEqual(hist.data.metric("loss")?.step, 119)

        let gone = try await store.getRun(id: s.ids["gone"]!)
        XCTAssertEqual(gone.info.lifecycleStage, .deleted)
        let doomed = try await store.getRun(id: s.ids["x1"]!)
        XCTAssertEqual(doomed.info.lifecycleStage, .deleted, "deleting an experiment deletes its runs")

        let u = try await store.getRun(id: s.ids["u1"]!)
        XCTAssertEqual(u.info.runName, "ünï run")
        XCTAssertEqual(u.data.param("p"), "ü")

        assertError(.resourceDoesNotExist, containing: "Run with id=nope not found") {
            _ = try syncWait { try await store.getRun(id: "nope") }
        }
    }

    /// Every run of the fixture read back exactly as MLflow's get_run returns it, lists in
    /// MLflow's order.
    func testEveryRunMatchesMLflowGetRun() async throws {
        let s = try SQLiteFixture.store()
        let store = try open(s.db)
        let labels = s.ids.keys.filter { !["e1", "e2", "e3", "model"].contains($0) }.sorted()
        let answers = try SQLiteFixture.oracle(labels.map { ["kind": "run", "id": s.ids[$0]!] }, db: s.oracleDB)
        XCTAssertEqual(labels.count, 13)
        for (label, answer) in zip(labels, answers) {
            let run = try await store.getRun(id: s.ids[label]!)
            let i = run.info
            let info: [Any?] = [i.runID, i.experimentID, i.runName, i.userID, i.status.rawValue, i.startTime, i.endTime,
                                i.artifactURI, i.lifecycleStage.rawValue]
            let expectedInfo = try XCTUnwrap(answer["info"] as? [Any], "\(answer)")
            XCTAssertEqual(info.map { $0.map { "\($0)" } ?? "nil" },
                           expectedInfo.map { $0 is NSNull ? "nil" : "\($0)" }, label)
            XCTAssertEqual(run.data.metrics.map { [$0.key, $0.value.isNaN ? "NaN" : String($0.value), String($0.timestamp), String($0.step)] },
                           (answer["metrics"] as? [[Any]] ?? []).map { $0.map { "\($0)" } }, label)
            XCTAssertEqual(run.data.params.map { [$0.key, $0.value] }, answer["params"] as? [[String]], label)
            XCTAssertEqual(run.data.tags.map { [$0.key, $0.value] }, answer["tags"] as? [[String]], label)
            let datasets = run.inputs.datasetInputs.map { d -> [String] in
                [d.dataset.name, d.dataset.digest, d.dataset.sourceType, d.dataset.source, d.dataset.schema ?? "nil",
                 d.dataset.profile ?? "nil", d.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]
            }
            let expectedDatasets = (answer["datasets"] as? [[Any]] ?? []).map { d -> [String] in
                d.prefix(6).map { $0 is NSNull ? "nil" : "\($0)" }
                    + [((d[6] as? [[String]]) ?? []).map { "\($0[0])=\($0[1])" }.joined(separator: ",")]
            }
            XCTAssertEqual(datasets, expectedDatasets, label)
            XCTAssertEqual(run.outputs.modelOutputs.map { "\($0.modelID)@\($0.step ?? -1)" },
                           (answer["outputs"] as? [[Any]] ?? []).map { "\($0[0])@\($0[1])" }, label)
        }
        let b = try await store.getRun(id: s.ids["b"]!)
        XCTAssertEqual(b.outputs.modelOutputs, [ModelIO(modelID: s.ids["model"]!, step: 3)])
        let page = try store.searchRuns(RunSearch(experimentIDs: [s.ids["e1"]!]), filter: [], orderBy: [])
        XCTAssertEqual(page.items.first { $0.info.runID == s.ids["b"] }?.outputs.modelOutputs.count, 1)
    }

    func testSearchReturnsFullRunsAndRunNameFallback() async throws {
        let s = try SQLiteFixture.store()
        // Runs logged by MLflow <= 1.29 have a NULL name: the mlflow.runName tag stands in.
        let path = try copy(s, sql: "UPDATE runs SET name = NULL WHERE run_uuid = '\(s.ids["b"]!)'")
        let store = try open(path)
        let page = try store.searchRuns(RunSearch(experimentIDs: [s.ids["e1"]!]), filter: [], orderBy: [])
        let b = try XCTUnwrap(page.items.first { $0.info.runID == s.ids["b"] })
        XCTAssertEqual(b.info.runName, "beta")
        XCTAssertEqual(b.data.param("lr"), "0.1")
        XCTAssertEqual(b.inputs.datasetInputs.map(\.context), ["eval"])
        let a = try XCTUnwrap(page.items.first { $0.info.runID == s.ids["a"] })
        XCTAssertEqual(a.data.metric("acc")?.value, 0.9)
        XCTAssertEqual(a.inputs.datasetInputs.count, 2)
    }

    func testExperiments() async throws {
        let s = try SQLiteFixture.store()
        let store = try open(s.db)
        let e1 = try await store.getExperiment(id: s.ids["e1"]!)
        XCTAssertEqual(e1.name, "e1")
        XCTAssertEqual(Set(e1.tags), [Tag("team", "ml"), Tag("nested/key", "v/1")])
        XCTAssertEqual(e1.artifactLocation, s.dir + "/mlruns/\(s.ids["e1"]!)")
        XCTAssertNotNil(e1.creationTime)
        let doomed = try await store.getExperiment(id: s.ids["e3"]!)
        XCTAssertEqual(doomed.lifecycleStage, .deleted)
        let byName = try await store.getExperimentByName("ünïcode exp ✓")
        XCTAssertEqual(byName.experimentID, s.ids["e2"])
        let deletedByName = try await store.getExperimentByName("doomed")
        XCTAssertEqual(deletedByName.lifecycleStage, .deleted)
        let defaultExperiment = try await store.getExperiment(id: "0")
        XCTAssertEqual(defaultExperiment.name, "Default")
        assertError(.resourceDoesNotExist, containing: "Could not find experiment with name 'nope'") {
            _ = try syncWait { try await store.getExperimentByName("nope") }
        }
    }

    // MARK: Bad databases

    func testMissingDirectoryAndForeignFiles() throws {
        let dir = NSTemporaryDirectory() + "mltui-bad-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        assertError(.resourceDoesNotExist, containing: "does not exist") { _ = try self.open(dir + "/missing.db") }
        assertError(.invalidParameterValue, containing: "is a directory") { _ = try self.open(dir) }

        let garbage = dir + "/garbage.db"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: garbage))
        assertError(.invalidParameterValue, containing: "not an SQLite database") { _ = try self.open(garbage) }

        let text = dir + "/notes.txt"
        try Data("just some text\n".utf8).write(to: URL(fileURLWithPath: text))
        assertError(.invalidParameterValue, containing: "not an SQLite database") { _ = try self.open(text) }

        let empty = dir + "/empty.db"
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        assertError(.invalidParameterValue, containing: "not an MLflow tracking store") { _ = try self.open(empty) }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: empty)).count, 0, "opening must not initialise the file")

        let other = dir + "/other.db"
        try SQLiteFixture.run("/usr/bin/sqlite3", [other, "CREATE TABLE foo (x); INSERT INTO foo VALUES (1);"], cwd: dir)
        assertError(.invalidParameterValue, containing: "not an MLflow tracking store") { _ = try self.open(other) }
    }

    func testCorruptAndTruncatedStore() async throws {
        let s = try SQLiteFixture.store()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: s.db))
        let dir = NSTemporaryDirectory() + "mltui-corrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        // Half a database (a copy interrupted mid-way).
        let half = dir + "/half.db"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: half))
        // Pages overwritten with garbage after the header and schema page.
        let scribbled = dir + "/scribbled.db"
        var damaged = bytes
        for i in stride(from: 4096, to: damaged.count, by: 7) { damaged[i] = 0xA5 }
        try damaged.write(to: URL(fileURLWithPath: scribbled))
        for path in [half, scribbled] {
            do {
                let store = try open(path)
                // The schema may read fine; queries must then fail cleanly, never crash.
                _ = try store.searchRuns(RunSearch(experimentIDs: ["1", "2", "3"], viewType: .all), filter: [],
                                         orderBy: [OrderClause(SearchKey(.metric, "m"), ascending: true)])
                _ = try await store.fullMetricHistory(runID: s.ids["hist"]!, key: "loss")
                XCTFail("\(path) read without error")
            } catch let e as MLflowError {
                XCTAssertFalse(e.message.isEmpty)
                XCTAssertFalse(e.message.contains("\n"))
            }
        }
    }

    func testSchemaVersions() async throws {
        let s = try SQLiteFixture.store()
        let unknown = try copy(s, sql: "UPDATE alembic_version SET version_num = 'abc123'")
        assertError(.invalidState, containing: "unknown MLflow schema version 'abc123'") { _ = try self.open(unknown) }
        assertError(.invalidState, containing: "mltui knows up to dc11669786a5, MLflow 3.17.2") { _ = try self.open(unknown) }

        // An older known revision whose tables have every column we read is accepted.
        let older = try copy(s, sql: "UPDATE alembic_version SET version_num = '0584bdc529eb'")
        let warnings = SQLiteWarningLog()
        XCTAssertNoThrow(try SQLTrackingStore(path: older, warn: { warnings.append($0) }))
        XCTAssertTrue(warnings.all.contains { $0.contains("0584bdc529eb") }, "\(warnings.all)")

        // One without latest_metrics (before 89d4b8295536) is refused with the upgrade hint.
        let ancient = try copy(s, sql: "DROP TABLE latest_metrics; UPDATE alembic_version SET version_num = '90e64c465722'")
        assertError(.invalidState, containing: "schema version 90e64c465722") { _ = try self.open(ancient) }
        assertError(.invalidState, containing: "is older than mltui supports (no table 'latest_metrics'); run 'mlflow db upgrade sqlite:////") {
            _ = try self.open(ancient)
        }

        // A table or column missing from a schema version that has it is damage, not age: the
        // message names it and offers no upgrade.
        for table in ["runs", "experiments", "alembic_version", "tags", "params", "metrics", "latest_metrics", "experiment_tags"] {
            let dropped = try copy(s, sql: "PRAGMA foreign_keys = OFF; DROP TABLE \(table);")
            assertError(.invalidState, containing: "has no table '\(table)'") { _ = try self.open(dropped) }
            do {
                _ = try open(dropped)
            } catch let e as MLflowError {
                XCTAssertFalse(e.message.contains("older"), e.message)
                XCTAssertFalse(e.message.contains("upgrade"), e.message)
                XCTAssertTrue(e.message.contains("damaged"), e.message)
            }
        }
        let noColumn = try copy(s, sql: "ALTER TABLE params DROP COLUMN value;")
        assertError(.invalidState, containing: "table 'params' of sqlite:////") { _ = try self.open(noColumn) }
        assertError(.invalidState, containing: "has no column 'value', which its MLflow schema version dc11669786a5 has: the database is damaged") {
            _ = try self.open(noColumn)
        }

        // Missing optional pieces (no datasets tables, no runs.name) are read around.
        let noDatasets = try copy(s, sql: "DROP TABLE input_tags; DROP TABLE inputs; DROP TABLE datasets; ALTER TABLE runs DROP COLUMN name;")
        let store = try open(noDatasets)
        let page = try store.searchRuns(RunSearch(experimentIDs: [s.ids["e1"]!]),
                                        filter: [Comparison(SearchKey(.dataset, "name"), .equal, .string("mydata"))], orderBy: [])
        XCTAssertEqual(page.items.count, 0)
        let all = try store.searchRuns(RunSearch(experimentIDs: [s.ids["e1"]!]), filter: [], orderBy: [])
        XCTAssertEqual(all.items.first { $0.info.runID == s.ids["a"] }?.info.runName, "alpha")

        // Before metrics.step/is_nan and experiment times existed (pre-1.x schemas).
        let noSteps = try copy(s, sql: """
            CREATE TABLE m2 AS SELECT "key", value, timestamp, run_uuid FROM metrics; DROP TABLE metrics;
            ALTER TABLE m2 RENAME TO metrics;
            CREATE TABLE x2 AS SELECT experiment_id, name, artifact_location, lifecycle_stage FROM experiments;
            DROP TABLE experiments; ALTER TABLE x2 RENAME TO experiments;
            """)
        let old = try open(noSteps)
        let history = try await old.fullMetricHistory(runID: s.ids["hist"]!, key: "loss", pageSize: 50)
        XCTAssertEqual(history.count, 120)
        XCTAssertTrue(history.allSatisfy { $0.step == 0 })
        let experiments = try old.searchExperiments(ExperimentSearch(viewType: .all), parsedFilter: [], orderBy: [])
        XCTAssertEqual(experiments.items.count, 4)
        XCTAssertNil(experiments.items.first?.creationTime)
    }

    /// Cells MLflow would never write (text in a metric value, a blob as a param, text as a
    /// start time, an integer column holding a real number) are not shown as 0 or as garbage:
    /// the row is left out, or the field read as absent, with one warning per column naming it
    /// and a run that has such a cell. MLflow's own client returns the raw value
    /// ('abc' as a metric value) and its server fails the whole request serializing it.
    /// A store from before MLflow 3's logged models, before aliases (2.3) and before workspaces:
    /// the model reads answer what it has instead of failing on a missing table or column.
    func testModelReadsOfOlderSchemas() async throws {
        let uri = try FixtureStores.shared().trackingURI(.sqlite)
        let db = String(uri.dropFirst("sqlite:///".count))
        let current = try SQLTrackingStore(path: db, warn: { _ in })
        let zoo = try await current.getExperimentByName("model-zoo").experimentID
        let names = try await current.allRegisteredModels(RegistrySearch(maxResults: 100)).map(\.name)
        XCTAssertGreaterThanOrEqual(names.count, 3)
        var strip = "PRAGMA foreign_keys = OFF; DROP TABLE logged_model_metrics; DROP TABLE logged_model_params; "
            + "DROP TABLE logged_model_tags; DROP TABLE logged_models; DROP TABLE registered_model_aliases; "
        for (table, columns) in [("registered_models", "name, creation_time, last_updated_time, description"),
                                 ("registered_model_tags", "\"key\", value, name"),
                                 ("model_versions", "name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location"),
                                 ("model_version_tags", "\"key\", value, name, version")] {
            strip += "CREATE TABLE old_\(table) AS SELECT \(columns) FROM \(table); DROP TABLE \(table); ALTER TABLE old_\(table) RENAME TO \(table); "
        }
        let path = NSTemporaryDirectory() + "mltui-old-models-\(UUID().uuidString).db"
        try FileManager.default.copyItem(atPath: db, toPath: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        try SQLiteFixture.run("/usr/bin/sqlite3", [path, strip], cwd: NSTemporaryDirectory())
        let old = try SQLTrackingStore(path: path, warn: { _ in })
        let page = try await old.searchLoggedModels(LoggedModelSearch(experimentIDs: [zoo]))
        XCTAssertTrue(page.items.isEmpty)
        do {
            _ = try await old.searchLoggedModels(LoggedModelSearch(experimentIDs: [zoo], filter: "name >"))
            XCTFail("filters are still checked")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .invalidParameterValue)
        }
        let models = try await old.allRegisteredModels(RegistrySearch(maxResults: 100))
        XCTAssertEqual(models.map(\.name), names)
        XCTAssertTrue(models.allSatisfy { $0.aliases.isEmpty })
        let versions = try await old.allModelVersions(RegistrySearch(filter: "name = 'review-classifier'", maxResults: 100))
        XCTAssertEqual(versions.map(\.version).sorted(), ["1", "2", "3"])
        let expected = try await current.modelVersionDownloadURI(name: "review-classifier", version: "3")
        let answered = try await old.modelVersionDownloadURI(name: "review-classifier", version: "3")
        XCTAssertEqual(answered, expected)
    }

    func testCellsOfTheWrongTypeAreLeftOutWithOneWarningPerColumn() async throws {
        let s = try SQLiteFixture.store()
        let a = s.ids["a"]!, hist = s.ids["hist"]!
        let db = try copy(s, sql: """
            UPDATE latest_metrics SET value = 'abc' WHERE run_uuid = '\(a)' AND "key" = 'm';
            UPDATE latest_metrics SET step = 1.5 WHERE run_uuid = '\(a)' AND "key" = 'acc';
            UPDATE params SET value = X'0102' WHERE run_uuid = '\(a)' AND "key" = 'lr';
            UPDATE runs SET start_time = 'soon' WHERE run_uuid = '\(a)';
            UPDATE metrics SET value = 'xyz' WHERE run_uuid = '\(hist)' AND "key" = 'loss' AND step = 3;
            """)
        let warnings = SQLiteWarningLog()
        let store = try SQLTrackingStore(path: db, warn: { warnings.append($0) })
        let run = try await store.getRun(id: a)
        XCTAssertNil(run.data.metric("m"), "text in latest_metrics.value is not a value")
        XCTAssertNil(run.data.metric("acc"), "a real number in latest_metrics.step is not a step")
        XCTAssertNil(run.data.param("lr"))
        XCTAssertEqual(run.data.param("opt"), "adam", "the run's other cells still read")
        XCTAssertNil(run.info.startTime)
        XCTAssertEqual(run.info.endTime, 1_700_000_000_501)
        let history = try await store.fullMetricHistory(runID: hist, key: "loss", pageSize: 50)
        XCTAssertEqual(history.count, 119, "the row with text as its value is left out")
        XCTAssertFalse(history.contains { $0.step == 3 })
        XCTAssertFalse(history.contains { $0.value == 0 })

        for (column, held) in [("latest_metrics.value", "the text 'abc'"), ("latest_metrics.step", "the real number 1.5"),
                               ("params.value", "a blob of 2 bytes"), ("runs.start_time", "the text 'soon'"),
                               ("metrics.value", "the text 'xyz'")] {
            let lines = warnings.all.filter { $0.contains("column \(column) holds") }
            XCTAssertEqual(lines.count, 1, "\(column): \(warnings.all)")
            XCTAssertTrue(lines.first?.contains(held) ?? false, "\(lines)")
            XCTAssertTrue(lines.first?.contains(db) ?? false, "\(lines)")
        }
        XCTAssertFalse(warnings.all.contains { $0.contains("\n") })
        // Once per column, however often it is read.
        let count = warnings.all.count
        _ = try await store.getRun(id: a)
        _ = try store.searchRuns(RunSearch(experimentIDs: [s.ids["e1"]!], viewType: .all), filter: [], orderBy: [])
        XCTAssertEqual(warnings.all.count, count, "\(warnings.all)")
    }

    // MARK: Read-only

    func testReadingNeverWrites() async throws {
        let s = try SQLiteFixture.store()
        let before = try Data(contentsOf: URL(fileURLWithPath: s.db))
        let attributes = try FileManager.default.attributesOfItem(atPath: s.db)
        let dirBefore = try FileManager.default.contentsOfDirectory(atPath: s.dir).sorted()
        do {
            let store = try open(s.db)
            _ = try store.searchRuns(RunSearch(experimentIDs: ["1", "2", "3"], viewType: .all),
                                     filter: [Comparison(SearchKey(.tag, "stage"), .like, .string("d%"))],
                                     orderBy: [OrderClause(SearchKey(.metric, "m"), ascending: false)])
            _ = try await store.getRun(id: s.ids["a"]!)
            _ = try await store.fullMetricHistory(runID: s.ids["hist"]!, key: "loss")
            _ = try store.searchExperiments(ExperimentSearch(viewType: .all), parsedFilter: [], orderBy: [])
            _ = try await store.listArtifacts(runID: s.ids["a"]!, path: "dir")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: s.db)), before)
        let after = try FileManager.default.attributesOfItem(atPath: s.db)
        XCTAssertEqual(after[.modificationDate] as? Date, attributes[.modificationDate] as? Date)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: s.dir).sorted(), dirBefore,
                       "no journal, wal or shm file may appear")
    }

    /// A writer logging into the store while we read is never held up beyond one short read,
    /// and our reads see its commits (the file is opened mode=ro, not immutable).
    func testConcurrentWriterIsNotBlocked() throws {
        let s = try SQLiteFixture.store()
        let path = try copy(s)
        let store = try open(path)
        let run = s.ids["b"]!
        let writer = """
            import sqlite3, sys, time
            con = sqlite3.connect(sys.argv[1], timeout=2.0, isolation_level=None)
            worst = 0.0
            for i in range(300):
                t = time.monotonic()
                con.execute("BEGIN IMMEDIATE")
                con.execute("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ('w', ?, ?, ?, ?, 0)", (i * 1.0, 1700000000000 + i, sys.argv[2], i))
                con.execute("COMMIT")
                worst = max(worst, time.monotonic() - t)
                time.sleep(0.003)   # a training loop logs between steps
            print(f"{worst * 1000:.1f}")
            """
        let done = DispatchSemaphore(value: 0)
        let outcome = WriterOutcome()
        DispatchQueue.global().async {
            outcome.finish { try SQLiteFixture.run(SQLiteFixture.python, ["-c", writer, path, run], cwd: NSTemporaryDirectory()) }
            done.signal()
        }
        var reads = 0
        var seen = 0
        while done.wait(timeout: .now()) == .timedOut {
            let page = try store.searchRuns(RunSearch(experimentIDs: ["1"]), filter: [],
                                                orderBy: [OrderClause(SearchKey(.metric, "m"), ascending: true)])
            XCTAssertEqual(page.items.count, 10)
            seen = try syncWait { try await store.metricHistory(runID: run, key: "w", maxResults: nil, pageToken: nil) }.items.count
            reads += 1
            usleep(2000)
        }
        XCTAssertNil(outcome.failure, "the writer failed (blocked by our reads?): \(String(describing: outcome.failure))")
        let worstMs = Double(outcome.output) ?? .infinity
        print("concurrent writer: 300 commits, worst commit \(worstMs) ms, \(reads) reads by mltui meanwhile")
        XCTAssertLessThan(worstMs, 2000)
        XCTAssertGreaterThan(reads, 0)
        let final = try syncWait { try await store.metricHistory(runID: run, key: "w", maxResults: nil, pageToken: nil) }
        XCTAssertEqual(final.items.count, 300, "reads must see the writer's commits")
        XCTAssertLessThanOrEqual(seen, 300)
    }

    /// The real mlflow client logging into the store (another process) while we search it.
    func testMLflowClientLogsWhileWeRead() throws {
        let s = try SQLiteFixture.store()
        let dir = NSTemporaryDirectory() + "mltui-live-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mlflow.db"
        try FileManager.default.copyItem(atPath: s.db, toPath: path)
        let store = try open(path)
        let client = """
            import sys, time
            import mlflow
            from mlflow import MlflowClient
            from mlflow.entities import Metric
            c = MlflowClient("sqlite:///" + sys.argv[1])
            run = c.create_run(sys.argv[2], run_name="live")
            worst = 0.0
            for i in range(60):
                t = time.monotonic()
                c.log_batch(run.info.run_id, metrics=[Metric("live", float(i), 1700000000000 + i, i)])
                worst = max(worst, time.monotonic() - t)
            c.set_terminated(run.info.run_id)
            print(f"{run.info.run_id} {worst * 1000:.1f}")
            """
        let done = DispatchSemaphore(value: 0)
        let outcome = WriterOutcome()
        DispatchQueue.global().async {
            outcome.finish { try SQLiteFixture.run(SQLiteFixture.python, ["-c", client, path, s.ids["e1"]!], cwd: dir) }
            done.signal()
        }
        var reads = 0
        while done.wait(timeout: .now()) == .timedOut {
            _ = try store.searchRuns(RunSearch(experimentIDs: [s.ids["e1"]!], viewType: .all), filter: [],
                                           orderBy: [OrderClause(SearchKey(.metric, "live"), ascending: false)])
            reads += 1
            usleep(5000)   // a UI refresh rate, not a busy loop on a shared machine
        }
        XCTAssertNil(outcome.failure, "\(String(describing: outcome.failure))")
        let parts = outcome.output.split(separator: " ")
        XCTAssertEqual(parts.count, 2)
        print("mlflow client: 60 log_batch calls, slowest \(parts.last ?? "?") ms, \(reads) searches by mltui meanwhile")
        let live = try syncWait { try await store.getRun(id: String(parts[0])) }
        XCTAssertEqual(live.data.metric("live")?.value, 59)
        XCTAssertEqual(live.info.status, .finished)
    }

    // MARK: Artifacts

    func testArtifacts() async throws {
        let s = try SQLiteFixture.store()
        let store = try open(s.db)
        let a = s.ids["a"]!
        let root = try await store.listArtifacts(runID: a, path: nil)
        XCTAssertEqual(root.rootURI, s.dir + "/mlruns/\(s.ids["e1"]!)/\(a)/artifacts")
        XCTAssertEqual(root.files, [ArtifactEntry(path: "dir", isDir: true), ArtifactEntry(path: "top.txt", isDir: false, fileSize: 3)])
        let dir = try await store.listArtifacts(runID: a, path: "dir")
        XCTAssertEqual(dir.files, [ArtifactEntry(path: "dir/hello.txt", isDir: false, fileSize: 5),
                                   ArtifactEntry(path: "dir/sub", isDir: true)])
        let missing = try await store.listArtifacts(runID: a, path: "nope")
        XCTAssertEqual(missing.files, [])
        let file = try await store.listArtifacts(runID: a, path: "top.txt")
        XCTAssertEqual(file.files, [])
        let big = try await store.openArtifact(runID: a, path: "dir/sub/big.txt")
        XCTAssertEqual(big.size, 5000)
        let middle = try await big.read(offset: 4990, count: 100)
        XCTAssertEqual(middle, Array(repeating: UInt8(ascii: "x"), count: 10))
        var total = 0
        for try await chunk in big.chunks(size: 1024) { total += chunk.count }
        XCTAssertEqual(total, 5000)

        for bad in ["../x", "dir/../../x", "/etc/passwd", "%2e%2e/x", "a#b"] {
            await assertAsyncError(.invalidParameterValue, "Invalid path") { _ = try await store.listArtifacts(runID: a, path: bad) }
            await assertAsyncError(.invalidParameterValue, "Invalid path") { _ = try await store.openArtifact(runID: a, path: bad) }
        }
        await assertAsyncError(.resourceDoesNotExist, "Run with id=nope not found") { _ = try await store.listArtifacts(runID: "nope", path: nil) }
        await assertAsyncError(.resourceDoesNotExist, "nope.txt") { _ = try await store.openArtifact(runID: a, path: "nope.txt") }
        await assertAsyncError(.invalidParameterValue, "is a directory") { _ = try await store.openArtifact(runID: a, path: "dir") }
    }

    func testArtifactsOfCopiedStoreAndRemoteRoots() async throws {
        let s = try SQLiteFixture.store()
        // A store copied to another place keeps the old absolute paths: mlruns/ next to the DB is used.
        let moved = NSTemporaryDirectory() + "mltui-moved-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: moved, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: moved) }
        try FileManager.default.copyItem(atPath: s.db, toPath: moved + "/mlflow.db")
        try FileManager.default.copyItem(atPath: s.dir + "/mlruns", toPath: moved + "/mlruns")
        let a = s.ids["a"]!, e1 = s.ids["e1"]!
        try SQLiteFixture.run("/usr/bin/sqlite3", [moved + "/mlflow.db",
            "UPDATE runs SET artifact_uri = '/nonexistent/mlruns/\(e1)/' || run_uuid || '/artifacts';" +
            "UPDATE runs SET artifact_uri = 's3://bucket/x/' || run_uuid WHERE run_uuid = '\(s.ids["b"]!)';" +
            "UPDATE runs SET artifact_uri = 'mlflow-artifacts:/1/' || run_uuid WHERE run_uuid = '\(s.ids["c"]!)';"], cwd: moved)
        // A symlink inside the artifacts that leads outside the root may not be followed.
        let artifacts = moved + "/mlruns/\(e1)/\(a)/artifacts"
        try FileManager.default.createSymbolicLink(atPath: artifacts + "/escape", withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: artifacts + "/passwd", withDestinationPath: "/etc/passwd")
        let warnings = SQLiteWarningLog()
        let store = try SQLTrackingStore(path: moved + "/mlflow.db", warn: { warnings.append($0) })
        let listing = try await store.listArtifacts(runID: a, path: "dir")
        XCTAssertEqual(listing.files.map(\.path), ["dir/hello.txt", "dir/sub"])
        XCTAssertTrue(warnings.all.contains { $0.contains(artifacts) })
        _ = try await store.listArtifacts(runID: a, path: nil)
        XCTAssertEqual(warnings.all.count, 1, "one warning per experiment, not per listing")
        let hello = try await store.openArtifact(runID: a, path: "dir/hello.txt").read(offset: 0, count: 100)
        XCTAssertEqual(String(decoding: hello, as: UTF8.self), "hello")
        await assertAsyncError(.invalidParameterValue, "Invalid path") { _ = try await store.listArtifacts(runID: a, path: "escape") }
        await assertAsyncError(.invalidParameterValue, "Invalid path") { _ = try await store.openArtifact(runID: a, path: "passwd") }
        // s3:// is read directly now (Artifacts.S3Artifacts); without AWS credentials it says so.
        await assertAsyncError(.unauthenticated, "s3://bucket/x/") { _ = try await store.listArtifacts(runID: s.ids["b"]!, path: nil) }
        await assertAsyncError(.notImplemented, "mlflow-artifacts:/1/") { _ = try await store.openArtifact(runID: s.ids["c"]!, path: "x") }
    }

    func testLocalArtifactURIForms() {
        XCTAssertEqual(LocalArtifacts.localPath(of: "/a/b"), "/a/b")
        XCTAssertEqual(LocalArtifacts.localPath(of: "file:///a/b%20c"), "/a/b c")
        XCTAssertEqual(LocalArtifacts.localPath(of: "file:/a/b"), "/a/b")
        XCTAssertEqual(LocalArtifacts.localPath(of: "file://localhost/a"), "/a")
        XCTAssertNil(LocalArtifacts.localPath(of: "file://host/a"))
        XCTAssertNil(LocalArtifacts.localPath(of: "s3://b/a"))
        XCTAssertNil(LocalArtifacts.localPath(of: "mlflow-artifacts:/1/x"))
        XCTAssertEqual(try LocalArtifacts.components(of: "a//b/./c/"), ["a", "b", "c"])
        XCTAssertEqual(try LocalArtifacts.components(of: "a..b"), ["a..b"])
        XCTAssertThrowsError(try LocalArtifacts.components(of: "%252e%252e/x"))
        XCTAssertThrowsError(try LocalArtifacts.components(of: "C:/x"))
        // A backslash separates nothing on Linux, where MLflow's validate_path_is_safe accepts it.
        XCTAssertEqual(try LocalArtifacts.components(of: "a\\b"), ["a\\b"])
    }

    private func assertAsyncError(_ code: ErrorCode, _ text: String, _ body: () async throws -> Void,
                                  file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("no error", file: file, line: line)
        } catch let e as MLflowError {
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(text), "\(e.message) lacks \(text)", file: file, line: line)
        } catch {
            XCTFail("not an MLflowError: \(error)", file: file, line: line)
        }
    }
}

/// What a writer process printed, or why it failed.
private final class WriterOutcome: Sendable {
    private let state = Locked<(output: String, failure: Error?)>(("", nil))
    var output: String { state.current.output }
    var failure: Error? { state.current.failure }
    func finish(_ run: () throws -> String) {
        do { let output = try run(); state.withLock { $0.output = output } } catch { state.withLock { $0.failure = error } }
    }
}

final class SQLiteWarningLog: Sendable {
    private let items = Locked<[String]>([])
    func append(_ s: String) { items.withLock { $0.append(s) } }
    var all: [String] { items.current }
}

/// Runs an async call to completion from synchronous test code.
func syncWait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Locked<Result<T, Error>?>(nil)
    Task.detached {
        do { let value = try await body(); result.withLock { $0 = .success(value) } } catch { result.withLock { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    return try result.current!.get()
}
