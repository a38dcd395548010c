import XCTest
import Terminal
import Tracking
@testable import TUI

/// Render tests on the cell buffer (as text), every pane at 80x24 and 200x50.
final class RenderTests: XCTestCase {
    static let sizes = [(80, 24), (200, 50)]

    /// Display column where `needle` starts in a line of the buffer, nil when absent.
    func column(of needle: String, in buffer: Buffer, row: Int) -> Int? {
        let line = buffer.lines[row]
        guard let range = line.range(of: needle) else { return nil }
        return DisplayWidth.of(String(line[..<range.lowerBound]))
    }

    func rows(containing needle: String, _ buffer: Buffer) -> [Int] {
        buffer.lines.indices.filter { buffer.lines[$0].contains(needle) }
    }

    func testMainScreenShowsExperimentsRunsFilterAndFooter() {
        for (w, h) in Self.sizes {
            let buffer = render(Fixtures.loadedState(width: w, height: h))
            let lines = buffer.lines
            XCTAssertEqual(lines.count, h)
            XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) == w }, "every line is exactly \(w) columns")
            XCTAssertTrue(lines[0].hasPrefix(" mltui file:///store/mlruns"), lines[0])
            XCTAssertTrue(lines[0].contains("● connected"))
            XCTAssertTrue(lines[1].contains("Experiments (3)"))
            XCTAssertTrue(lines[1].contains("Runs · vision-模型 · 6"), lines[1])
            XCTAssertTrue(lines[2].contains("▸vision-模型"))
            XCTAssertTrue(buffer.text.contains("empty one"))
            XCTAssertFalse(buffer.text.contains("deleted-exp"), "deleted experiments hidden by default")
            XCTAssertTrue(lines[h - 2].hasPrefix("filter: none"))
            XCTAssertTrue(lines[h - 1].contains("Enter details"), lines[h - 1])
            XCTAssertTrue(lines[h - 1].contains("q quit"), lines[h - 1])
            for glyph in ["✓ parent-sweep", "✗ crashed 🚀", "● still-running"] {
                XCTAssertEqual(rows(containing: glyph, buffer).count, 1, "\(glyph) at \(w)x\(h)\n\(buffer.text)")
            }
        }
    }

    func testColumnsStayAlignedWithWideAndCombiningNames() {
        var runs = Fixtures.runs
        runs[0].info.runName = "Cafe\u{301}-combining"
        for (w, h) in Self.sizes {
            let buffer = render(Fixtures.loadedState(width: w, height: h, runs: runs))
            // Every run row shows the start date "11-14 22:13" at the same display column.
            let columns = (3..<(3 + runs.count)).map { column(of: "11-14 22:", in: buffer, row: $0) }
            XCTAssertEqual(columns.count, 6)
            XCTAssertTrue(columns.allSatisfy { $0 != nil && $0 == columns[0] }, "\(columns)\n\(buffer.text)")
        }
    }

    func testMetricColumnShowsNaNAndInfinities() {
        for (w, h) in Self.sizes {
            var state = Fixtures.loadedState(width: w, height: h)
            _ = reduce(&state, .command("sort metrics.f1 desc"))
            _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: Fixtures.runs))))
            let buffer = render(state)
            XCTAssertTrue(buffer.lines[2].contains("m:f1 ▼"), buffer.lines[2])
            XCTAssertTrue(buffer.lines[1].contains("sort metrics.f1 ↓"), buffer.lines[1])
            let text = buffer.text
            for value in ["0.91", "NaN", "inf", "-inf"] { XCTAssertTrue(text.contains(value), "\(value) at \(w)x\(h)\n\(text)") }
        }
    }

    func testWideScreenShowsMoreColumnsThanNarrow() {
        var state = Fixtures.loadedState()
        for column in [RunColumn.param("model"), .param("lr"), .tag("stage")] { state.table.columns.append(column) }
        let narrow = render(state)
        _ = reduce(&state, .resize(Size(width: 200, height: 50)))
        let wide = render(state)
        XCTAssertFalse(narrow.lines[2].contains("p:model"))
        XCTAssertTrue(narrow.lines[2].hasSuffix("»"), "more columns to the right")
        XCTAssertTrue(wide.lines[2].contains("User"))
        XCTAssertTrue(wide.lines[2].contains("t:stage"), wide.lines[2])
        XCTAssertTrue(wide.text.contains("gpt-4o"))
        // Scrolling right keeps the frozen name column.
        for _ in 0..<7 { _ = reduce(&state, .key(.char("l"))) }
        _ = reduce(&state, .resize(Size(width: 80, height: 24)))
        let scrolled = render(state)
        XCTAssertTrue(scrolled.lines[2].contains("t:stage"), scrolled.lines[2])
        XCTAssertTrue(scrolled.text.contains("parent-sweep"))
    }

    func testRunDetailsPane() {
        for (w, h) in Self.sizes {
            var state = Fixtures.loadedState(width: w, height: h)
            _ = reduce(&state, .key(.enter))
            XCTAssertTrue(render(state).text.contains("loading run aaa111"))
            _ = reduce(&state, .detailsLoaded(request: state.detailsRequest,
                                              .success(RunWithChildren(run: Fixtures.runs[0], children: Array(Fixtures.runs[1...2])))))
            var text = ""
            for _ in 0..<4 { text += render(state).text; _ = reduce(&state, .key(.pageDown)) }
            for expected in ["Run details · parent-sweep", "run id", "aaa111", "FINISHED", "1m05s", "Children (2)", "child-0-λ  bbb222",
                             "Description", "Sweep over rates.", "Second line.", "Params (1)", "resnet", "Tags (1)", "vision"] {
                XCTAssertTrue(text.contains(expected), "\(expected) at \(w)x\(h)\n\(text)")
            }
            // System tags come last, grouped.
            XCTAssertTrue(text.contains("System tags (2)"), text)
            XCTAssertTrue(text.contains("mlflow.source.name"))
            XCTAssertFalse(text.contains("mlflow.note.content"), "the note is shown as the description, not as a tag")
        }
    }

    func testDetailsShowMetricRangesWhereKnown() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.enter))
        let ranges = ["f1": MetricRange([0.5, .nan, 0.91, 0.7])!]
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest,
                                          .success(RunWithChildren(run: Fixtures.runs[1], children: [], metricRanges: ranges))))
        var text = ""
        for _ in 0..<3 { text += render(state).text; _ = reduce(&state, .key(.pageDown)) }
        XCTAssertTrue(text.contains("0.91   step 3   min 0.5  max 0.91  (4 values)"), text)
        XCTAssertTrue(text.contains("900   step 3"))
        XCTAssertFalse(text.contains("900   step 3   min"), "no range for latency_p95: unknown")
        XCTAssertNil(MetricRange([.nan]))
    }

    func testDetailsOfChildLinksToParentAndShowsNaN() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: Fixtures.runs[2], children: []))))
        let text = render(state).text
        XCTAssertTrue(text.contains("↑ parent"))
        XCTAssertTrue(text.contains("aaa111"))
        XCTAssertTrue(text.contains("NaN   step 3"), text)
    }

    func testCompareViewHighlightsDifferences() {
        for (w, h) in Self.sizes {
            var state = Fixtures.loadedState(width: w, height: h)
            _ = reduce(&state, .key(.char("j")))
            _ = reduce(&state, .key(.char(" ")))
            _ = reduce(&state, .key(.char(" ")))
            _ = reduce(&state, .key(.char("c")))
            _ = reduce(&state, .compareLoaded(request: state.compareRequest, .success(Array(Fixtures.runs[1...2]))))
            let buffer = render(state)
            let text = buffer.text
            XCTAssertTrue(text.contains("Compare 2 runs"))
            XCTAssertTrue(text.contains("child-0-λ"))
            XCTAssertTrue(text.contains("≠ lr"), text)
            XCTAssertTrue(text.contains("  team"), "equal rows are not marked")
            let lrRow = rows(containing: "≠ lr", buffer)[0]
            XCTAssertEqual(buffer[2, lrRow].style, state.theme[.diff], "differing rows use the diff style")
            for value in ["0.91", "NaN", "llama", "1200"] { XCTAssertTrue(text.contains(value), "\(value)\n\(text)") }
            _ = reduce(&state, .key(.char("d")))
            XCTAssertFalse(render(state).text.contains("  team"))
        }
    }

    func testCompareScrollsHorizontallyForManyRuns() {
        let many = (0..<12).map { Fixtures.run("id\($0)", "run-\($0)", params: ["p": "value-\($0)"]) }
        var state = Fixtures.loadedState(runs: many)
        state.table.marks = many.map(\.info.runID)
        _ = reduce(&state, .key(.char("c")))
        _ = reduce(&state, .compareLoaded(request: state.compareRequest, .success(many)))
        var text = render(state).text
        XCTAssertTrue(text.contains("run-0 "))
        XCTAssertTrue(text.contains("value-0 "))
        XCTAssertFalse(text.contains("run-11"))
        for _ in 0..<11 { _ = reduce(&state, .key(.char("l"))) }
        text = render(state).text
        XCTAssertTrue(text.contains("run-11"), text)
        XCTAssertTrue(text.contains("value-11"), text)
        XCTAssertTrue(text.contains("« key"), text)
    }

    func testHelpOverlayIsGeneratedFromTheKeymap() {
        for (w, h) in Self.sizes {
            var state = Fixtures.loadedState(width: w, height: h)
            _ = reduce(&state, .key(.char("?")))
            let text = render(state).text
            XCTAssertTrue(text.contains("Keys (Esc closes)"))
            XCTAssertTrue(text.contains("In runs"))
            XCTAssertTrue(text.contains("filter (MLflow search syntax)"))
            // The runs' keys fill a tall screen; the keys that work everywhere follow them.
            if h >= 50 { _ = reduce(&state, .key(.end)); XCTAssertTrue(render(state).text.contains("Everywhere"), text) }
            XCTAssertTrue(render(state).lines[h - 1].contains("Esc close"))
        }
    }

    func testTagPickerOverlay() {
        for (w, h) in Self.sizes {
            var state = Fixtures.loadedState(width: w, height: h)
            _ = reduce(&state, .key(.char("t")))
            var text = render(state).text
            XCTAssertTrue(text.contains("Tag keys in all 6 runs"))
            XCTAssertTrue(text.contains("stage"))
            _ = reduce(&state, .key(.enter))
            text = render(state).text
            XCTAssertTrue(text.contains("Values of tag stage"))
            XCTAssertTrue(text.contains("prod"))
            _ = reduce(&state, .key(.enter))
            _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: [Fixtures.runs[1], Fixtures.runs[3]]))))
            let buffer = render(state)
            XCTAssertTrue(buffer.lines[h - 2].contains(" stage=prod ×"), buffer.lines[h - 2])
            XCTAssertTrue(buffer.lines[1].contains("· 2"))
        }
    }

    func testFilterErrorCaretPointsAtTheToken() {
        for (w, h) in Self.sizes {
            var state = Fixtures.loadedState(width: w, height: h)
            _ = reduce(&state, .key(.char("/")))
            state.type("params.model = 'gpt-4o' and metrics.f1 >> 1")
            let buffer = render(state)
            let inputRow = rows(containing: "/ params.model", buffer)[0]
            let caret = column(of: "^", in: buffer, row: inputRow + 1)
            XCTAssertEqual(caret, column(of: ">>", in: buffer, row: inputRow), "\(buffer.text)")
            XCTAssertTrue(buffer.text.contains("Invalid comparator"), buffer.text)
        }
    }

    func testLoadingAndErrorStates() {
        var state = AppState(source: "http://127.0.0.1:9", now: Fixtures.now)
        _ = startApp(&state)
        XCTAssertTrue(render(state).lines[0].contains("loading"))
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest,
                                              .failure(MLflowError(.temporarilyUnavailable, "connection refused"))))
        let buffer = render(state)
        XCTAssertTrue(buffer.lines[0].contains("○ disconnected"))
        XCTAssertTrue(buffer.lines[23].contains("connection refused"))
    }

    func testTinyTerminalSaysSo() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .resize(Size(width: 30, height: 6)))
        XCTAssertTrue(render(state).text.hasPrefix("terminal too small (30×6)"))
    }

    func testVirtualizedTableRendersHundredThousandRunsQuickly() {
        let many = (0..<100_000).map { Fixtures.run(String(format: "r%06d", $0), "run-\($0)", offset: Int64($0)) }
        var state = Fixtures.loadedState(width: 200, height: 50, runs: many)
        _ = reduce(&state, .key(.char("G")))
        let buffer = render(state)
        XCTAssertTrue(buffer.text.contains("run-99999"))
        XCTAssertTrue(buffer.lines[1].contains("· 100000"))
    }
}
