import TestSupport
import Foundation
import XCTest

/// Scripts run with the real MLflow client from the project's venv (the server itself is
/// TestSupport's `MLflowServer`).
enum MLflowScripts {
    /// Runs the venv's python on a script with arguments; fails with its output when it fails.
    static func python(_ script: String, _ arguments: [String], directory: URL, environment: [String: String] = [:]) throws {
        let file = directory.appendingPathComponent("script-\(UUID().uuidString.prefix(6)).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = try RepoLayout.mlflowPython()
        process.arguments = [file.path] + arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw MLflowScriptError(output: text) }
    }
}

struct MLflowScriptError: Error, CustomStringConvertible {
    var output: String
    var description: String { "python script failed:\n\(output.suffix(3000))" }
}

/// Writes a small store with the real MLflow client: unicode names, tags with slashes, nested
/// and deleted runs, a deleted experiment, NaN and infinite metrics, a history long enough to
/// page, empty and long params, multi-line tags, nested artifacts and a 700 KB binary artifact.
let populateScript = #"""
import math, os, sys
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

uri, scratch = sys.argv[1], sys.argv[2]
c = MlflowClient(uri)
BASE = 1735689600000
e1 = c.create_experiment("rest-exp", tags={"team": "ml", "nested/key": "v/1"})
e2 = c.create_experiment("\u00e9moji \U0001F680 \u65e5\u672c\u8a9e")
e3 = c.create_experiment("doomed")
statuses = ["FINISHED", "FAILED", "KILLED", "FINISHED", "RUNNING"]
ids = []
for i in range(5):
    r = c.create_run(e1, run_name=f"run-{i}", start_time=BASE + i * 60000,
                     tags={"mlflow.user": "alice" if i % 2 else "bob", "note": "line1\nline2"})
    rid = r.info.run_id
    ids.append(rid)
    c.log_batch(rid, metrics=[Metric("train/loss", 1.0 / (s + 1 + i), BASE + s, s) for s in range(20)]
                + [Metric("acc", 0.5 + i / 10, BASE, 0)],
                params=[Param("lr", str(0.1 * i)), Param("empty", ""), Param("long", "x" * 5000)],
                tags=[RunTag("with space/and slash", "v")])
    if statuses[i] != "RUNNING":
        c.set_terminated(rid, status=statuses[i], end_time=BASE + i * 60000 + 42000)
child = c.create_run(e1, run_name="child", start_time=BASE + 999, tags={"mlflow.parentRunId": ids[0]})
c.log_metric(child.info.run_id, "weird", float("nan"), timestamp=BASE, step=0)
c.log_metric(child.info.run_id, "weird", float("inf"), timestamp=BASE + 1, step=1)
c.log_metric(child.info.run_id, "weird", float("-inf"), timestamp=BASE + 2, step=2)
for start in range(0, 2500, 1000):
    c.log_batch(ids[1], metrics=[Metric("long", math.sin(s), BASE + s, s) for s in range(start, min(start + 1000, 2500))])
c.set_terminated(child.info.run_id, end_time=BASE + 5000)
deleted = c.create_run(e2, run_name="gone", start_time=BASE)
c.delete_run(deleted.info.run_id)
c.create_run(e2, run_name="\u043f\u0440\u0438\u0432\u0435\u0442", start_time=BASE + 1)
c.create_run(e3, run_name="in-doomed", start_time=BASE)
c.delete_experiment(e3)

files = os.path.join(scratch, "artifact-src")
os.makedirs(os.path.join(files, "a", "b"), exist_ok=True)
with open(os.path.join(files, "hello.txt"), "w") as f: f.write("hello, artifacts\n")
with open(os.path.join(files, "a", "b", "deep.txt"), "w") as f: f.write("deep\n")
with open(os.path.join(files, "a", "n\u00e4me with space.txt"), "w") as f: f.write("unicode\n")
with open(os.path.join(files, "big.bin"), "wb") as f: f.write(bytes((i * 7) % 251 for i in range(700_000)))
c.log_artifacts(ids[0], files)
"""#
