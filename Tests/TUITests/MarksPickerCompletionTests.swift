import XCTest
import Terminal
import Tracking
@testable import TUI

/// Marks (count, clear-all, which runs c and v act on), picker ranking and readline keys, and
/// filter completion at each position of a filter.
final class MarksPickerCompletionTests: XCTestCase {
    // MARK: marks

    func testMarkCountFooterHintsAndClearAll() {
        var state = Fixtures.loadedState()
        state.pane = .runs
        state.press(.char(" "), .char(" "))
        XCTAssertEqual(state.table.marks, ["aaa111", "bbb222"])
        var lines = render(state).lines
        XCTAssertTrue(lines[1].hasSuffix("· 2 marked"), lines[1])
        XCTAssertTrue(lines[22].contains("2 marked (U unmarks)"), lines[22])
        XCTAssertTrue(lines[23].hasPrefix(" c compare 2 marked  v chart 2 marked  U unmark all"), lines[23])

        state.press(.char("U"))
        XCTAssertEqual(state.table.marks, [])
        XCTAssertEqual(state.message, "unmarked 2 runs: v charts the selected run")
        state.press(.char("j"))  // clears the message
        lines = render(state).lines
        XCTAssertFalse(render(state).text.contains("marked"), render(state).text)
        XCTAssertTrue(lines[23].hasPrefix(" Enter details"), lines[23])
        state.press(.char("U"))
        XCTAssertEqual(state.message, "no runs are marked")
    }

    func testMarkCountSurvivesANarrowPaneAndLongTitle() {
        var state = Fixtures.loadedState(width: 60, height: 20)
        state.pane = .runs
        _ = reduce(&state, .command("sort metrics.latency_p95 desc"))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: Fixtures.runs))))
        state.press(.char(" "), .char(" "), .char(" "))
        let title = render(state).lines[1]
        XCTAssertTrue(title.hasSuffix("· 3 marked"), title)
        XCTAssertTrue(render(state).lines[18].contains("3 marked"))
    }

    func testChartActsOnMarksOrTheSelectedRunAndSaysWhich() {
        var state = Fixtures.loadedState()
        state.pane = .runs
        state.press(.char("j"), .char(" "), .char(" "))  // marks child-0, child-1
        state.press(.char("v"))
        XCTAssertEqual(state.chart?.runIDs, ["bbb222", "ccc333"])
        XCTAssertTrue(render(state).lines[1].contains("marked: child-0-λ, child-1-λ"), render(state).lines[1])
        state.press(.escape, .char("U"), .char("k"), .char("k"))  // back to child-0
        state.press(.char("v"))
        XCTAssertEqual(state.chart?.runIDs, ["bbb222"])
        XCTAssertTrue(render(state).lines[1].contains("selected: child-0-λ"), render(state).lines[1])
    }

    func testCompareTitleListsTheMarkedRuns() {
        var state = Fixtures.loadedState()
        state.pane = .runs
        state.press(.char(" "), .char(" "), .char("c"))
        XCTAssertEqual(state.compare?.runIDs, ["aaa111", "bbb222"])
        XCTAssertTrue(render(state).lines[1].contains("marked: parent-sweep, child-0-λ"), render(state).lines[1])
    }

    // MARK: ranking

    func testRankingTable() {
        let table: [(query: String, labels: [String], ranked: [String])] = [
            ("f1", ["best_f1", "f1_macro", "f1", "val_f1_x", "fx1"], ["f1", "f1_macro", "best_f1", "val_f1_x", "fx1"]),
            ("F1", ["f1", "best_f1"], ["f1", "best_f1"]),               // case-insensitive
            ("bf", ["best_f1", "buffer", "f1"], ["buffer", "best_f1"]),  // subsequences: shorter first
            ("a", ["ab", "aa", "ba"], ["aa", "ab", "ba"]),               // prefix ties: alphabetical
            ("", ["b", "a"], ["b", "a"]),                                // no query: own order
            ("zz", ["a"], []),
        ]
        for row in table {
            XCTAssertEqual(rankMatches(row.query, row.labels, label: { $0 }, texts: { [$0] }), row.ranked, row.query)
        }
    }

    func runsWithBestF1() -> [Run] {
        var runs = Fixtures.runs
        runs[1] = Fixtures.run("bbb222", "child-0-λ", params: ["f1": "x"], metrics: ["best_f1": 0.9, "f1": 0.91], offset: 1000)
        return runs
    }

    func testColumnPickerRanksTheExactKeyFirstAndEditsItsQueryLikeReadline() {
        var state = Fixtures.loadedState(runs: runsWithBestF1())
        state.pane = .runs
        state.press(.char("o"))
        state.type("f1")
        // Best-of entries match the bare key too, after the plain keys (longer labels).
        XCTAssertEqual(state.picker?.visibleItems.map(\.label), ["m:f1", "p:f1", "max(f1)", "min(f1)", "m:best_f1", "max(best_f1)", "min(best_f1)"])
        XCTAssertTrue(render(state).text.contains("[ ] m:f1"))
        // Readline keys: Ctrl-A then a character inserts at the start, ←/→ move, Ctrl-K kills to the end.
        state.press(.ctrl("a"), .char("m"), .char(":"))
        XCTAssertEqual(state.picker?.query, "m:f1")
        XCTAssertEqual(state.picker?.visibleItems.first?.label, "m:f1")
        state.press(.right, .ctrl("k"))
        XCTAssertEqual(state.picker?.query, "m:f")
        state.press(.ctrl("w"))
        XCTAssertEqual(state.picker?.query, "m:")
        state.press(.ctrl("e"), .char("l"), .ctrl("u"))
        XCTAssertEqual(state.picker?.query, "")
        XCTAssertEqual(state.picker?.visibleItems.count, state.picker?.items.count)
        // q, ? and : are query text in the picker, not quit, help or the command line.
        state.type("q?:")
        XCTAssertEqual(state.picker?.query, "q?:")
        XCTAssertFalse(state.shouldQuit)
        state.press(.ctrl("u"), .backspace)
        XCTAssertNil(state.picker, "Backspace on an empty query closes the picker")
    }

    func testTogglingAColumnClearsTheQueryAndKeepsTheCursorOnIt() {
        var state = Fixtures.loadedState(runs: runsWithBestF1())
        state.pane = .runs
        state.press(.char("o"))
        state.type("best")
        state.press(.enter)
        XCTAssertTrue(state.table.columns.contains(.metric("best_f1")))
        let picker = state.picker!
        XCTAssertEqual(picker.query, "")
        XCTAssertEqual(picker.visibleItems.count, picker.items.count)
        XCTAssertEqual(picker.visibleItems[picker.cursor.index].label, "m:best_f1")
        XCTAssertTrue(picker.visibleItems[picker.cursor.index].checked)
        state.press(.enter)  // toggles it off again, the cursor stays
        XCTAssertFalse(state.table.columns.contains(.metric("best_f1")))
        XCTAssertEqual(state.picker!.visibleItems[state.picker!.cursor.index].label, "m:best_f1")
    }

    func testPickerPagesWithPageKeysNotCtrlUOrCtrlD() {
        XCTAssertNil(Keymap.command(for: .ctrl("u"), in: .picker))
        XCTAssertNil(Keymap.command(for: .ctrl("d"), in: .picker))
        XCTAssertEqual(Keymap.command(for: .pageUp, in: .picker), .pageUp)
        XCTAssertEqual(Keymap.command(for: .ctrl("u"), in: .runs), .pageUp)
    }

    func testJumpRanksLikeThePickers() {
        var state = Fixtures.loadedState()
        state.pane = .experiments
        state.press(.char("/"))
        state.type("one")
        XCTAssertEqual(state.experiments.visible[state.experiments.cursor.index].experiment.name, "empty one")
        state.press(.ctrl("u"))
        state.type("dflt")  // a subsequence
        XCTAssertEqual(state.experiments.visible[state.experiments.cursor.index].experiment.name, "Default")
    }

    // MARK: filter completion

    func pipelineRuns() -> [Run] {
        var runs = Fixtures.runs
        runs[1].data.tags.append(Tag("pipeline", "train"))
        runs[2].data.tags.append(Tag("pipeline", "it's eval"))
        runs[3].data.tags.append(Tag("pipeline", "transfer"))
        return runs
    }

    /// The filter line after typing `text` and pressing Tab.
    func complete(_ text: String, _ state: AppState? = nil) -> TextInput {
        var state = state ?? Fixtures.loadedState(runs: pipelineRuns())
        state.pane = .runs
        state.press(.char("/"), .ctrl("u"))
        state.type(text)
        state.press(.tab)
        return state.input!
    }

    func testCompletionAtEachPosition() {
        let rows: [(typed: String, text: String, completions: [String])] = [
            // A key; a unique one gets a space, so the next Tab offers comparators.
            ("tags.pi", "tags.pipeline ", []),
            ("metrics.la", "metrics.latency_p95 ", []),
            ("tags.pipeline ", "tags.pipeline ", ["=", "!=", "LIKE", "ILIKE"]),
            ("tags.pipeline IL", "tags.pipeline ILIKE ", []),
            ("attributes.run_id I", "attributes.run_id I", ["ILIKE", "IN"]),
            ("attributes.run_id in", "attributes.run_id IN (", []),
            // Values after a comparator, quoted: the quote MLflow needs for the value.
            ("tags.pipeline = ", "tags.pipeline = ", ["\"it's eval\"", "'train'", "'transfer'"]),
            ("tags.pipeline = tr", "tags.pipeline = 'tra", ["'train'", "'transfer'"]),
            ("tags.pipeline != 'trai", "tags.pipeline != 'train'", []),
            ("tags.pipeline = \"tra", "tags.pipeline = \"tra", ["\"train\"", "\"transfer\""]),
            ("tags.pipeline = it", "tags.pipeline = \"it's eval\"", []),
            ("tags.pipeline = 'it", "tags.pipeline = \"it's eval\"", []),
            ("tags.pipeline LIKE 'tran", "tags.pipeline LIKE 'transfer'", []),
            ("params.model ilike g", "params.model ilike 'gpt-4o'", []),
            ("attributes.status = 'F", "attributes.status = 'F", ["'FAILED'", "'FINISHED'"]),
            ("attributes.run_id IN ('aaa111', 'bb", "attributes.run_id IN ('aaa111', 'bbb222'", []),
            ("attributes.run_id NOT IN (", "attributes.run_id NOT IN ('", ["'aaa111'", "'bbb222'", "'ccc333'", "'ddd444'", "'eee555'", "'fff666'"]),
            // After a clause: AND; after AND: keys again.
            ("tags.pipeline = 'train' ", "tags.pipeline = 'train' AND ", []),
            ("metrics.f1 > 0.5 a", "metrics.f1 > 0.5 AND ", []),
            ("metrics.f1 > 0.5 and params.mo", "metrics.f1 > 0.5 and params.model ", []),
            // Nothing to offer says why.
            ("metrics.f1 > ", "metrics.f1 > ", ["metrics.f1 compares with a number"]),
            ("tags.team = 'x", "tags.team = 'x", ["no completion for 'x'"]),
            ("tags.stage LIKE ", "tags.stage LIKE '", ["'dev'", "'prod'"]),
            // A value over several lines cannot be typed on the filter line.
            ("tags.mlflow.note.content = ", "tags.mlflow.note.content = ", ["no values of tags.mlflow.note.content seen in this experiment"]),
        ]
        for row in rows {
            let input = complete(row.typed)
            XCTAssertEqual(input.text, row.text, row.typed)
            XCTAssertEqual(input.completions, row.completions, row.typed)
            XCTAssertEqual(input.cursor, input.text.count, row.typed)
        }
    }

    func testCompletionInTheMiddleOfTheLineReplacesOnlyUpToTheCursor() {
        var state = Fixtures.loadedState(runs: pipelineRuns())
        state.pane = .runs
        state.press(.char("/"))
        state.type("tags.pi and metrics.f1 > 0")
        for _ in 0..<"and metrics.f1 > 0".count + 1 { state.press(.left) }
        state.press(.tab)
        XCTAssertEqual(state.input?.text, "tags.pipeline  and metrics.f1 > 0")
    }

    func testAFilterMatchingNothingStillCompletes() {
        var state = Fixtures.loadedState(runs: pipelineRuns())
        state.pane = .runs
        state.press(.char("/"))
        state.type("tags.pipeline = 'nothing'")
        let effects = state.press(.enter)
        XCTAssertNotNil(effects.first?.runSearch)
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: []))))
        XCTAssertTrue(state.table.runs.isEmpty)
        XCTAssertEqual(state.press(.char("/")), [], "an unfiltered load was seen: no sample needed")
        state.press(.ctrl("u"))
        state.type("tags.pipeline = ")
        state.press(.tab)
        XCTAssertEqual(state.input?.completions, ["\"it's eval\"", "'train'", "'transfer'"])
    }

    func testWithoutAnUnfilteredLoadTheFilterLineAsksForASample() {
        var state = AppState(source: "x", size: Size(width: 80, height: 24), now: Fixtures.now)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.found(StoreMemory(store: "x", lastExperiment: "1"))))
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        // A filter applied before the first load answered: that answer is stale, dropped.
        _ = reduce(&state, .command("filter tags.pipeline = 'nothing'"))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: []))))
        state.pane = .runs
        let effects = state.press(.char("/"))
        XCTAssertEqual(effects, [.sampleRuns(experimentID: "1", RunSearch(experimentIDs: ["1"], maxResults: 500))])
        XCTAssertEqual(state.press(.escape, .char("/")), [], "one sample at a time")
        _ = reduce(&state, .runsSampled(experimentID: "1", .success(Page(items: pipelineRuns()))))
        XCTAssertEqual(state.press(.escape, .char("/")), [], "sampled once per experiment")
        XCTAssertTrue(state.table.runs.isEmpty, "the sample leaves the table alone")
        state.press(.ctrl("u"))
        state.type("tags.pipeline = 'tr")
        state.press(.tab)
        XCTAssertEqual(state.input?.completions, ["'train'", "'transfer'"])
    }

    func testQuotingFollowsMLflowsReading() {
        XCTAssertEqual(quotedFilterValue("a b"), "'a b'")
        XCTAssertEqual(quotedFilterValue("it's"), "\"it's\"")
        XCTAssertEqual(quotedFilterValue("say \"hi\""), "'say \"hi\"'")
        XCTAssertEqual(quotedFilterValue("a", preferring: "\""), "\"a\"")
        XCTAssertNil(quotedFilterValue("it's \"x\""))
        XCTAssertEqual(TagChip(key: "owner", value: "o'neil").clause, "tags.owner = \"o'neil\"")
    }

    /// The filter bar's error for the incomplete filters met while completing starts with
    /// MLflow 3.17.2's message for them (`SearchUtils.parse_search_filter`, run in its venv);
    /// after it may come what is missing and the column.
    func testErrorsWhileCompletingStartWithMLflowsWording() {
        let mlflow: [(filter: String, message: String)] = [
            ("tags.pipeline = ", "Invalid clause(s) in filter string: 'tags.pipeline', '='"),
            ("params.lr != ", "Invalid clause(s) in filter string: 'params.lr', '!='"),
            ("tags.pipeline LIKE", "Invalid clause(s) in filter string: 'tags.pipeline', 'LIKE'"),
            ("tags.pipeline", "Invalid clause(s) in filter string: 'tags.pipeline'"),
            ("attributes.run_id IN", "Invalid clause(s) in filter string: 'attributes.run_id', 'IN'"),
            ("attributes.run_id IN (", "Invalid clause(s) in filter string: 'attributes.run_id', 'IN', '('"),
            ("attributes.run_id IN ('a',", "Invalid clause(s) in filter string: 'attributes.run_id', 'IN', '(', ''a'', ','"),
            ("tags.pipeline = tr", "Parameter value is either not quoted or unidentified quote types used for string value tr. "
                + "Use either single or double quotes."),
            ("foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are"),
            ("attributes.status IN ('x')", "Only ['run_id'] attributes support comparison with a list of quoted string values"),
            // MLflow lists the open quote's tokens; the grammar says which quote is open.
            ("tags.pipeline = 'x", "Invalid clause(s) in filter string: "),
        ]
        for row in mlflow {
            let message = filterProblem(row.filter)?.message ?? "no error"
            XCTAssertTrue(message.hasPrefix(row.message), "\(row.filter): \(message)\n  MLflow: \(row.message)")
        }
    }
}
