import XCTest
import Terminal
import Tracking
@testable import TUI

final class ReducerTests: XCTestCase {
    /// A filter error quotes the input; on the message line its control characters are escaped,
    /// and the caret still points at the input's column.
    func testFilterErrorsEscapeControlCharacters() {
        let problem = filterProblem("tags.x = 'a\n\u{1B}[2Jb")
        XCTAssertEqual(problem?.message, "Invalid clause(s) in filter string: the quoted string 'a\\n\\x1b[2Jb is never closed (column 10)")
        XCTAssertEqual(problem?.column, 10)
        XCTAssertNotNil(filterProblem("   ")?.message)
    }

    func testStartupReadsTheStateFileThenOpensTheExperimentUsedLast() {
        var state = AppState(source: "x", now: Fixtures.now)
        let startEffects = startApp(&state)
        XCTAssertEqual(startEffects, [.loadMemory(store: "x"), .loadExperiments(request: state.experimentsRequest)])
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertNil(effects.compactMap(\.runSearch).first, "waits for the state file")
        let opened = reduce(&state, .memoryLoaded(.found(StoreMemory(store: "x", lastExperiment: "0"))))
        XCTAssertEqual(opened.compactMap(\.runSearch).first?.experimentIDs, ["0"])
        XCTAssertEqual(opened.compactMap(\.runSearch).first?.viewType, .activeOnly)
        // The background count reads every run: it waits until the first page has answered.
        XCTAssertFalse((effects + opened).contains(.countRuns(experimentIDs: ["1", "2", "3", "0"])))
        let answered = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: []))))
        XCTAssertEqual(answered.filter { if case .countRuns = $0 { return true } else { return false } },
                       [.countRuns(experimentIDs: ["1", "2", "3", "0"])])
        XCTAssertEqual(state.pane, .runs)
        XCTAssertEqual(state.experiments.visible.map(\.experiment.name), ["vision-模型", "empty one", "Default"], "deleted hidden")
    }

    /// Nothing remembered: the experiment whose newest run started last, asked once; the same
    /// start time goes to the lowest experiment id, whatever order the store answers in.
    func testNothingRememberedOpensTheExperimentWithTheNewestRun() {
        var state = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.none))
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        guard case .findLatestRuns(let request, let ids)? = effects.first(where: { if case .findLatestRuns = $0 { return true } else { return false } }) else {
            return XCTFail("no search for the newest runs: \(effects)")
        }
        XCTAssertEqual(ids, ["1", "2", "0"], "active experiments only")
        let newest = [Fixtures.run("a", "a", offset: 9000, experiment: "2"), Fixtures.run("b", "b", offset: 9000, experiment: "10"),
                      Fixtures.run("c", "c", offset: 1000, experiment: "1")]
        XCTAssertEqual(ExperimentsPane.experimentOfLatestRun(newest), "2")
        XCTAssertEqual(ExperimentsPane.experimentOfLatestRun(newest.reversed()), "2")
        XCTAssertNil(ExperimentsPane.experimentOfLatestRun([]))
        let opened = reduce(&state, .latestRunsLoaded(request: request, .success(newest)))
        XCTAssertEqual(opened.compactMap(\.runSearch).first?.experimentIDs, ["2"])
        XCTAssertEqual(state.experiments.selectedID, "2")
        XCTAssertTrue(reduce(&state, .latestRunsLoaded(request: request, .success(newest))).compactMap(\.runSearch).isEmpty, "answered once")

        // No runs anywhere, or the search failed: the first experiment listed.
        var empty = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&empty)
        _ = reduce(&empty, .memoryLoaded(.none))
        _ = reduce(&empty, .experimentsLoaded(request: empty.experimentsRequest, .success(Fixtures.experiments)))
        guard case .findingLatest(let second) = empty.experiments.startup else { return XCTFail("not searching") }
        let fallback = reduce(&empty, .latestRunsLoaded(request: second, .failure(MLflowError(.internalError, "boom"))))
        XCTAssertEqual(fallback.compactMap(\.runSearch).first?.experimentIDs, ["1"])
    }

    /// A key that opens an experiment before the newest runs arrive wins over them.
    func testTheUsersChoiceWinsOverTheNewestRunsAnswer() {
        var state = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.none))
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        guard case .findingLatest(let request) = state.experiments.startup else { return XCTFail("not searching") }
        state.press(.tab, .char("j"), .enter)
        XCTAssertEqual(state.table.experimentID, "2")
        XCTAssertTrue(reduce(&state, .latestRunsLoaded(request: request, .success([Fixtures.runs[0]]))).compactMap(\.runSearch).isEmpty)
        XCTAssertEqual(state.table.experimentID, "2")

        // Typing on the jump line when the answer comes: it opens, but the cursor stays on the match.
        var jumping = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&jumping)
        _ = reduce(&jumping, .memoryLoaded(.none))
        _ = reduce(&jumping, .experimentsLoaded(request: jumping.experimentsRequest, .success(Fixtures.experiments)))
        guard case .findingLatest(let second) = jumping.experiments.startup else { return XCTFail("not searching") }
        jumping.press(.tab, .char("/"))
        jumping.type("Def")
        _ = reduce(&jumping, .latestRunsLoaded(request: second, .success([Fixtures.runs[0]])))
        XCTAssertEqual(jumping.table.experimentID, "1")
        XCTAssertEqual(jumping.experiments.selectedID, "0")
        jumping.press(.enter)
        XCTAssertEqual(jumping.table.experimentID, "0")
    }

    func testInitialExperimentByName() {
        var state = AppState(source: "x", initialExperiment: "Default")
        _ = startApp(&state)
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(effects.compactMap(\.runSearch).first?.experimentIDs, ["0"])
    }

    func testStaleRunResultsAreDropped() {
        var state = Fixtures.loadedState()
        let old = state.runsRequest
        state.press(.char("X"))  // clear filter: a new search
        XCTAssertNotEqual(state.runsRequest, old)
        _ = reduce(&state, .runsLoaded(request: old, mode: .replace, .success(Page(items: []))))
        XCTAssertEqual(state.table.runs.count, Fixtures.runs.count, "a result for an older request must not replace the table")
    }

    func testFilterBarValidatesWithTheGrammarAndPointsAtTheToken() {
        var state = Fixtures.loadedState()
        state.press(.char("/"))
        XCTAssertEqual(state.input?.kind, .filter)
        state.type("params.model = 'gpt-4o' and metrics.f1 >> 1")
        XCTAssertEqual(state.filterError?.column, 40)
        let effects = state.press(.enter)
        XCTAssertTrue(effects.isEmpty, "an invalid filter is not sent")
        XCTAssertNotNil(state.input, "the bar stays open to fix it")
        state.press(.backspace, .backspace, .backspace, .backspace)
        state.type("> 1")
        XCTAssertNil(state.filterError)
        let sent = state.press(.enter).compactMap(\.runSearch)
        XCTAssertEqual(sent.first?.filter, "params.model = 'gpt-4o' and metrics.f1 > 1")
        XCTAssertNil(state.input)
    }

    func testStoreRejectionReopensTheFilterWithTheError() {
        var state = Fixtures.loadedState()
        state.press(.char("/"))
        state.type("metrics.f1 > 0")
        state.press(.enter)
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace,
                                       .failure(MLflowError.invalidParameter("bad thing (column 3)"))))
        XCTAssertEqual(state.filterError, FilterError(message: "bad thing (column 3)", column: 3))
        XCTAssertEqual(state.input?.text, "metrics.f1 > 0")
    }

    func testTagPickerAddsStackingChipsThatCanBeRemoved() {
        var state = Fixtures.loadedState()
        state.press(.char("t"))
        XCTAssertEqual(state.picker?.purpose, .tagKey)
        let keys = state.picker!.items.map(\.label)
        XCTAssertEqual(Array(keys.prefix(2)), ["stage", "team"], "user tags first, by count")
        XCTAssertEqual(state.picker!.items.first?.count, 3)
        state.type("stag")
        XCTAssertEqual(state.picker!.visibleItems.map(\.label), ["stage"])
        state.press(.enter)
        XCTAssertEqual(state.picker?.purpose, .tagValue("stage"))
        XCTAssertEqual(state.picker!.items.map(\.label), ["prod", "dev"])
        let effects = state.press(.enter)
        XCTAssertEqual(effects.compactMap(\.runSearch).first?.filter, "tags.stage = 'prod'")
        state.press(.char("t"))
        state.type("team")
        state.press(.enter, .enter)
        XCTAssertEqual(state.currentFilter.searchString, "tags.stage = 'prod' and tags.team = 'vision'")
        let removed = state.press(.char("x"))
        XCTAssertEqual(removed.compactMap(\.runSearch).first?.filter, "tags.stage = 'prod'")
    }

    func testFiltersPersistPerExperiment() {
        var state = Fixtures.loadedState()
        state.press(.char("/"))
        state.type("metrics.f1 > 0")
        state.press(.enter)
        state.press(.tab, .char("j"), .enter)  // open "empty one"
        XCTAssertEqual(state.table.experimentID, "2")
        XCTAssertEqual(state.currentFilter.searchString, "")
        state.press(.tab, .char("k"), .enter)
        XCTAssertEqual(state.currentFilter.searchString, "metrics.f1 > 0")
    }

    func testSortBySelectedColumnTogglesDirection() {
        var state = Fixtures.loadedState()
        state.press(.char("l"))  // Started
        var search = state.press(.char("s")).compactMap(\.runSearch).first
        XCTAssertEqual(search?.orderBy, ["attributes.start_time DESC"])
        search = state.press(.char("s")).compactMap(\.runSearch).first
        XCTAssertEqual(search?.orderBy, ["attributes.start_time ASC"])
        state.press(.char("l"))  // Duration: MLflow cannot order by it
        XCTAssertTrue(state.press(.char("s")).isEmpty)
        XCTAssertTrue(state.messageIsError)
    }

    func testSortCommandAddsTheMetricColumn() {
        var state = Fixtures.loadedState()
        let effects = reduce(&state, .command("sort metrics.f1 desc"))
        XCTAssertEqual(effects.compactMap(\.runSearch).first?.orderBy, ["metrics.f1 DESC"])
        XCTAssertEqual(state.table.columns.last, .metric("f1"))
        XCTAssertEqual(state.table.selectedColumn, state.table.columns.count - 1)
        _ = reduce(&state, .command("sort params.`my key`"))
        XCTAssertEqual(state.table.sort?.orderBy, "params.`my key` ASC")
        _ = reduce(&state, .command("bogus"))
        XCTAssertTrue(state.message?.contains("unknown command 'bogus'") ?? false)
        _ = reduce(&state, .command("q"))
        XCTAssertTrue(state.shouldQuit)
    }

    func testMarkTwoRunsAndCompare() {
        var state = Fixtures.loadedState()
        XCTAssertTrue(state.press(.char("c")).isEmpty, "compare needs two marks")
        state.press(.char(" "), .char(" "))
        XCTAssertEqual(state.table.marks, ["aaa111", "bbb222"])
        let effects = state.press(.char("c"))
        XCTAssertEqual(effects, [.loadCompare(request: state.compareRequest, runIDs: ["aaa111", "bbb222"])])
        XCTAssertEqual(state.pane, .compare)
        _ = reduce(&state, .compareLoaded(request: state.compareRequest, .success(Array(Fixtures.runs[1...2]))))
        let rows = compareRows(state.compare!)
        XCTAssertEqual(rows.first { $0.key == "lr" }?.differs, true)
        XCTAssertEqual(rows.first { $0.key == "team" }?.differs, false)
        state.press(.char("d"))
        XCTAssertNil(compareRows(state.compare!).first { $0.key == "team" })
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs)
    }

    func testDetailsFollowParentAndBack() {
        var state = Fixtures.loadedState()
        state.press(.char("j"))  // child-0
        var effects = state.press(.enter)
        XCTAssertEqual(effects, [.loadDetails(request: state.detailsRequest, runID: "bbb222")])
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: Fixtures.runs[1], children: []))))
        effects = state.press(.char("p"))
        XCTAssertEqual(effects, [.loadDetails(request: state.detailsRequest, runID: "aaa111")])
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest,
                                          .success(RunWithChildren(run: Fixtures.runs[0], children: Array(Fixtures.runs[1...2])))))
        let lines = detailLines(state.details!, now: state.now, utcOffset: 0, width: 80)
        let childLine = lines.firstIndex { $0.link == "ccc333" }!
        state.details!.cursor.index = childLine
        effects = state.press(.enter)
        XCTAssertEqual(effects, [.loadDetails(request: state.detailsRequest, runID: "ccc333")])
        XCTAssertEqual(state.detailsStack, [.run("bbb222"), .run("aaa111")])
        state.press(.escape)
        XCTAssertEqual(state.details?.runID, "aaa111")
        state.press(.escape, .escape)
        XCTAssertEqual(state.pane, .runs)
    }

    func testPagingLoadsTheNextPageNearTheEnd() {
        let many = (0..<300).map { Fixtures.run(String(format: "r%05d", $0), "run-\($0)", offset: Int64($0)) }
        var state = AppState(source: "x", now: Fixtures.now, pageSize: 300)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.found(StoreMemory(store: "x", lastExperiment: "1"))))
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: many, nextPageToken: "tok"))))
        XCTAssertTrue(state.press(.pageDown).isEmpty)
        let effects = state.press(.char("G"))
        XCTAssertEqual(effects.compactMap(\.runSearch).first?.pageToken, "tok")
        XCTAssertTrue(state.table.loadingMore)
        XCTAssertTrue(state.press(.char("k")).isEmpty, "one page request at a time")
        let more = (300..<310).map { Fixtures.run("r\($0)", "run-\($0)") }
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .append, .success(Page(items: more))))
        XCTAssertEqual(state.table.rows.count, 310)
        XCTAssertEqual(state.selectedRun?.info.runID, "r00298", "the cursor stays on its run")
    }

    func testLiveRefreshKeepsCursorAndMarks() {
        var state = Fixtures.loadedState()
        state.press(.char("j"), .char("j"), .char(" "))
        XCTAssertEqual(state.selectedRun?.info.runID, "ddd444")
        let effects = reduce(&state, .tick(Fixtures.now + 10))
        let refresh = effects.compactMap(\.runSearch).first
        XCTAssertNotNil(refresh)
        // A new run arrives at the top.
        let updated = [Fixtures.run("new000", "newest", status: .running, offset: 9000)] + Fixtures.runs
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: updated))))
        XCTAssertEqual(state.selectedRun?.info.runID, "ddd444")
        XCTAssertEqual(state.table.marks, ["ccc333"])
        XCTAssertTrue(reduce(&state, .tick(Fixtures.now + 11)).isEmpty, "not before the interval")
    }

    func testTreeNestsChildrenUnderParentAndCollapses() {
        var state = Fixtures.loadedState()
        state.press(.char("n"))
        XCTAssertEqual(state.table.rows.map(\.depth), [0, 1, 1, 0, 0, 0])
        state.press(.char("g"), .char("z"))
        XCTAssertEqual(state.table.rows.count, 4)
        state.press(.char("z"))
        XCTAssertEqual(state.table.rows.count, 6)
    }

    func testFuzzySearchAndJump() {
        var state = Fixtures.loadedState()
        state.press(.char("f"))
        state.type("chld")
        XCTAssertEqual(state.table.rows.map { state.table.runs[$0.index].info.runName }, ["child-0-λ", "child-1-λ"])
        state.press(.escape)
        XCTAssertEqual(state.table.rows.count, 6)
        state.press(.tab, .char("/"))
        state.type("def")
        XCTAssertEqual(state.experiments.visible[state.experiments.cursor.index].experiment.name, "Default")
    }

    func testYankCopiesRunIDAndRemembersIt() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(state.press(.char("y")), [.copy("aaa111")])
        XCTAssertEqual(state.press(.char("Y")), [.copy("file:///store/1/aaa111/artifacts")])
        XCTAssertEqual(state.yanked.count, 2)
    }

    func testFilterCompletion() {
        var state = Fixtures.loadedState()
        state.press(.char("/"))
        state.type("metrics.la")
        state.press(.tab)
        XCTAssertEqual(state.input?.text, "metrics.latency_p95 ")
        state.press(.ctrl("u"))
        state.type("params.model = 'gp")
        state.press(.tab)
        XCTAssertEqual(state.input?.text, "params.model = 'gpt-4o'")
    }

    func testTinyTerminalAndResizeNeverCrash() {
        var state = Fixtures.loadedState()
        for (w, h) in [(10, 3), (40, 8), (1, 1), (0, 0), (300, 100), (80, 24)] {
            _ = reduce(&state, .resize(Size(width: w, height: h)))
            XCTAssertEqual(render(state).size, Size(width: w, height: h))
        }
        // With the filter bar and its error line open, the smallest usable size still draws.
        state.press(.char("/"))
        state.type("metrics.f1 >> 1")
        for (w, h) in [(40, 8), (41, 9), (80, 24)] {
            _ = reduce(&state, .resize(Size(width: w, height: h)))
            XCTAssertTrue(render(state).text.contains("/ metrics.f1 >> 1"))
        }
        state.press(.escape, .enter)
        _ = reduce(&state, .resize(Size(width: 40, height: 8)))
        XCTAssertTrue(render(state).text.contains("Run details"))
    }
}
