import XCTest
import Terminal
import Tracking
@testable import TUI

/// The connection state through the reducer: every backend answer updates it, and when a lost
/// store answers again the panes whose last load failed reload by themselves.
final class ReconnectTests: XCTestCase {
    let down = MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server http://127.0.0.1:5000 (GET /api/2.0/mlflow/runs/get): Connection refused")

    func header(_ state: AppState) -> String { render(state).lines[0] }

    func testEveryAnswerUpdatesTheConnectionAndA4xxSaysNothing() {
        var state = Fixtures.loadedState()
        XCTAssertTrue(header(state).contains("● connected"))
        state.press(.enter)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .failure(down)))
        XCTAssertEqual(state.connection, .failed(down.oneLineMessage), "a details failure is a connection failure too")
        XCTAssertTrue(header(state).contains("○ disconnected"), header(state))
        XCTAssertTrue(render(state).text.contains("error: Cannot reach the tracking server"))
        // A 4xx is an answer: the store is there, but that says nothing new.
        _ = reduce(&state, .sparklineLoaded(key: "f1", runID: "x", .failure(MLflowError(.resourceDoesNotExist, "Run 'x' not found"))))
        XCTAssertTrue(state.connection.isFailed)
        // A timeout and a 5xx answer are failures; any success is a connection.
        _ = reduce(&state, .sparklineLoaded(key: "f1", runID: "y", .success([1, 2])))
        XCTAssertEqual(state.connection, .connected)
        _ = reduce(&state, .historyPage(request: 0, runID: "y", .failure(MLflowError(.deadlineExceeded, "did not answer in time"))))
        XCTAssertTrue(state.connection.isFailed)
        _ = reduce(&state, .experimentsLoaded(request: 0, .success(Fixtures.experiments)))
        XCTAssertEqual(state.connection, .connected, "even a stale answer shows the store answers")
        _ = reduce(&state, .compareLoaded(request: 0, .failure(MLflowError(.internalError, "The tracking server answered HTTP 502"))))
        XCTAssertTrue(state.connection.isFailed)
    }

    func testABadFilterSaysNothingAboutTheConnection() {
        var state = Fixtures.loadedState()
        let rejected = MLflowError(.invalidParameterValue, "Expected numeric value type for metric")
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .failure(rejected)))
        XCTAssertEqual(state.connection, .connected)
        XCTAssertNotNil(state.filterError)
    }

    func testWhileDisconnectedEachTickSendsOneProbeOnly() {
        var state = Fixtures.loadedState()
        state.refreshInterval = 1
        let refresh = reduce(&state, .tick(Fixtures.now + 1))
        XCTAssertTrue(refresh.contains(.refreshStore), "connected: the tick refreshes everything")
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .failure(down)))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        XCTAssertTrue(state.connection.isFailed)
        let probe = reduce(&state, .tick(Fixtures.now + 2))
        XCTAssertEqual(probe, [.loadExperiments(request: state.experimentsRequest)])
        XCTAssertEqual(reduce(&state, .tick(Fixtures.now + 3)), [], "one probe at a time")
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .failure(down)))
        XCTAssertEqual(reduce(&state, .tick(Fixtures.now + 4)).count, 1)
    }

    func testWithLiveRefreshOffTheTickStillProbes() {
        var state = Fixtures.loadedState()
        state.refreshInterval = 0
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        XCTAssertEqual(reduce(&state, .tick(Fixtures.now + 1)), [])
        XCTAssertEqual(reduce(&state, .tick(Fixtures.now + Reconnect.probeInterval)), [.loadExperiments(request: state.experimentsRequest)])
    }

    func testTheLineSayingTheStoreWasGoneClearsWhenItAnswersAgain() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        showMessage(&state, down.oneLineMessage, isError: true)
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(state.message, "connected again: reloading what failed")
        // The line on screen may come from another request than the one that marked the loss.
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        showMessage(&state, "refresh failed: Cannot reach the tracking server http://127.0.0.1:5000 (POST /api/2.0/mlflow/runs/search): Connection refused", isError: true)
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(state.message, "connected again: reloading what failed")
        XCTAssertFalse(state.messageIsError)
        // Another error on screen (an edit refused) stays.
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        showMessage(&state, "could not set tag a=b on run x: PERMISSION_DENIED: read-only", isError: true)
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(state.message, "could not set tag a=b on run x: PERMISSION_DENIED: read-only")
    }

    func testReconnectReloadsFailedDetailsAndTable() {
        var state = Fixtures.loadedState()
        state.press(.enter)
        let runID = try! XCTUnwrap(state.details?.runID)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .failure(down)))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        XCTAssertNotNil(state.table.error)
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(state.connection, .connected)
        XCTAssertTrue(effects.contains(.loadDetails(request: state.detailsRequest, runID: runID)), "\(effects)")
        XCTAssertTrue(effects.contains { if case .searchRuns(_, _, .refresh) = $0 { return true } else { return false } }, "\(effects)")
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: Fixtures.runs[5], children: []))))
        XCTAssertNil(state.details?.error)
        XCTAssertFalse(render(state).text.contains("error:"))
        // Connected → connected reloads nothing.
        XCTAssertFalse(reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
            .contains { if case .loadDetails = $0 { return true } else { return false } })
    }

    func testReconnectReloadsTheChartRunsThatFailedAndFailedSparklines() {
        var state = Fixtures.loadedState(width: 100, height: 30)
        state.press(.down, .char(" "), .char(" "), .char("v"))
        let request = state.chartRequest
        _ = reduce(&state, .historyPage(request: request, runID: "bbb222", .success(HistoryPage(metrics: [], first: true, done: true))))
        _ = reduce(&state, .historyPage(request: request, runID: "ccc333", .failure(down)))
        _ = reduce(&state, .sparklineLoaded(key: "f1", runID: "bbb222", .failure(down)))
        XCTAssertTrue(render(state).text.contains("✗ child-1-λ: Cannot reach"), render(state).text)
        XCTAssertTrue(header(state).contains("○ disconnected"))
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(effects, [.loadHistory(request: request, runID: "ccc333", key: "f1", refresh: false)])
        XCTAssertNil(state.chart?.errors["ccc333"])
        XCTAssertNil(state.sparklines.values["f1"]?["bbb222"], "a failed sparkline loads again when shown")
        XCTAssertFalse(render(state).text.contains("✗ child-1-λ"))
    }

    func testReconnectReloadsAFailedCompare() {
        var state = Fixtures.loadedState()
        state.press(.char(" "), .char(" "), .char("c"))
        _ = reduce(&state, .compareLoaded(request: state.compareRequest, .failure(down)))
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(effects, [.loadCompare(request: state.compareRequest, runIDs: ["aaa111", "bbb222"])])
        _ = reduce(&state, .compareLoaded(request: state.compareRequest, .success(Array(Fixtures.runs.prefix(2)))))
        XCTAssertNil(state.compare?.error)
    }
}
