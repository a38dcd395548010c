import XCTest
import Terminal
import Tracking
@testable import TUI

/// The runs table's columns sized from their content: narrow terminals keep the unmeasured
/// widths, wide ones share the spare width out, the name column first.
final class ColumnWidthTests: XCTestCase {
    static let longName = "a-very-long-run-name-for-the-sweep-042"
    static let checkpoint = "gpt-4o-mini-2024-07-18"

    /// The fixture runs plus one with a long name and a long param value, the param's column
    /// added and selected with `:sort`.
    func state(width: Int) -> AppState {
        var runs = Fixtures.runs
        runs.append(Fixtures.run("ggg777", Self.longName, params: ["checkpoint": Self.checkpoint], offset: 6000))
        var state = Fixtures.loadedState(width: width, height: 24, runs: runs)
        _ = reduce(&state, .command("sort params.checkpoint asc"))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: runs))))
        return state
    }

    func row(_ buffer: Buffer, _ needle: String) -> String {
        buffer.lines.first { $0.contains(needle) } ?? ""
    }

    func testEightyColumnsShowTheSameColumnsAndCutLongValues() {
        let state = state(width: 80)
        let width = Layout(state).runs!.width
        let layout = tableColumns(state.table, width: width)
        // The columns that fit at their unmeasured widths, none narrower; the few spare cells
        // go to the name.
        XCTAssertEqual(layout.shown.map(\.index), visibleColumns(state.table, width: width))
        XCTAssertEqual(layout.shown.map(\.width), layout.shown.map { columnWidth(state.table.columns[$0.index]) })
        XCTAssertEqual(3 + layout.name + layout.shown.reduce(0) { $0 + 1 + $1.width }, width)
        XCTAssertLessThan(layout.name, 24)
        let buffer = render(state)
        XCTAssertTrue(buffer.text.contains("p:checkpoint ▲"), buffer.text)
        let line = row(buffer, "a-very-long")
        XCTAssertFalse(line.contains(Self.longName), line)
        XCTAssertFalse(line.contains(Self.checkpoint), line)
    }

    func testOneHundredTwentyColumnsGiveTheNameColumnTheSpareWidthFirst() {
        let state = state(width: 120)
        let width = Layout(state).runs!.width
        let layout = tableColumns(state.table, width: width)
        XCTAssertGreaterThan(layout.name, nameColumnWidth(width), "the name column grew")
        XCTAssertLessThan(layout.name, Self.longName.count, "not enough room for all of it")
        let used = 3 + layout.name + layout.shown.reduce(0) { $0 + 1 + $1.width }
        XCTAssertEqual(used, width, "all the spare width went to the name column")
        let line = row(render(state), "a-very-long")
        XCTAssertTrue(line.contains(String(Self.longName.prefix(layout.name - 1))), line)
    }

    func testTwoHundredColumnsShowWholeValues() {
        let state = state(width: 200)
        let buffer = render(state)
        let line = row(buffer, "a-very-long")
        XCTAssertTrue(line.contains(Self.longName + " "), line)
        XCTAssertTrue(line.contains(Self.checkpoint), line)
        XCTAssertTrue(buffer.lines.allSatisfy { DisplayWidth.of($0) == 200 })
        // Columns whose values are short keep their width: nothing grows past its widest value.
        let layout = tableColumns(state.table, width: Layout(state).runs!.width)
        XCTAssertEqual(layout.name, Self.longName.count)
        XCTAssertEqual(layout.shown.last?.width, Self.checkpoint.count)
        XCTAssertEqual(layout.shown.first { state.table.columns[$0.index] == .user }?.width, columnWidth(.user))
    }

    func testWidthsAreMeasuredOncePerLoadNotPerFrame() {
        var state = state(width: 200)
        XCTAssertEqual(state.table.contentWidths[.param("checkpoint")], Self.checkpoint.count)
        XCTAssertEqual(state.table.contentWidths[.name], Self.longName.count)
        // The tree view indents names: measured again when the rows are rebuilt.
        state.press(.char("n"))
        XCTAssertEqual(state.table.contentWidths[.name], Self.longName.count + 2)
        // A value past the cap is cut at the cap.
        var runs = Fixtures.runs
        runs[0].data.params = [Param("checkpoint", String(repeating: "x", count: 200))]
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: runs))))
        XCTAssertEqual(state.table.contentWidths[.param("checkpoint")], contentCap(.param("checkpoint")))
    }
}
