import Foundation
import XCTest
import Tracking
import TestSupport
@testable import FileStore
@testable import SQLStore

/// The local stores' set-wise best-of summaries (`metricSummaries`) against the answer read
/// through their own histories (the protocol's default) and against the real MLflow client's
/// `get_metric_history`, on the analysis fixture in both formats.
final class MetricSummaryStoreTests: XCTestCase {
    static let keys = ["loss", "val_loss", "f1", "only_nan", "acc", "no_such_metric"]
    static let steps: Set<Int64> = [0, 10, 20, 99]

    /// Per run of experiment "sweep" and key, the summary MLflow's history gives: min and max
    /// skipping NaN (NaN when every point is), per step the point `Metric` ordering calls
    /// latest (greatest timestamp, then value with NaN as 0). Floats as repr: exact, NaN and
    /// ±inf included.
    static let oracle = #"""
import json, math, sys, warnings
warnings.filterwarnings("ignore")
from mlflow.tracking import MlflowClient
client = MlflowClient(sys.argv[1])
keys, steps = json.loads(sys.argv[2]), json.loads(sys.argv[3])
exp = client.get_experiment_by_name("sweep").experiment_id
out = {}
for run in client.search_runs([exp], max_results=1000):
    rid = run.info.run_id
    out[rid] = {}
    for key in keys:
        history = client.get_metric_history(rid, key)
        if not history:
            continue
        values = [m.value for m in history if not math.isnan(m.value)]
        at = {}
        for s in steps:
            points = [m for m in history if m.step == s]
            if points:
                best = max(points, key=lambda m: (m.timestamp, 0.0 if math.isnan(m.value) else m.value))
                at[str(s)] = repr(best.value)
        out[rid][key] = {"min": repr(min(values)) if values else "nan", "max": repr(max(values)) if values else "nan", "at": at}
print(json.dumps(out))
"""#

    /// run id -> key -> summary, from MLflow.
    private func mlflowSummaries(_ uri: String) throws -> [String: [String: MetricSummary]] {
        let keys = String(decoding: try JSONEncoder().encode(Self.keys), as: UTF8.self)
        let steps = String(decoding: try JSONEncoder().encode(Self.steps.sorted()), as: UTF8.self)
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), ["-c", Self.oracle, uri, keys, steps],
                                           environment: ProcessInfo.processInfo.environment.merging(["MLFLOW_ALLOW_FILE_STORE": "true"]) { $1 })
        XCTAssertEqual(result.status, 0, result.stderrText)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String: [String: Any]]])
        func number(_ any: Any?) throws -> Double { try XCTUnwrap((any as? String).flatMap(Double.init), "\(String(describing: any))") }
        return try json.mapValues { keys in
            try keys.mapValues { s in
                let at = try XCTUnwrap(s["at"] as? [String: String])
                return MetricSummary(min: try number(s["min"]), max: try number(s["max"]),
                                     atStep: Dictionary(uniqueKeysWithValues: try at.map { (try XCTUnwrap(Int64($0.key)), try number($0.value)) }))
            }
        }
    }

    /// Every key's summaries over all of sweep's runs equal the history-based answer and MLflow's.
    private func checkAgainstHistoriesAndMLflow(_ store: some TrackingStore, uri: String) async throws {
        let expected = try mlflowSummaries(uri)
        let runIDs = expected.keys.sorted()
        XCTAssertEqual(runIDs.count, 30)
        var sawNaN = false, sawAtStep = false, sawInfinite = false
        for key in Self.keys {
            let fast = try await store.metricSummaries(runIDs: runIDs, key: key, steps: Self.steps)
            let slow = try await store.summariesFromHistories(runIDs: runIDs, key: key, steps: Self.steps, concurrency: 8)
            let oracle = expected.compactMapValues { $0[key] }
            XCTAssertEqual(fast, slow, "\(key): store summaries vs its histories")
            XCTAssertEqual(fast, oracle, "\(key): store summaries vs MLflow's get_metric_history")
            // A few runs at a time (the rows on screen), which SQLite reads by another plan.
            var few: [String: MetricSummary] = [:]
            for start in stride(from: 0, to: runIDs.count, by: 4) {
                let slice = Array(runIDs[start..<min(start + 4, runIDs.count)])
                few.merge(try await store.metricSummaries(runIDs: slice, key: key, steps: Self.steps)) { $1 }
            }
            XCTAssertEqual(few, fast, "\(key): asked four runs at a time")
            sawNaN = sawNaN || fast.values.contains { $0.min?.isNaN == true }
            sawAtStep = sawAtStep || fast.values.contains { $0.atStep.count == 3 }
            sawInfinite = sawInfinite || fast.values.contains { abs($0.max ?? 0) >= .greatestFiniteMagnitude || abs($0.min ?? 0) >= .greatestFiniteMagnitude }
        }
        XCTAssertTrue(sawNaN && sawAtStep && sawInfinite, "the fixture covers all-NaN histories, values at steps and ±inf")
        // Repeated and unknown ids: each known run once, unknown ones left out; asked again
        // (from the cache, for the file store) the same.
        let loss = try await store.metricSummaries(runIDs: runIDs, key: "loss", steps: Self.steps)
        let again = try await store.metricSummaries(runIDs: runIDs + runIDs.prefix(3) + ["0123456789abcdef0123456789abcdef"],
                                                    key: "loss", steps: Self.steps)
        XCTAssertEqual(again, loss)
        let fewerSteps = try await store.metricSummaries(runIDs: runIDs, key: "loss", steps: [10])
        XCTAssertEqual(fewerSteps, loss.mapValues { MetricSummary(min: $0.min, max: $0.max, atStep: $0.atStep.filter { $0.key == 10 }) })
    }

    func testSQLiteSummariesEqualHistoriesAndMLflow() async throws {
        let stores = try FixtureStores.analysis()
        let store = try SQLTrackingStore(path: stores.sqliteDatabase.path, warn: { XCTFail("unexpected warning: \($0)") })
        try await checkAgainstHistoriesAndMLflow(store, uri: stores.sqliteURI)
    }

    /// A search that asks for run infos only (`RunSearch.withData == false`, what `mltui runs`
    /// sends for attribute and best-of columns) gives the same runs, in the same order and pages,
    /// with the same infos and no data; the page cache keeps the two apart.
    func testSQLiteSearchWithoutDataKeepsRunsAndOrder() async throws {
        let stores = try FixtureStores.analysis()
        let store = try SQLTrackingStore(path: stores.sqliteDatabase.path, warn: { XCTFail("unexpected warning: \($0)") })
        let sweep = try await store.getExperimentByName("sweep").experimentID
        var request = RunSearch(experimentIDs: [sweep], filter: "metrics.f1 > 0.5", orderBy: ["metrics.f1 DESC"], maxResults: 7)
        let full = try await store.allRuns(request)
        request.withData = false
        let bare = try await store.allRuns(request)
        XCTAssertGreaterThan(full.count, 7, "several pages")
        XCTAssertEqual(bare.map(\.info), full.map(\.info))
        XCTAssertTrue(bare.allSatisfy { $0.data.metrics.isEmpty && $0.data.params.isEmpty && $0.data.tags.isEmpty })
        request.withData = true
        let again = try await store.allRuns(request)
        XCTAssertEqual(again.map(\.data), full.map(\.data), "the cached infos-only pages are not served for a full search")
    }

    func testFileStoreSummariesEqualHistoriesAndMLflow() async throws {
        let stores = try FixtureStores.analysis()
        let store = try FileStore(root: stores.fileStore.path, warn: { XCTFail("unexpected warning: \($0)") })
        try await checkAgainstHistoriesAndMLflow(store, uri: stores.fileStore.path)
    }

    /// The file store keeps each file's summary while its stamp holds, and notices a point the
    /// real client appends.
    func testFileStoreCacheNoticesAnAppendedPoint() async throws {
        let dir = NSTemporaryDirectory() + "mltui-summaries-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/mlruns"
        try FileManager.default.copyItem(atPath: try FixtureStores.analysis().fileStore.path, toPath: root)
        // Files written a while ago: settled, so what is read from them is kept.
        let touch = try CommandRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "find '\(root)' -exec touch -d '-1 hour' {} +"])
        XCTAssertEqual(touch.status, 0, touch.stderrText)

        let store = try FileStore(root: root, warn: { _ in })
        let sweep = try await store.getExperimentByName("sweep")
        let runs = try await store.searchRuns(RunSearch(experimentIDs: [sweep.experimentID], maxResults: 1000)).items
        let runIDs = runs.map(\.info.runID)
        let first = try await store.metricSummaries(runIDs: runIDs, key: "loss", steps: [20])
        XCTAssertEqual(store.cachedSummaryCount, first.count)
        let second = try await store.metricSummaries(runIDs: runIDs, key: "loss", steps: [20])
        XCTAssertEqual(second, first)

        let target = try XCTUnwrap(runIDs.first)
        let oldMax = try XCTUnwrap(first[target]?.max)
        let newMax = oldMax + 100
        let append = try CommandRunner.run(try RepoLayout.mlflowPython(), ["-c", """
            import sys; from mlflow.tracking import MlflowClient
            MlflowClient(sys.argv[1]).log_metric(sys.argv[2], "loss", float(sys.argv[3]), step=20)
            """, root, target, String(newMax)], environment: ProcessInfo.processInfo.environment.merging(["MLFLOW_ALLOW_FILE_STORE": "true"]) { $1 })
        XCTAssertEqual(append.status, 0, append.stderrText)

        let after = try await store.metricSummaries(runIDs: runIDs, key: "loss", steps: [20])
        XCTAssertEqual(after[target]?.max, newMax)
        // The appended point is the latest at step 20 (its timestamp is now).
        XCTAssertEqual(after[target]?.atStep[20], newMax)
        XCTAssertEqual(after.filter { $0.key != target }, first.filter { $0.key != target })
        let history = try await store.summariesFromHistories(runIDs: runIDs, key: "loss", steps: [20], concurrency: 8)
        XCTAssertEqual(after, history)
    }
}
