import Backends
import Foundation
import TestSupport
import Terminal
import Tracking
@testable import TUI
import XCTest

/// Not a test: how long the runs table takes to group the 10,000-run store by two keys with ten
/// metric columns and draw one frame (the reducer and `render` into a Buffer), once the runs are
/// loaded. Goal: within one frame (~16 ms). Figures in BENCHMARKS.md.
///
///     scripts/bench_core.sh   # once, writes bench-out/store-10000-v1
///     swift build -c release --build-tests
///     MLTUI_BENCH_GROUPING=1 swift test -c release --skip-build --filter GroupingBenchmark
final class GroupingBenchmark: XCTestCase {
    func testGroupTwoKeysTenMetricColumnsOneFrame() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["MLTUI_BENCH_GROUPING"] != nil else { throw XCTSkip("benchmark; set MLTUI_BENCH_GROUPING=1 to run") }
        let path = env["MLTUI_BENCH_GROUPING_DB"] ?? RepoLayout.root.path + "/bench-out/store-10000-v1/sqlite/mlflow.db"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no store at \(path): run scripts/bench_core.sh") }
        let store = try openStore(.sqlite(path: path)) { _ in }
        let loaded = Locked<[Run]>([])
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let experiments = try await store.allExperiments(ExperimentSearch())
            let id = experiments.first { $0.name != "Default" }?.experimentID ?? experiments[0].experimentID
            let runs = try await store.allRuns(RunSearch(experimentIDs: [id]))
            loaded.withLock { $0 = runs }
            done.signal()
        }
        done.wait()
        let runs = loaded.current
        XCTAssertGreaterThan(runs.count, 0)

        var state = Fixtures.loadedState(width: 200, height: 50, runs: runs)
        let metrics = Set(runs.prefix(100).flatMap { $0.data.metrics.map(\.key) }).sorted().prefix(10)
        state.table.columns += metrics.map(RunColumn.metric)
        let keys = "params.model,tags.t0"

        func measure(_ label: String, repeats: Int, _ body: (inout AppState) -> Void) {
            var times: [Double] = []
            for _ in 0..<repeats {
                var copy = state
                let start = DispatchTime.now().uptimeNanoseconds
                body(&copy)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            times.sort()
            print(String(format: "grouping benchmark: %@: %d runs, %d metric columns: p50 %.1f ms, max %.1f ms over %d",
                         label, runs.count, metrics.count, times[times.count / 2], times.last!, repeats))
        }
        measure("group by \(keys) + one frame", repeats: 20) { s in
            _ = reduce(&s, .command("group " + keys))
            _ = render(s)
        }
        _ = reduce(&state, .command("group " + keys))
        state.table.selectedColumn = state.table.columns.count - 1
        measure("sort groups by an aggregate + one frame", repeats: 20) { s in
            _ = reduce(&s, .key(.char("s")))
            _ = render(s)
        }
        measure("one frame, grouped", repeats: 20) { s in _ = render(s) }
    }
}
