import Analysis
import Foundation
import Tracking
@testable import TUI
import XCTest

/// A grouped table keeps the columns it read from its runs (`RunsTable.columnVectors`) for the
/// next regrouping and frame; whenever the runs change they are read again, so groups,
/// aggregates and shared values are those of a table grouping the new runs from scratch.
final class GroupColumnVectorsTests: XCTestCase {
    /// What a refresh may bring instead: other models and teams, other f1 values, one run gone.
    static let changed: [Run] = (1...4).map { (i: Int) -> Run in
        let model = i % 2 == 0 ? "a" : "c", team = i < 4 ? "z" : "y"
        let metrics: [String: Double] = i == 4 ? [:] : ["f1": Double(i) / 10]
        return Fixtures.run("r\(i)", "run-\(i)", params: ["model": model, "seed": String(i % 3)], metrics: metrics,
                            tags: ["team": team], offset: Int64(i) * 1000)
    }

    func grouped(_ runs: [Run], _ keys: String = "params.model,params.seed") -> AppState {
        var state = Fixtures.loadedState(width: 140, height: 24, runs: runs)
        state.table.columns += [.metric("f1"), .tag("team")]
        _ = reduce(&state, .command("group " + keys))
        return state
    }

    /// What a group row shows and sorts by, per group and column.
    func shown(_ state: AppState) -> [[String]] {
        state.table.groups.indices.map { g in
            state.table.columns.map { RunsPane.groupCellText(state, g, $0) }
        }
    }

    func testRunsLoadedAgainAreReadAgain() {
        var state = grouped(RunsGroupingTests.runs)
        XCTAssertNotNil(state.table.columnVectors.internedIfRead(.tag("team")), "shared values read with the grouping")
        for mode in [RunsLoad.refresh, .replace] {
            var reloaded = state
            _ = reduce(&reloaded, .runsLoaded(request: reloaded.runsRequest, mode: mode, .success(Page(items: Self.changed))))
            let fresh = grouped(Self.changed)
            XCTAssertEqual(reloaded.table.groups, fresh.table.groups, "\(mode)")
            XCTAssertEqual(reloaded.table.groupAggregates, fresh.table.groupAggregates, "\(mode)")
            XCTAssertEqual(shown(reloaded), shown(fresh), "\(mode)")
        }
        // A page appended: the longer list is grouped whole.
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh,
                                       .success(Page(items: Array(RunsGroupingTests.runs.prefix(3)), nextPageToken: "p2"))))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .append, .success(Page(items: Self.changed))))
        let fresh = grouped(Array(RunsGroupingTests.runs.prefix(3)) + Self.changed)
        XCTAssertEqual(state.table.groups, fresh.table.groups)
        XCTAssertEqual(state.table.groupAggregates, fresh.table.groupAggregates)
        XCTAssertEqual(shown(state), shown(fresh))
    }

    func testRegroupingReadColumnsGivesWhatReadingEveryRunGives() {
        var state = grouped(RunsGroupingTests.runs)
        for keys in ["params.seed,params.model", "tags.team", "params.model,params.seed"] {
            _ = reduce(&state, .command("group " + keys))
            var unread = state
            unread.table.columnVectors = ColumnVectors()
            XCTAssertEqual(shown(state), shown(unread), keys)
            XCTAssertEqual(state.table.groups, Grouping.group(state.table.runs, by: state.table.view.groupBy), keys)
        }
    }

    func testAColumnAddedToAGroupedTableShowsSharedValues() {
        var state = grouped(RunsGroupingTests.runs, "params.model")
        _ = reduce(&state, .command("column params.seed"))
        XCTAssertNotNil(state.table.columnVectors.internedIfRead(.param("seed")))
        var unread = state
        unread.table.columnVectors = ColumnVectors()
        XCTAssertEqual(shown(state), shown(unread))
        XCTAssertEqual(RunsPane.commonCell(state.table, 0, .param("seed")), nil, "model a: seeds 1 and 2")
        XCTAssertEqual(RunsPane.commonCell(state.table, 0, .tag("team")), .text("x"))
    }
}
