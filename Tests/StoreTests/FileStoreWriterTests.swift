import Foundation
import XCTest
import Backends
import TestSupport
import Tracking
@testable import FileStore

/// The file store's writes against the real MLflow 3.17.2: the same operations written by the
/// real client into one fresh store and through `FileStore` into another must read back equal
/// through MLflow itself (scripts/mlflow_dump_store.py), with the same files, keys and
/// meta.yaml bytes (Scripts/store_shape.py), and refusals must carry MLflow's code and message.
final class FileStoreWriterTests: XCTestCase {
    static let longName = String(repeating: "a long experiment name ", count: 4) + "with: colons, #hashes and ünïcødé"
    static let oddValue = "line one\nline two\ttabbed " + String(repeating: "word ", count: 30) + "ünïcødé 🚀"

    func script(_ name: String) -> String { MLflowPython.scripts.appendingPathComponent(name).path }

    func newStore(_ name: String) throws -> (path: String, store: FileStore) {
        let path = try temporaryDirectory(name) + "/mlruns"
        let writer = try openWriter(.fileStore(path: path), opening: .createIfMissing, warn: { _ in })
        return (path, try XCTUnwrap(writer as? FileStore))
    }

    /// Scripts/write_ops.py, step for step.
    func performOperations(_ s: FileStore) async throws {
        let a = try await s.createExperiment(name: "exp-a", artifactLocation: nil, tags: [Tag("team", "x"), Tag("odd", Self.oddValue)])
        let b = try await s.createExperiment(name: Self.longName, artifactLocation: nil, tags: [])
        let gone = try await s.createExperiment(name: "exp-gone", artifactLocation: "s3://bucket/somewhere", tags: [])
        try await s.setExperimentTag(experimentID: a, key: "k2", value: "v2")
        try await s.deleteExperimentTag(experimentID: a, key: "team")
        try await s.setExperimentTag(experimentID: a, key: "team", value: "y")
        try await s.renameExperiment(id: b, newName: "yes")

        let r1 = try await s.createRun(RunCreation(experimentID: a, userID: "someone", startTime: 1000,
                                                   tags: [Tag("k", "v"), Tag("mlflow.user", "someone")], runName: "first: run")).info.runID
        try await s.logBatch(runID: r1, metrics: [
            Metric(key: "loss", value: 1.5, timestamp: 1001, step: 0), Metric(key: "loss", value: .nan, timestamp: 1002, step: 1),
            Metric(key: "loss", value: .infinity, timestamp: 1003, step: 2), Metric(key: "acc", value: 1e-05, timestamp: 1004, step: 0),
            Metric(key: "acc", value: 123456789.125, timestamp: 1005, step: 1),
        ], params: [Param("lr", "0.1"), Param("odd", Self.oddValue)], tags: [Tag("t1", "1"), Tag("yes", "no")])
        try await s.logParam(runID: r1, param: Param("lr", "0.1"))
        try await s.logParam(runID: r1, param: Param("batch", "32"))
        try await s.setTag(runID: r1, tag: Tag("gone", "soon"))
        try await s.deleteTag(runID: r1, key: "gone")
        try await s.logMetric(runID: r1, metric: Metric(key: "loss", value: -0.0, timestamp: 1006, step: 3))
        let dataset = Dataset(name: "train data", digest: "abc123", sourceType: "local", source: "{\"uri\": \"/data/a file.csv\"}",
                              schema: "{\"cols\": [\"x\"]}", profile: nil)
        try await s.logInputs(runID: r1, datasets: [DatasetInput(tags: [Tag("mlflow.data.context", "training")], dataset: dataset)], models: [])
        try await s.logBatch(runID: r1, metrics: [Metric(key: "eval", value: 0.5, timestamp: 1007, step: 0,
                                                          datasetName: "train-data", datasetDigest: "abc123")], params: [], tags: [])
        // `update_run(status=)` keeps the end time; `set_terminated` sets it.
        _ = try await s.updateRun(id: r1, status: .finished, endTime: nil, runName: nil)
        _ = try await s.updateRun(id: r1, status: .finished, endTime: 2000, runName: nil)

        let model = try await s.createLoggedModel(LoggedModelCreation(
            experimentID: a, name: "my-model", sourceRunID: r1, tags: [Tag("flavor", "sklearn"), Tag("drop", "me")],
            params: [Param("alpha", "0.5")], modelType: "classifier"))
        let mid = model.modelID
        try await s.logLoggedModelParams(id: mid, params: [Param("beta", "2")])
        try await s.setLoggedModelTags(id: mid, tags: [Tag("stage", "dev")])
        try await s.deleteLoggedModelTag(id: mid, key: "drop")
        _ = try await s.finalizeLoggedModel(id: mid, status: .ready)
        let r2 = try await s.createRun(RunCreation(experimentID: a, userID: "unknown", startTime: 3000)).info.runID
        try await s.logMetric(runID: r2, metric: Metric(key: "score", value: 0.75, timestamp: 3001, step: 4, modelID: mid))
        try await s.logOutputs(runID: r2, models: [ModelIO(modelID: mid, step: 4)])
        try await s.logInputs(runID: r2, datasets: [], models: [ModelIO(modelID: mid)])
        try await s.setTag(runID: r2, tag: Tag("mlflow.runName", "renamed"))
        try await s.setTag(runID: r2, tag: Tag("mlflow.parentRunId", r1))

        let r3 = try await s.createRun(RunCreation(experimentID: a, userID: "unknown", startTime: 4000, runName: "deleted one")).info.runID
        try await s.deleteRun(id: r3)
        let r4 = try await s.createRun(RunCreation(experimentID: a, userID: "unknown", startTime: 5000, runName: "restored")).info.runID
        try await s.deleteRun(id: r4)
        try await s.restoreRun(id: r4)
        _ = try await s.updateRun(id: r4, status: .killed, endTime: nil, runName: "killed")

        let r5 = try await s.createRun(RunCreation(experimentID: gone, userID: "unknown", startTime: 6000, runName: "in gone")).info.runID
        try await s.logParam(runID: r5, param: Param("p", "1"))
        try await s.deleteExperiment(id: gone)
        let back = try await s.createExperiment(name: "exp-back", artifactLocation: nil, tags: [])
        _ = try await s.createRun(RunCreation(experimentID: back, userID: "unknown", startTime: 7000, runName: "comes back"))
        try await s.deleteExperiment(id: back)
        try await s.restoreExperiment(id: back)
    }

    func testWritesReadBackByMLflowAsMLflowWroteThem() async throws {
        let theirs = try temporaryDirectory("fsw-mlflow") + "/mlruns"
        _ = try MLflowPython.run(script("write_ops.py"), [theirs])
        let (ours, store) = try newStore("fsw-mltui")
        try await performOperations(store)

        let expected = try StoreDump.text(uri: theirs)
        let actual = try StoreDump.text(uri: ours)
        XCTAssertEqual(actual, expected, "MLflow reads the store mltui wrote differently from the one it wrote itself")
        let expectedShape = String(decoding: try MLflowPython.run(script("store_shape.py"), [theirs]), as: UTF8.self)
        let actualShape = String(decoding: try MLflowPython.run(script("store_shape.py"), [ours]), as: UTF8.self)
        XCTAssertEqual(actualShape, expectedShape, "files, meta.yaml keys or bytes differ")
        XCTAssertFalse(actualShape.contains("NOT AS MLFLOW WRITES IT"))
        XCTAssertFalse(actualShape.contains(".mltui-tmp"), "a temporary file was left behind")

        // What this same object read before the writes is not served stale after them.
        let runs = try await store.searchRuns(RunSearch(experimentIDs: [try await store.getExperimentByName("exp-a").experimentID],
                                                        viewType: .all, maxResults: 100))
        XCTAssertEqual(Set(runs.items.map(\.info.runName)), ["first: run", "renamed", "deleted one", "killed"])
    }

    func testReadsAfterWritesAreFresh() async throws {
        let (path, store) = try newStore("fsw-fresh")
        let cache = try temporaryDirectory("fsw-cache")
        let reader = try FileStore(root: path, warn: { _ in }, cacheDirectory: cache)
        let run = try await store.createRun(RunCreation(experimentID: "0", startTime: 1, runName: "before"))
        let id = run.info.runID
        let page = { try await reader.searchRuns(RunSearch(experimentIDs: ["0"], viewType: .activeOnly, maxResults: 10)).items }
        var names = try await page().map(\.info.runName)
        XCTAssertEqual(names, ["before"])
        try await store.setTag(runID: id, tag: Tag("mlflow.runName", "after"))
        try await store.logBatch(runID: id, metrics: [Metric(key: "m", value: 2, timestamp: 5, step: 1)], params: [Param("p", "v")], tags: [Tag("t", "1")])
        let fresh = try await reader.getRun(id: id)
        XCTAssertEqual(fresh.info.runName, "after")
        XCTAssertEqual(fresh.data.params, [Param("p", "v")])
        XCTAssertEqual(fresh.data.metrics.map(\.value), [2])
        names = try await page().map(\.info.runName)
        XCTAssertEqual(names, ["after"])
        try await store.deleteRun(id: id)
        names = try await page().map(\.info.runName)
        XCTAssertEqual(names, [])
        let again = try FileStore(root: path, warn: { _ in }, cacheDirectory: cache)
        let stage = try await again.getRun(id: id).info.lifecycleStage
        XCTAssertEqual(stage, .deleted)
    }

    func testNewStoreIsWhatMLflowCreates() async throws {
        let theirs = try temporaryDirectory("fsw-new-mlflow") + "/mlruns"
        _ = try MLflowPython.run("-c", ["import sys; from mlflow.tracking import MlflowClient; MlflowClient(tracking_uri=sys.argv[1]).search_experiments()", theirs])
        let (ours, _) = try newStore("fsw-new-mltui")
        XCTAssertEqual(try StoreDump.text(uri: ours), try StoreDump.text(uri: theirs))
        XCTAssertEqual(String(decoding: try MLflowPython.run(script("store_shape.py"), [ours]), as: UTF8.self),
                       String(decoding: try MLflowPython.run(script("store_shape.py"), [theirs]), as: UTF8.self))
        XCTAssertThrowsError(try openWriter(.fileStore(path: ours + "-missing"), opening: .existing, warn: { _ in }))
    }

    func testErrorsAsMLflowRaisesThem() async throws {
        let expected = try XCTUnwrap(try MLflowPython.json(script("write_errors.py"), [try temporaryDirectory("fsw-err-mlflow") + "/mlruns"]) as? [String: [String: String]])
        let (_, s) = try newStore("fsw-err-mltui")
        let e1 = try await s.createExperiment(name: "e1", artifactLocation: nil, tags: [])
        _ = try await s.createExperiment(name: "e2", artifactLocation: nil, tags: [])
        let g = try await s.createExperiment(name: "g", artifactLocation: nil, tags: [])
        let r = try await s.createRun(RunCreation(experimentID: e1, userID: "u", startTime: 1, runName: "r")).info.runID
        try await s.logParam(runID: r, param: Param("lr", "0.1"))
        let d = try await s.createRun(RunCreation(experimentID: e1, userID: "u", startTime: 2, runName: "d")).info.runID
        try await s.deleteRun(id: d)
        try await s.deleteExperiment(id: g)
        let m = try await s.createLoggedModel(LoggedModelCreation(experimentID: e1, name: "m")).modelID
        let missingRun = "0123456789abcdef0123456789abcdef", missingModel = "m-0123456789abcdef0123456789abcdef"
        let cases: [(String, () async throws -> Void)] = [
            ("param change", { try await s.logParam(runID: r, param: Param("lr", "0.2")) }),
            ("param change in batch", { try await s.logBatch(runID: r, metrics: [], params: [Param("lr", "0.3")], tags: []) }),
            ("tag on deleted run", { try await s.setTag(runID: d, tag: Tag("k", "v")) }),
            ("metric on deleted run", { try await s.logMetric(runID: d, metric: Metric(key: "m", value: 1, timestamp: 1, step: 0)) }),
            ("batch on deleted run", { try await s.logBatch(runID: d, metrics: [Metric(key: "m", value: 1, timestamp: 1, step: 0)], params: [], tags: []) }),
            ("update deleted run", { _ = try await s.updateRun(id: d, status: nil, endTime: 5, runName: nil) }),
            ("run in deleted experiment", { _ = try await s.createRun(RunCreation(experimentID: g, userID: "u", startTime: 3, runName: "x")) }),
            ("run in missing experiment", { _ = try await s.createRun(RunCreation(experimentID: "12345", userID: "u", startTime: 3, runName: "x")) }),
            ("run name conflict", { _ = try await s.createRun(RunCreation(experimentID: e1, userID: "u", startTime: 3, tags: [Tag("mlflow.runName", "a")], runName: "b")) }),
            ("delete default experiment", { try await s.deleteExperiment(id: "0") }),
            ("delete missing experiment", { try await s.deleteExperiment(id: "12345") }),
            ("delete deleted experiment", { try await s.deleteExperiment(id: g) }),
            ("restore active experiment", { try await s.restoreExperiment(id: e1) }),
            ("rename to existing name", { try await s.renameExperiment(id: e1, newName: "e2") }),
            ("rename deleted experiment", { try await s.renameExperiment(id: g, newName: "g2") }),
            ("rename to deleted name", { try await s.renameExperiment(id: e1, newName: "g") }),
            ("duplicate experiment", { _ = try await s.createExperiment(name: "e1", artifactLocation: nil, tags: []) }),
            ("name of deleted experiment", { _ = try await s.createExperiment(name: "g", artifactLocation: nil, tags: []) }),
            ("tag on deleted experiment", { try await s.setExperimentTag(experimentID: g, key: "k", value: "v") }),
            ("delete missing run tag", { try await s.deleteTag(runID: r, key: "nope") }),
            ("delete missing experiment tag", { try await s.deleteExperimentTag(experimentID: e1, key: "nope") }),
            ("delete missing model tag", { try await s.deleteLoggedModelTag(id: m, key: "nope") }),
            ("missing model", { _ = try await s.getLoggedModel(id: missingModel) }),
            ("tags of missing model", { try await s.setLoggedModelTags(id: missingModel, tags: [Tag("k", "v")]) }),
            ("model in deleted experiment", { _ = try await s.createLoggedModel(LoggedModelCreation(experimentID: g, name: "x")) }),
            ("missing run", { _ = try await s.getRun(id: missingRun) }),
            ("delete missing run", { try await s.deleteRun(id: missingRun) }),
            ("tag on missing run", { try await s.setTag(runID: missingRun, tag: Tag("k", "v")) }),
        ]
        XCTAssertEqual(Set(cases.map(\.0)), Set(expected.keys), "keep the cases in step with write_errors.py")
        let ids = [r: "<r>", d: "<d>", e1: "<e1>", g: "<g>", m: "<m>"]
        for (name, call) in cases {
            var outcome = ["code": "OK", "message": ""]
            do { try await call() } catch let error as MLflowError {
                var message = error.message
                for (raw, placeholder) in ids { message = message.replacingOccurrences(of: raw, with: placeholder) }
                outcome = ["code": error.code.rawValue, "message": message]
            }
            XCTAssertEqual(outcome, expected[name], name)
        }
    }

    /// mltui and the real MLflow client log different runs of one experiment at the same time:
    /// every run and every point of both is there afterwards, as MLflow reads it.
    func testConcurrentWritersLoseNothing() async throws {
        let (path, store) = try newStore("fsw-concurrent")
        let experiment = try await store.createExperiment(name: "shared", artifactLocation: nil, tags: [])
        let runs = 3, batches = 40
        let writer = script("concurrent_writer.py")
        async let python = BlockingWork.run {
            try MLflowPython.run(writer, [path, experiment, String(runs), String(batches)])
        }
        for r in 0..<runs {
            let id = try await store.createRun(RunCreation(experimentID: experiment, startTime: 1, runName: "mltui-\(r)")).info.runID
            for b in 0..<batches {
                let metrics = (0..<10).map { i in Metric(key: "m", value: Double(b * 10 + i), timestamp: Int64(b * 10 + i), step: Int64(b * 10 + i)) }
                try await store.logBatch(runID: id, metrics: metrics, params: [Param("p\(b)", "\(b)")], tags: [Tag("t\(b)", "\(b)")])
            }
            _ = try await store.updateRun(id: id, status: .finished, endTime: 2, runName: nil)
        }
        _ = try await python
        let dump = try StoreDump.json(uri: path)
        let shared = try XCTUnwrap(dump["experiments"]?.arrayValue?.first { $0["name"]?.stringValue == "shared" })
        let all = try XCTUnwrap(shared["runs"]?.arrayValue)
        XCTAssertEqual(all.count, 2 * runs)
        for run in all {
            let name = run["run_name"]?.stringValue ?? ""
            XCTAssertEqual(run["metric_history"]?["m"]?.arrayValue?.count, batches * 10, name)
            XCTAssertEqual(run["status"]?.stringValue, "FINISHED", name)
            guard case .object(let params)? = run["params"], case .object(let tags)? = run["tags"] else {
                return XCTFail("no params or tags in \(name)")
            }
            XCTAssertEqual(params.count, batches, name)
            XCTAssertEqual(tags.keys.filter { $0.hasPrefix("t") }.count, batches, name)
        }
    }

    /// The emitter writes what PyYAML's libyaml dumper writes, byte for byte, for strings that
    /// need every quoting style and line folding.
    func testMetaYAMLBytesAsPyYAMLWritesThem() throws {
        let cases = try XCTUnwrap(try MLflowPython.json(script("yaml_emit_cases.py"), []) as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 600)
        var failures = 0
        for c in cases {
            let data = try XCTUnwrap(c["data"] as? [String: Any])
            var mapping: [String: YAMLValue] = [:]
            for (key, value) in data {
                switch value {
                case let text as String: mapping[key] = .string(text)
                case let map as [String: String]: mapping[key] = .mapping(map.mapValues(YAMLValue.string))
                case let map as [String: Any] where map.isEmpty: mapping[key] = .mapping([:])
                case let list as [Any] where list.isEmpty: mapping[key] = .emptyList
                case let number as NSNumber: mapping[key] = .int(number.int64Value)
                default: mapping[key] = .null
                }
            }
            let expected = try XCTUnwrap(c["yaml"] as? String)
            let actual = YAMLEmitter.document(mapping)
            if actual != expected {
                failures += 1
                if failures <= 5 { XCTFail("expected:\n\(expected)\nactual:\n\(actual)") }
            }
        }
        XCTAssertEqual(failures, 0)
    }
}
