import Foundation
import Terminal
import Tracking
@testable import TUI
import XCTest

/// Picker counts say which runs they cover, and the live refresh drops the store's session cache
/// before reloading.
final class PickerScopeAndRefreshTests: XCTestCase {
    func testPickerTitlesSayTheCountsCoverOnlyTheLoadedPages() {
        let many = (0..<300).map { i in
            Fixtures.run(String(format: "r%05d", i), "run-\(i)", tags: ["stage": i < 10 ? "prod" : "dev"], offset: Int64(i))
        }
        var state = AppState(source: "x", now: Fixtures.now, pageSize: 300)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.found(StoreMemory(store: "x", lastExperiment: "1"))))
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: many, nextPageToken: "tok"))))

        // More pages exist, total not counted yet.
        state.press(.char("t"))
        XCTAssertEqual(state.picker?.title, "Tag keys in the first 300 runs (more not loaded)")
        state.press(.escape)

        // The background count knows the experiment's total.
        _ = reduce(&state, .runCounted(experimentID: "1", count: 1234, lastActivity: nil))
        state.press(.char("t"))
        XCTAssertEqual(state.picker?.title, "Tag keys in the first 300 of 1234 runs")
        XCTAssertEqual(state.picker?.items.first?.label, "stage")
        XCTAssertEqual(state.picker?.items.first?.count, 300)
        XCTAssertTrue(render(state).text.contains("Tag keys in the first 300 of 1234 runs"), render(state).text)
        state.press(.enter)
        XCTAssertEqual(state.picker?.title, "Values of tag stage in the first 300 of 1234 runs")
        XCTAssertEqual(state.picker?.items.map(\.count), [290, 10])
        state.press(.escape)
        state.press(.char("o"))
        XCTAssertEqual(state.picker?.title.hasPrefix("Columns in the first 300 of 1234 runs"), true, state.picker?.title ?? "")
        state.press(.escape)

        // A filtered table: the experiment total says nothing about the matches.
        state.currentFilter.chips = [TagChip(key: "stage", value: "dev")]
        state.press(.char("t"))
        XCTAssertEqual(state.picker?.title, "Tag keys in the first 300 runs (more not loaded)")
        state.press(.escape)

        // Every page loaded: the counts are complete.
        state.table.nextPageToken = nil
        state.press(.char("t"))
        XCTAssertEqual(state.picker?.title, "Tag keys in all 300 runs")
    }

    func testLiveRefreshDropsTheStoreCacheBeforeReloading() {
        var state = Fixtures.loadedState()
        let effects = reduce(&state, .tick(Fixtures.now + 10))
        XCTAssertEqual(effects.first, .refreshStore)
        XCTAssertTrue(effects.contains(.loadExperiments(request: state.experimentsRequest)))
        XCTAssertEqual(state.press(.ctrl("r")).first, .refreshStore, "Ctrl-R refreshes the same way")
    }

    /// A dead server answers each refresh only after its retries (seconds); ticks meanwhile
    /// must not start new refreshes that would make that answer stale and hide its error.
    func testASlowRefreshIsAwaitedSoItsErrorShows() {
        var state = Fixtures.loadedState()
        state.refreshInterval = 1
        let effects = reduce(&state, .tick(Fixtures.now + 2))
        XCTAssertTrue(effects.contains(.loadExperiments(request: state.experimentsRequest)))
        let experiments = state.experimentsRequest, runs = state.runsRequest
        XCTAssertTrue(reduce(&state, .tick(Fixtures.now + 3)).isEmpty, "the refresh in flight is awaited")
        XCTAssertTrue(reduce(&state, .tick(Fixtures.now + 6)).isEmpty)
        let down = MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server http://127.0.0.1:1")
        _ = reduce(&state, .experimentsLoaded(request: experiments, .failure(down)))
        XCTAssertEqual(state.connection, .failed(down.message))
        XCTAssertEqual(state.message, down.message, "the error line shows")
        XCTAssertTrue(reduce(&state, .tick(Fixtures.now + 7)).isEmpty, "the runs refresh is still out")
        _ = reduce(&state, .runsLoaded(request: runs, mode: .refresh, .failure(down)))
        XCTAssertEqual(state.table.error, down.message)
        XCTAssertEqual(state.table.runs.count, Fixtures.runs.count, "a failed refresh keeps the rows shown")
        XCTAssertFalse(reduce(&state, .tick(Fixtures.now + 8)).isEmpty, "once answered, refreshing resumes")
    }

    /// A store that counts `refresh()` calls, reached through `any TrackingStore` as the runtime holds it.
    final class CountingStore: TrackingStore, Sendable {
        let uri = "counting://"
        private let count = Locked(0)
        var refreshes: Int { count.current }
        func refresh() { count.withLock { $0 += 1 } }
        func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> { Page(items: []) }
        func getExperiment(id: String) async throws -> Experiment { throw MLflowError.notFound(id) }
        func getExperimentByName(_ name: String) async throws -> Experiment { throw MLflowError.notFound(name) }
        func searchRuns(_ request: RunSearch) async throws -> Page<Run> { Page(items: []) }
        func getRun(id: String) async throws -> Run { throw MLflowError.notFound(id) }
        func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> { Page(items: []) }
        func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing { ArtifactListing(rootURI: nil, files: []) }
        func openArtifact(runID: String, path: String) async throws -> any ArtifactContent { throw MLflowError.notFound(path) }
    }

    func testTheRunnerCallsTheStoresRefresh() {
        let store = CountingStore()
        let runner = EffectRunner(store: store, inbox: ActionInbox(), themeDirectories: [])
        runner.run(.refreshStore)
        XCTAssertEqual(store.refreshes, 1, "refresh runs synchronously, before the loads queued after it")
    }
}
