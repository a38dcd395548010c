import Analysis
import Tracking
import XCTest

final class AlertDetectorTests: XCTestCase {
    private func run(_ id: String, _ status: RunStatus, _ metrics: [Metric] = []) -> Run {
        var run = Run(info: RunInfo(runID: id, experimentID: "1", runName: "run-" + id, status: status))
        run.data.metrics = metrics
        return run
    }

    private func metric(_ key: String, _ value: Double, at time: Int64, step: Int64 = 0) -> Metric {
        Metric(key: key, value: value, timestamp: time, step: step)
    }

    func testEachKindIsRaisedOnceAtItsRun() {
        var detector = AlertDetector(stallFactor: 5, stallMinimumMs: 1000)
        let runs = [
            run("a", .failed), run("b", .killed), run("c", .finished),
            run("d", .running, [metric("loss", .nan, at: 10, step: 7), metric("acc", .infinity, at: 10), metric("lr", 0.1, at: 10)]),
        ]
        let first = detector.observe(runs, now: 100)
        XCTAssertEqual(first.map { "\($0.kind.name) \($0.runID)" }, ["failed a", "killed b", "inf d", "nan d"])
        XCTAssertEqual(first.map(\.message), ["the run ended FAILED", "the run was KILLED", "acc is +inf at step 0", "loss is NaN at step 7"])
        XCTAssertEqual(detector.observe(runs, now: 200), [], "nothing twice")
    }

    func testARunningRunThatStopsLoggingIsStalledOnceUntilItLogsAgain() {
        var detector = AlertDetector(stallFactor: 5, stallMinimumMs: 1000)
        var live = run("r", .running, [metric("loss", 1, at: 10_000)])
        XCTAssertTrue(detector.needsInterval(live))
        detector.learnInterval(runID: "r", timestamps: [9_000, 9_000, 9_500, 10_000])
        XCTAssertFalse(detector.needsInterval(live))
        // Usually every 500 ms: stalled after 5 × 500 = 2.5 s of silence.
        XCTAssertEqual(detector.observe([live], now: 12_400), [])
        let stalled = detector.observe([live], now: 12_600)
        XCTAssertEqual(stalled.map(\.message), ["no metric logged for 2.6s (usually every 0.5s)"])
        XCTAssertEqual(detector.observe([live], now: 60_000), [])
        // It logs again, then goes silent again: a new alert.
        live.data.metrics = [metric("loss", 0.5, at: 61_000)]
        XCTAssertEqual(detector.observe([live], now: 61_100), [])
        XCTAssertEqual(detector.observe([live], now: 70_000).map(\.kind.name), ["stalled"])
    }

    /// MLflow's SQL stores keep ±inf as ±max double; a metric NaN again after a finite value
    /// raises again; a run silent since before the window is not news.
    func testStoredInfinityNaNAgainAndOldSilences() {
        var detector = AlertDetector(stallFactor: 5, stallMinimumMs: 1000, silentSince: 50_000)
        var run = run("r", .running, [metric("grad", .greatestFiniteMagnitude, at: 10, step: 2), metric("loss", .nan, at: 10)])
        detector.learnInterval(runID: "r", timestamps: [0, 5, 10])
        XCTAssertEqual(detector.observe([run], now: 100_000).map(\.message), ["grad is +inf at step 2", "loss is NaN at step 0"],
                       "silent since 10 ms, before the window: no stall")
        run.data.metrics = [metric("grad", 1, at: 60_000), metric("loss", 0.5, at: 60_000)]
        XCTAssertEqual(detector.observe([run], now: 60_001), [])
        run.data.metrics = [metric("grad", 1, at: 60_000), metric("loss", .nan, at: 60_100, step: 9)]
        XCTAssertEqual(detector.observe([run], now: 60_200).map(\.message), ["loss is NaN at step 9"])
        XCTAssertEqual(detector.observe([run], now: 70_000).map(\.kind.name), ["stalled"], "silent since inside the window")
        XCTAssertFalse(AlertDetector.isNonFinite(-1e300))
        XCTAssertTrue(AlertDetector.isNonFinite(-.greatestFiniteMagnitude))
    }

    func testTheMinimumAndTooFewPointsKeepQuiet() {
        var detector = AlertDetector(stallFactor: 5, stallMinimumMs: 60_000)
        let live = run("r", .running, [metric("loss", 1, at: 0)])
        detector.learnInterval(runID: "r", timestamps: [0, 0, 1])
        XCTAssertTrue(detector.needsInterval(live), "two distinct timestamps say too little")
        detector.learnInterval(runID: "r", timestamps: [0, 100, 200])
        XCTAssertEqual(detector.observe([live], now: 59_000), [], "under the minimum")
        XCTAssertEqual(detector.observe([live], now: 61_000).map(\.message), ["no metric logged for 1m01s (usually every 0.1s)"])
        XCTAssertEqual(AlertDetector.lastLoggedMetric(run("x", .running, [metric("a", 1, at: 5), metric("b", 1, at: 9), metric("c", 1, at: 7)])), "b")
    }
}
