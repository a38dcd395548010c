import Foundation
import XCTest
@testable import SQLStore
import Tracking

/// A benchmark, not a test of speed: prints how long first pages take on a 100k-run store,
/// next to MLflow's own SqlAlchemyStore over the same file, and checks only that both agree.
/// Run with `MLTUI_BENCH=1 [MLTUI_BENCH_RUNS=100000] swift test --filter SQLiteBenchmarkTests`.
final class SQLiteBenchmarkTests: XCTestCase {
    static let runs = Int(ProcessInfo.processInfo.environment["MLTUI_BENCH_RUNS"] ?? "") ?? 100_000

    /// Bulk-inserts runs shaped like the client's (3 metrics with history, 2 params, 3 tags)
    /// into a copy of the fixture, in the tables and formats MLflow writes.
    static let generator = #"""
import random, sqlite3, sys, uuid
con = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2]); random.seed(7)
con.execute("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (50, 'big', '/tmp/big', 'active', 1, 1)")
T = 1700000000000
runs, metrics, latest, params, tags = [], [], [], [], []
for i in range(n):
    rid = uuid.uuid4().hex
    runs.append((rid, f"run-{i}", "UNKNOWN", "", "", "bench", random.choice(["FINISHED", "FAILED", "RUNNING"]), T + i, T + i + 10, "", "active", f"/tmp/big/{rid}/artifacts", 50))
    for k in ("loss", "acc", "lr"):
        v = random.random()
        for step in range(3):
            metrics.append((k, v + step, T + i + step, rid, step, 0))
        latest.append((k, v + 2, T + i + 2, 2, 0, rid))
    params += [("opt", random.choice(["adam", "sgd", "rmsprop"]), rid), ("layers", str(random.randint(1, 12)), rid)]
    tags += [("mlflow.runName", f"run-{i}", rid), ("mlflow.user", "bench", rid), ("stage", random.choice(["dev", "prod"]), rid)]
con.executemany("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
con.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?,?,?,?,?,?)", metrics)
con.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?,?,?,?,?,?)", latest)
con.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?,?,?)", params)
con.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?,?,?)", tags)
con.commit()
print("ok")
"""#

    static let mlflowTiming = #"""
import json, sys, time
t0 = time.monotonic()
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.entities import ViewType
store = SqlAlchemyStore(sys.argv[1], "/tmp")
out = []
for q in json.loads(sys.argv[2]):
    t = time.monotonic()
    page = store.search_runs(["50"], q["filter"], ViewType.ACTIVE_ONLY, 100, q["order_by"], None)
    out.append({"ms": (time.monotonic() - t) * 1000, "ids": [r.info.run_id for r in page]})
print(json.dumps(out))
"""#

    func testFirstPagesOnLargeStore() async throws {
        guard ProcessInfo.processInfo.environment["MLTUI_BENCH"] != nil else {
            throw XCTSkip("benchmark; set MLTUI_BENCH=1 to run")
        }
        let s = try SQLiteFixture.store()
        let path = NSTemporaryDirectory() + "mltui-bench-\(UUID().uuidString).db"
        try FileManager.default.copyItem(atPath: s.db, toPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SQLiteFixture.run(SQLiteFixture.python, ["-c", Self.generator, path, String(Self.runs)], cwd: NSTemporaryDirectory())
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        let queries: [(String, [String])] = [
            ("", []),
            ("metrics.loss < 2.5 AND params.opt = 'adam'", ["metrics.loss DESC"]),
            ("tags.stage = 'prod' AND status = 'FINISHED'", ["params.layers", "attributes.run_name"]),
            ("attributes.run_name LIKE 'run-9999%'", []),
        ]
        var clock = ContinuousClock.now
        let store = try SQLTrackingStore(path: path, warn: { _ in })
        let openMs = ms(since: clock)
        var ours: [(ms: Double, ids: [String])] = []
        for (filter, order) in queries {
            clock = ContinuousClock.now
            let page = try await store.searchRuns(RunSearch(experimentIDs: ["50"], filter: filter, orderBy: order, maxResults: 100))
            ours.append((ms(since: clock), page.items.map(\.info.runID)))
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: queries.map { ["filter": $0.0, "order_by": $0.1] }), as: UTF8.self)
        let theirsText = try SQLiteFixture.run(SQLiteFixture.python, ["-c", Self.mlflowTiming, "sqlite:///" + path, json],
                                               cwd: NSTemporaryDirectory())
        let theirs = try JSONSerialization.jsonObject(with: Data(theirsText.utf8)) as! [[String: Any]]
        print("SQLite store: \(Self.runs) runs, \(size / 1_000_000) MB; open + schema check \(fmt(openMs)) ms")
        for ((query, mine), mlflow) in zip(zip(queries, ours), theirs) {
            let theirMs = mlflow["ms"] as? Double ?? .nan
            print("  first page (100) filter \"\(query.0)\" order \(query.1): mltui \(fmt(mine.ms)) ms, MLflow \(fmt(theirMs)) ms (x\(fmt(theirMs / mine.ms)))")
            XCTAssertEqual(mine.ids, mlflow["ids"] as? [String], "\(query)")
        }
    }

    private func ms(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}
