import Foundation
import XCTest
import Tracking
@testable import FileStore

/// Timing of the file store over a big store; prints figures, asserts nothing about time.
/// Runs only when MLTUI_BENCH_STORE names an mlruns folder, e.g. one written by
/// Scripts/make_bench_store.py (10k runs x 20 params, 10 metrics, 8 tags):
///
///     MLTUI_BENCH_STORE=/tmp/bench10k/mlruns swift test -c release -Xswiftc -enable-testing --filter FileStoreBenchmark
final class FileStoreBenchmark: XCTestCase {
    func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    func testBenchmark() async throws {
        guard let root = ProcessInfo.processInfo.environment["MLTUI_BENCH_STORE"] else {
            throw XCTSkip("set MLTUI_BENCH_STORE to an mlruns folder to run the benchmark")
        }
        let log = StoreWarnings()
        let experiments = try await FileStore(root: root, warn: log.sink).allExperiments(ExperimentSearch())
        let ids = experiments.map(\.experimentID)
        func report(_ what: String, _ time: Double, _ count: Int) {
            print(String(format: "filestore-bench %-58@ %8.3f s  (%d runs)", what as NSString, time, count))
        }

        var store = try FileStore(root: root, warn: log.sink)
        var indexed = 0
        report("index: meta.yaml of every run (cold store object)", try await seconds {
            indexed = store.indexedRuns(experimentIDs: ids, view: .activeOnly).count
        }, indexed)
        store = try FileStore(root: root, warn: log.sink)
        var runs: [Run] = []
        report("all runs, all pages of 1000 (cold store object)", try await seconds {
            runs = try await store.allRuns(RunSearch(experimentIDs: ids))
        }, runs.count)
        report("all runs, all pages of 1000 (warm store object)", try await seconds {
            runs = try await store.allRuns(RunSearch(experimentIDs: ids))
        }, runs.count)
        store = try FileStore(root: root, warn: log.sink)
        var page: Page<Run> = Page(items: [])
        report("first page of 100, default order (cold store object)", try await seconds {
            page = try await store.searchRuns(RunSearch(experimentIDs: ids, maxResults: 100))
        }, page.items.count)
        let filtered = RunSearch(experimentIDs: ids, filter: "metrics.metric_3 > 0.5 and params.param_1 = 'adam'",
                                 orderBy: ["metrics.metric_0 DESC"])
        report("filter metric+param, order by metric (warm)", try await seconds {
            page = try await store.searchRuns(filtered)
        }, page.items.count)
        report("order by tag, first page of 100 (warm)", try await seconds {
            page = try await store.searchRuns(RunSearch(experimentIDs: ids, orderBy: ["tags.stage"], maxResults: 100))
        }, page.items.count)
        print("filestore-bench warnings: \(log.messages.count)")
    }
}
