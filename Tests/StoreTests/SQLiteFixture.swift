import TestSupport
import Tracking
import Foundation
import XCTest

/// A real MLflow SQLite store written by the real mlflow client, built once per test process,
/// and an oracle that asks the real MLflow (SqlAlchemyStore via MlflowClient) the same
/// questions. Replace `generator` with scripts/make_fixtures.py once it is on main: only the
/// path of mlflow.db and the artifact layout are used by the tests.
/// Removed when the test process exits.
private let fixtureDir = Locked<String?>(nil)

enum SQLiteFixture {
    static let python = RepoLayout.mlflowPythonPath

    struct Store {
        let dir: String
        /// The DB the tests read. Never written: the oracle gets its own copy.
        let db: String
        let oracleDB: String
        let ids: [String: String]   // run label -> run id, experiment label (e1..) -> experiment id, "model"
    }

    static let shared: Result<Store, Error> = Result { try make() }

    static func store() throws -> Store { try shared.get() }

    static func make() throws -> Store {
        let dir = NSTemporaryDirectory() + "mltui-sqlite-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = try run(python, ["-c", generator, dir], cwd: dir)
        let ids = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: String]
        fixtureDir.withLock { $0 = dir }
        atexit { if let dir = fixtureDir.current { try? FileManager.default.removeItem(atPath: dir) } }
        let db = dir + "/mlflow.db", oracleDB = dir + "/oracle.db"
        try FileManager.default.copyItem(atPath: db, toPath: oracleDB)
        return Store(dir: dir, db: db, oracleDB: oracleDB, ids: ids)
    }

    /// Asks the real MLflow each query (one Python process for the batch); each answer is
    /// `{"ids": [...], "token": ...}` or `{"error_code": ..., "message": ...}`.
    static func oracle(_ queries: [[String: Any]], db: String) throws -> [[String: Any]] {
        let input = try JSONSerialization.data(withJSONObject: queries)
        let path = NSTemporaryDirectory() + "mltui-oracle-\(UUID().uuidString).json"
        try input.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try run(python, ["-c", oracleScript, "sqlite:///" + db, path], cwd: NSTemporaryDirectory())
        return try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [[String: Any]]
    }

    @discardableResult
    static func run(_ exe: String, _ args: [String], cwd: String, env: [String: String] = [:]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_TRACKING_URI"] = nil
        environment["PYTHONWARNINGS"] = "ignore"
        environment.merge(env) { $1 }
        p.environment = environment
        let outPipe = Pipe()
        let errPath = NSTemporaryDirectory() + "mltui-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        p.standardOutput = outPipe
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = { (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data() }
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "fixture", code: Int(p.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "\(exe) \(args.prefix(1)) failed: \(String(decoding: errData(), as: UTF8.self).suffix(2000))"])
        }
        // Python prints the JSON answer as the last line; mlflow may log before it.
        let text = String(decoding: out, as: UTF8.self)
        return String(text.split(separator: "\n").last ?? "")
    }

    static let generator = #"""
import json, math, os, sys
os.chdir(sys.argv[1])
import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
uri = "sqlite:///" + os.path.join(sys.argv[1], "mlflow.db")
mlflow.set_tracking_uri(uri)
c = MlflowClient(uri)
ids = {}
e1 = c.create_experiment("e1", tags={"team": "ml", "nested/key": "v/1"})
e2 = c.create_experiment("ünïcode exp ✓", tags={"team": "research"})
e3 = c.create_experiment("doomed")
ids.update(e1=e1, e2=e2, e3=e3)
T = 1700000000000
def mk(label, exp, start, name=None, status="FINISHED", metrics=(), params=(), tags=(), end=True):
    r = c.create_run(exp, start_time=start, run_name=name, tags=dict(tags))
    rid = r.info.run_id
    ids[label] = rid
    if metrics or params:
        c.log_batch(rid, metrics=[Metric(k, v, T + 1000 + i, s) for i, (k, v, s) in enumerate(metrics)],
                    params=[Param(k, v) for k, v in params])
    if status != "RUNNING":
        c.set_terminated(rid, status=status, end_time=(start + 500) if end else None)
    return rid
mk("a", e1, T + 1, "alpha", metrics=[("m", 0.5, 0), ("acc", 0.9, 0)], params=[("lr", "0.01"), ("opt", "adam")], tags=[("stage", "dev")])
mk("b", e1, T + 2, "beta", metrics=[("m", 1.5, 0)], params=[("lr", "0.1")], tags=[("stage", "Dev")])
mk("c", e1, T + 3, "gamma", status="FAILED", metrics=[("m", float("nan"), 0)], params=[("lr", "0.001"), ("empty", "")], tags=[("stage", "prod")])
mk("d", e1, T + 4, "delta", status="KILLED", metrics=[("m", float("inf"), 0)], params=[("lr", "1e-3")])
mk("e", e1, T + 5, "Epsilon", status="RUNNING", metrics=[("m", float("-inf"), 0)], tags=[("stage", "dev%x")])
mk("f", e1, T + 5, "zeta", metrics=[("acc", 0.1, 0)], tags=[("stage", "d_v")])
mk("g", e1, T + 5, "eta", metrics=[("m", 0.5, 0), ("train/loss", 2.0, 0)], params=[("lr", "0.01"), ("unicode_ключ", "значение")])
mk("h", e1, T + 7, "theta", status="FAILED", metrics=[("m", 0.25, 0)], tags=[("multi", "line1\nline2"), ("key with space", "v")])
# a long history, an out-of-order latest, a nested child, a dataset, a deleted run
hist = mk("hist", e1, T + 8, "history", metrics=[("loss", 1.0 / (s + 1), s) for s in range(120)] + [("late", 5.0, 3), ("late", 9.0, 1), ("late", float("nan"), 4)])
child = mk("child", e1, T + 9, "child", tags=[("mlflow.parentRunId", hist)], metrics=[("m", 3.0, 0)])
import pandas as pd
ds = mlflow.data.from_pandas(pd.DataFrame({"x": [1, 2, 3], "y": [4, 5, 6]}), name="mydata")
ds2 = mlflow.data.from_pandas(pd.DataFrame({"z": [1.0]}), name="evalset")
with mlflow.start_run(run_id=ids["a"]):
    mlflow.log_input(ds, context="training")
    mlflow.log_input(ds2, context="eval")
    mlflow.log_text("hello", "dir/hello.txt")
    mlflow.log_text("x" * 5000, "dir/sub/big.txt")
    mlflow.log_text("top", "top.txt")
with mlflow.start_run(run_id=ids["b"]):
    mlflow.log_input(ds, context="eval")
    model = mlflow.create_external_model(name="ext")
    from mlflow.entities import LoggedModelOutput
    c.log_outputs(ids["b"], [LoggedModelOutput(model.model_id, 3)])
    ids["model"] = model.model_id
c.set_terminated(ids["a"], "FINISHED", end_time=T + 501)
c.set_terminated(ids["b"], "FINISHED", end_time=T + 502)
gone = mk("gone", e1, T + 10, "gone", metrics=[("m", 0.1, 0)])
c.delete_run(gone)
mk("u1", e2, T + 11, "ünï run", params=[("p", "ü")], metrics=[("m", 2.0, 0)])
mk("x1", e3, T + 12, "in doomed exp", metrics=[("m", 7.0, 0)])
c.delete_experiment(e3)
print(json.dumps(ids))
"""#

    static let oracleScript = #"""
import json, math, sys
from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException
c = MlflowClient(sys.argv[1])
out = []
for q in json.load(open(sys.argv[2])):
    try:
        view = ViewType.from_string(q.get("view", "ACTIVE_ONLY").lower())
        if q["kind"] in ("runs", "experiments"):
            # With "follow", every page until the last: {"pages": [{"ids", "token"}, ...]}.
            pages, token = [], q.get("page_token")
            while True:
                if q["kind"] == "runs":
                    page = c.search_runs(q["experiment_ids"], q.get("filter", ""), view, q.get("max_results", 1000),
                                         q.get("order_by", []), token)
                    pages.append({"ids": [r.info.run_id for r in page], "token": page.token})
                else:
                    page = c.search_experiments(view, q.get("max_results", 1000), q.get("filter", ""),
                                                q.get("order_by", []), token)
                    pages.append({"ids": [e.experiment_id for e in page], "token": page.token})
                token = page.token
                if not q.get("follow") or not token or len(pages) > 100:
                    break
            out.append({"pages": pages} if q.get("follow") else pages[0])
        elif q["kind"] == "history":
            page = c._tracking_client.store.get_metric_history(q["run_id"], q["key"], q.get("max_results"), q.get("page_token"))
            out.append({"ids": [[m.step, m.timestamp, "NaN" if math.isnan(m.value) else repr(m.value)] for m in page], "token": page.token})
        elif q["kind"] == "run":
            r = c.get_run(q["id"])
            i = r.info
            out.append({"info": [i.run_id, i.experiment_id, i.run_name, i.user_id, i.status, i.start_time, i.end_time,
                                 i.artifact_uri, i.lifecycle_stage],
                        "metrics": [[m.key, "NaN" if math.isnan(m.value) else repr(m.value), m.timestamp, m.step]
                                    for m in r.data._metric_objs],
                        "params": [[k, v] for k, v in r.data.params.items()],
                        "tags": [[k, v] for k, v in r.data.tags.items()],
                        "datasets": [[d.dataset.name, d.dataset.digest, d.dataset.source_type, d.dataset.source,
                                      d.dataset.schema, d.dataset.profile, [[t.key, t.value] for t in d.tags]]
                                     for d in r.inputs.dataset_inputs],
                        "outputs": [[o.model_id, o.step] for o in r.outputs.model_outputs]})
        elif q["kind"] == "experiment":
            e = c.get_experiment(q["id"])
            out.append({"ids": [e.experiment_id], "token": None})
    except MlflowException as e:
        out.append({"error_code": e.error_code, "message": e.message})
print(json.dumps(out, default=lambda b: b.decode()))
"""#
}
