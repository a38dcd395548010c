import Analysis
import Foundation
import Terminal
import Tracking
@testable import TUI
import XCTest

/// Grouping in the runs table (`=`, `:group`, `:ungroup`): one row per group in pandas' order with
/// its run count and aggregates, expandable; aggregates cycled with `A`; groups sorted client-side;
/// the view kept in the state file; `:export` writes the frame `mltui runs` prints.
final class RunsGroupingTests: XCTestCase {
    /// Seven runs: model a (2), b (3), missing (2); f1 on most, one NaN.
    static let runs: [Run] = [
        Fixtures.run("r1", "run-1", params: ["model": "b", "seed": "1"], metrics: ["f1": 0.5], tags: ["team": "x"]),
        Fixtures.run("r2", "run-2", params: ["model": "a", "seed": "1"], metrics: ["f1": 0.9], tags: ["team": "x"], offset: 1000),
        Fixtures.run("r3", "run-3", params: ["model": "b", "seed": "2"], metrics: ["f1": 0.7], tags: ["team": "y"], offset: 2000),
        Fixtures.run("r4", "run-4", params: ["seed": "1"], metrics: ["f1": 0.95], tags: ["team": "x"], offset: 3000),
        Fixtures.run("r5", "run-5", params: ["model": "a", "seed": "2"], metrics: ["f1": 0.1], tags: ["team": "x"], offset: 4000),
        Fixtures.run("r6", "run-6", params: ["model": "b", "seed": "1"], metrics: ["f1": .nan], tags: ["team": "x"], offset: 5000),
        Fixtures.run("r7", "run-7", params: ["seed": "2"], tags: ["team": "y"], offset: 6000),
    ]

    func grouped(_ keys: String = "params.model") -> AppState {
        var state = Fixtures.loadedState(width: 140, height: 24, runs: Self.runs)
        state.table.columns.append(.metric("f1"))
        _ = reduce(&state, .command("group " + keys))
        return state
    }

    func groupRows(_ state: AppState) -> [RunGroup] {
        state.table.rows.filter(\.isGroupRow).map { state.table.groups[$0.group!] }
    }

    func testGroupRowsInPandasOrderWithCountsAndAggregates() {
        let state = grouped()
        XCTAssertEqual(state.table.view.groupBy, [.param("model")])
        XCTAssertEqual(groupRows(state).map(\.values), [["a"], ["b"], [nil]])
        XCTAssertEqual(groupRows(state).map(\.members.count), [2, 3, 2])
        let text = render(state).text
        XCTAssertTrue(text.contains("grouped by params.model · 3 groups"), text)
        XCTAssertTrue(text.contains("m:f1 mean"), text)
        let lines = render(state).lines
        let a = lines.first { $0.contains("▸ a (2)") } ?? ""
        XCTAssertTrue(a.contains(formatNumber((0.9 + 0.1) / 2)), a)
        let b = lines.first { $0.contains("▸ b (3)") } ?? ""
        XCTAssertTrue(b.contains(formatNumber((0.5 + 0.7) / 2)), "NaN skipped: \(b)")
        XCTAssertTrue(b.contains("ana"), "the user all members share: \(b)")
        let none = lines.firstIndex { $0.contains("▸ (none) (2)") } ?? -1
        XCTAssertGreaterThan(none, lines.firstIndex { $0.contains("▸ b (") } ?? Int.max, "missing last")
        XCTAssertNil(state.selectedRun, "a group's row is no run")
        var marked = state
        marked.press(.char(" "))
        XCTAssertEqual(marked.table.marks, [])
        XCTAssertEqual(marked.message, "a group's row: Enter opens it to its runs")
    }

    func testTwoKeysAndUngroup() {
        var state = grouped("params.model,tags.team")
        XCTAssertEqual(groupRows(state).map(\.values), [["a", "x"], ["b", "x"], ["b", "y"], [nil, "x"], [nil, "y"]])
        XCTAssertTrue(render(state).text.contains("▸ b · y (1)"))
        _ = reduce(&state, .command("ungroup"))
        XCTAssertEqual(state.table.rows.count, Self.runs.count)
        XCTAssertTrue(state.table.groups.isEmpty)
        _ = reduce(&state, .command("group params.model desc"))
        XCTAssertTrue(state.messageIsError, state.message ?? "")
    }

    func testPickerChoosesKeysInOrderWithDistinctCounts() {
        var state = Fixtures.loadedState(width: 100, height: 30, runs: Self.runs)
        state.press(.char("="))
        XCTAssertEqual(state.picker?.purpose, .groupKey)
        let model = state.picker?.items.first { $0.label == "params.model" }
        XCTAssertEqual(model?.count, 2, "distinct values, a missing key is none")
        XCTAssertEqual(state.picker?.items.first { $0.label == "params.seed" }?.count, 2)
        XCTAssertNotNil(state.picker?.items.first { $0.label == "status" })
        state.type("seed")
        state.press(.enter)
        state.type("model")
        state.press(.enter)
        XCTAssertEqual(state.table.view.groupBy, [.param("seed"), .param("model")])
        XCTAssertEqual(state.picker?.query, "", "the picker stays open for the next key")
        let text = render(state).text
        XCTAssertTrue(text.contains("[1] params.seed") && text.contains("[2] params.model") && text.contains("2 values"), text)
        state.type("seed")
        state.press(.enter, .escape)
        XCTAssertEqual(state.table.view.groupBy, [.param("model")], "Enter on a chosen key removes it")
        XCTAssertNil(state.picker)
    }

    func testAggregateCyclesPerColumnAndShowsInTheHeader() {
        var state = grouped()
        state.table.selectedColumn = state.table.columns.firstIndex(of: .metric("f1"))!
        var seen: [Aggregate] = []
        for _ in 0..<5 {
            state.press(.char("A"))
            seen.append(state.table.view.aggregate(of: .metric("f1")))
        }
        XCTAssertEqual(seen, [.min, .max, .median, .std, .mean])
        state.press(.char("A"), .char("A"))
        let lines = render(state).lines
        XCTAssertTrue(render(state).text.contains("m:f1 max"))
        XCTAssertTrue((lines.first { $0.contains("▸ a (2)") } ?? "").contains("0.9"))
        XCTAssertEqual(Array(state.table.view.aggregates.keys), [.metric("f1")])
        state.table.selectedColumn = 0
        state.press(.char("A"))
        XCTAssertTrue(state.messageIsError, "the name column has no aggregate")
    }

    func testSortingGroupsByAnAggregateKeepsMissingKeysLast() {
        var state = grouped()
        state.table.selectedColumn = state.table.columns.firstIndex(of: .metric("f1"))!
        let effects = state.press(.char("s"))
        XCTAssertTrue(effects.compactMap(\.runSearch).isEmpty, "client-side")
        XCTAssertEqual(groupRows(state).map(\.values), [["b"], ["a"], [nil]], "mean 0.6 before 0.5, descending")
        XCTAssertTrue(render(state).text.contains("m:f1 mean ▼"))
        state.press(.char("s"))
        XCTAssertEqual(groupRows(state).map(\.values), [["a"], ["b"], [nil]], "ascending; the missing key still last")
        state.press(.char("A"))  // min: a 0.1, b 0.5
        state.press(.char("s"))
        XCTAssertEqual(groupRows(state).map(\.values), [["b"], ["a"], [nil]])
        _ = reduce(&state, .command("sort metrics.f1 asc"))
        XCTAssertEqual(state.table.view.groupSort, GroupSort(column: .metric("f1"), ascending: true))
        XCTAssertEqual(groupRows(state).map(\.values), [["a"], ["b"], [nil]])
    }

    func testExpandCollapseAndRunKeysOnMembers() {
        var state = grouped()
        state.press(.char("j"), .enter)  // the group of model b
        XCTAssertEqual(state.table.rows.count, 3 + 3)
        XCTAssertEqual(state.table.rows.filter(\.isMember).map { state.table.runs[$0.index].info.runID }, ["r1", "r3", "r6"],
                       "members in the store's order")
        XCTAssertTrue(render(state).lines.contains { $0.contains("▾ b (3)") })
        XCTAssertTrue(render(state).lines.contains { $0.contains("    run-3") }, "members indented")
        state.press(.char("j"), .char("j"))
        XCTAssertEqual(state.selectedRun?.info.runID, "r3")
        state.press(.char(" "))
        XCTAssertEqual(state.table.marks, ["r3"])
        let details = state.press(.char("k"), .enter)
        XCTAssertTrue(details.contains { if case .loadDetails(_, "r3") = $0 { return true } else { return false } }, "\(details)")
        state.press(.escape)
        state.pane = .runs
        state.press(.char("z"))
        XCTAssertEqual(state.table.rows.count, 3, "z on a member closes its group")
        XCTAssertEqual(state.table.cursor.index, 1, "the cursor on the group's row")
    }

    func testGroupingLoadsEveryPage() {
        var state = Fixtures.loadedState(width: 100, height: 24, runs: Self.runs)
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace,
                                       .success(Page(items: Array(Self.runs.prefix(3)), nextPageToken: "p2"))))
        let effects = reduce(&state, .command("group params.model"))
        XCTAssertEqual(effects.compactMap(\.runSearch).first?.pageToken, "p2")
        XCTAssertTrue(render(state).text.contains("grouping 3 of 7… by params.model"), render(state).text)
        let next = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .append,
                                              .success(Page(items: Array(Self.runs.dropFirst(3)), nextPageToken: nil))))
        XCTAssertTrue(next.compactMap(\.runSearch).isEmpty)
        XCTAssertTrue(render(state).text.contains("grouped by params.model · 3 groups"))
    }

    func testTheStateFileKeepsGroupsAggregatesAndTheirSort() throws {
        var view = ExperimentView()
        view.columns += [.metric("f1"), .best(.max, "acc")]
        view.groupBy = [.param("model"), .tag("team")]
        view.aggregates = [.metric("f1"): .median, .best(.max, "acc"): .std]
        view.groupSort = GroupSort(column: .best(.max, "acc"), ascending: false)
        let memory = StoreMemory(store: "s", views: ["1": view])
        let data = try JSONEncoder().encode(memory)
        XCTAssertEqual(try JSONDecoder().decode(StoreMemory.self, from: data), memory)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""metric:f1":"median""#), text)
        // Files without the fields (older ones) read as ungrouped, means, pandas' order.
        let old = try JSONDecoder().decode(StoreMemory.self, from: Data(#"{"store":"s","views":{"1":{"columns":["name"]}}}"#.utf8))
        XCTAssertEqual(old.views["1"]?.aggregates, [:])
        XCTAssertNil(old.views["1"]?.groupSort)
    }

    func job(_ effects: [Effect]) -> ExportJob? {
        effects.compactMap { if case .export(let job) = $0 { return job } else { return nil } }.first
    }

    func testExportFrameOfAnUngroupedView() {
        var state = Fixtures.loadedState(width: 100, height: 24, runs: Self.runs)
        state.table.columns.append(.metric("f1"))
        state.press(.char("f"))
        state.type("run-")
        state.press(.enter)
        let exported = job(reduce(&state, .command("export out.csv")))
        XCTAssertEqual(exported?.format, .csv)
        let shown = state.table.rows.map { state.table.runs[$0.index] }
        XCTAssertEqual(exported?.frame, RunFrame.runs(shown, columns: state.table.columns.map(\.columnKey), now: Int64(state.now * 1000)))
        XCTAssertEqual(exported?.frame.header, ["run_id", "run_name", "start_time", "duration", "user_id", "tags.mlflow.source.name", "metrics.f1"])
        XCTAssertEqual(exported?.frame.rows.count, 7)
        XCTAssertEqual(job(reduce(&state, .command("export notes.md")))?.format, .md)
        XCTAssertNil(job(reduce(&state, .command("export out.xlsx"))))
        XCTAssertTrue(state.messageIsError && (state.message ?? "").contains(".csv"), state.message ?? "")
    }

    func testExportFrameOfAGroupedViewFollowsTheShownOrder() throws {
        var state = grouped()
        let unsorted = try XCTUnwrap(job(reduce(&state, .command("export g.json"))))
        XCTAssertEqual(unsorted.frame, RunFrame.groups(Self.runs, by: [.param("model")], columns: state.table.columns.map(\.columnKey)))
        XCTAssertEqual(unsorted.noun, "groups")
        state.table.selectedColumn = state.table.columns.firstIndex(of: .metric("f1"))!
        state.press(.char("s"))
        let sorted = try XCTUnwrap(job(reduce(&state, .command("export g.csv"))))
        XCTAssertEqual(sorted.frame.rows.map { $0[0] }, [.text("b"), .text("a"), .missing])
        XCTAssertEqual(sorted.frame.rows.map { $0[1] }, [unsorted.frame.rows[1][1], unsorted.frame.rows[0][1], unsorted.frame.rows[2][1]])
        _ = reduce(&state, .exported(ExportOutcome(job: sorted, error: nil)))
        XCTAssertEqual(state.message, "exported 3 groups to g.csv")
        _ = reduce(&state, .exported(ExportOutcome(job: sorted, error: "no such directory")))
        XCTAssertEqual(state.message, "cannot export to g.csv: no such directory")
    }

    func testExportWriterResolvesPathsAndReplacesAtomically() throws {
        let dir = NSTemporaryDirectory() + "mltui-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/home", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let frame = RunFrame.groups(Self.runs, by: [.param("model")], columns: [.metric("f1")])
        for (path, expected) in [("rel.csv", dir + "/rel.csv"), ("~/h.csv", dir + "/home/h.csv"), (dir + "/abs.csv", dir + "/abs.csv")] {
            let outcome = ExportWriter.write(ExportJob(path: path, format: .csv, frame: frame, noun: "groups"), home: dir + "/home", directory: dir)
            XCTAssertNil(outcome.error)
            XCTAssertEqual(try String(contentsOfFile: expected, encoding: .utf8), FrameWriters.csv(frame))
        }
        let md = ExportWriter.write(ExportJob(path: "t.md", format: .md, frame: frame, noun: "groups"), home: nil, directory: dir)
        XCTAssertNil(md.error)
        XCTAssertEqual(try String(contentsOfFile: dir + "/t.md", encoding: .utf8), FrameWriters.markdown(frame, display: displayText))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
        let missing = ExportWriter.write(ExportJob(path: "nope/x.csv", format: .csv, frame: frame, noun: "groups"), home: nil, directory: dir)
        XCTAssertEqual(missing.error, "no such directory")
    }

    /// Mistakes say so: a key no loaded run has (a typo), a metric as group key (as the CLI
    /// refuses it), `A` on a table that is not grouped, `:column` of a metric no run logged.
    func testMistakesAreNamed() {
        var state = grouped("params.nope")
        XCTAssertTrue(state.messageIsError && (state.message ?? "").contains("no loaded run has params.nope"), state.message ?? "")
        state = grouped("metrics.f1")
        XCTAssertTrue(state.messageIsError && (state.message ?? "").contains("a metric is aggregated in every group"), state.message ?? "")
        XCTAssertEqual(state.table.view.groupBy, [], "not grouped by a metric")
        state = Fixtures.loadedState(width: 140, height: 24, runs: Self.runs)
        state.table.columns.append(.metric("f1"))
        state.table.selectedColumn = state.table.columns.count - 1
        state.press(.char("A"))
        XCTAssertTrue(state.messageIsError && (state.message ?? "").contains("group first"), state.message ?? "")
        _ = reduce(&state, .command("column max(metrics.nope)"))
        XCTAssertTrue(state.messageIsError && (state.message ?? "").contains("no loaded run has metric nope"), state.message ?? "")
        XCTAssertEqual(state.table.columns.last, .best(.max, "nope"), "the column stays: later pages may have it")
    }

    /// Sorting groups says that groups missing a key stay last, where there are such groups.
    func testGroupSortSaysMissingKeysStayLast() {
        var state = grouped()
        state.table.selectedColumn = state.table.columns.count - 1
        state.press(.char("s"))
        XCTAssertTrue((state.message ?? "").contains("groups missing a key stay last"), state.message ?? "")
    }
}
