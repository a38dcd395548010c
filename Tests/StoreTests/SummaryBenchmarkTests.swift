import Foundation
import XCTest
import Analysis
import FileStore
import SQLStore
import Tracking

/// A benchmark, not a test of speed: on a store of scripts/bench_core.py (10,000 runs, 10
/// metrics x 10 steps), the in-process time of what `mltui runs --columns 'max(metrics.K)'` and
/// `--group-by A --group-by B` do: load the experiment's runs, summarise one metric's histories,
/// write the frame. Prints one JSON line for scripts/bench_analysis.py; checks only that the
/// summaries equal the ones read through each history. Run with
/// `MLTUI_BENCH_SUMMARIES=bench-out/store-10000-v1 swift test --filter SummaryBenchmarkTests`.
final class SummaryBenchmarkTests: XCTestCase {
    func testBestOfColumnAndGroupingOnBenchStore() async throws {
        guard let store = ProcessInfo.processInfo.environment["MLTUI_BENCH_SUMMARIES"] else {
            throw XCTSkip("benchmark; set MLTUI_BENCH_SUMMARIES=<bench store folder> to run")
        }
        let key = ProcessInfo.processInfo.environment["MLTUI_BENCH_KEY"] ?? "m1"
        let root = URL(fileURLWithPath: store).standardizedFileURL.path
        var figures: [String: [String: Double]] = [:]
        figures["sqlite"] = try await measure(try SQLTrackingStore(path: root + "/sqlite/mlflow.db", warn: { _ in }), key: key)
        figures["file"] = try await measure(try FileStore(root: root + "/fs/mlruns", warn: { _ in }), key: key)
        let line = String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys]), as: UTF8.self)
        print("SUMMARY-BENCH " + line)
    }

    private func seconds<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try await body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    private func measure(_ store: some TrackingStore, key: String) async throws -> [String: Double] {
        let experiment = try await store.searchExperiments(ExperimentSearch(maxResults: 1000)).items
            .first { $0.name == "bench" }
        let id = try XCTUnwrap(experiment?.experimentID, "no experiment 'bench' in the store")
        let (runs, load) = try await seconds {
            try await store.searchRuns(RunSearch(experimentIDs: [id], maxResults: RunSearch.maxResultsLimit)).items
        }
        let ids = runs.map(\.info.runID)
        let (summaries, summarise) = try await seconds { try await store.metricSummaries(runIDs: ids, key: key, steps: []) }
        let (_, again) = try await seconds { try await store.metricSummaries(runIDs: ids, key: key, steps: []) }
        let all = HistorySummaries(byMetric: [key: summaries])
        let (csv, frame) = await seconds {
            FrameWriters.csv(RunFrame.runs(runs, columns: [.attribute("run_id"), .best(.max, metric: key)], summaries: all))
        }
        XCTAssertEqual(csv.split(separator: "\n").count, runs.count + 1)
        // Grouping by two keys with ten metric columns, every aggregate.
        let metrics = RunFrame.metricColumns(runs)
        let (groups, group) = await seconds {
            RunFrame.groups(runs, by: [.param("model"), .tag("t0")], columns: Array(metrics.prefix(10)))
        }
        XCTAssertFalse(groups.rows.isEmpty)
        XCTAssertEqual(metrics.count, 10)
        // The fast answer is the one read through each history (a sample: reading all is slow).
        let sample = Array(ids.shuffled().prefix(200))
        let (slow, history) = try await seconds {
            try await store.summariesFromHistories(runIDs: sample, key: key, steps: [], concurrency: 8)
        }
        XCTAssertEqual(slow, summaries.filter { sample.contains($0.key) })
        XCTAssertEqual(summaries.count, runs.count)
        return ["runs": Double(runs.count), "load_s": load, "summaries_s": summarise, "summaries_again_s": again,
                "frame_s": frame, "group_s": group, "groups": Double(groups.rows.count),
                "history_per_run_s": history / Double(sample.count)]
    }
}
