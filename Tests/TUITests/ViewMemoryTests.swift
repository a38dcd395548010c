import Foundation
import Terminal
import Tracking
@testable import TUI
import XCTest

/// Each experiment keeps its view (sort, columns, filter, modes), the state file keeps them and
/// the last experiment across sessions, and Ctrl-R recounts and says what it did.
final class ViewMemoryTests: XCTestCase {
    func testEachExperimentKeepsItsWholeView() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .command("sort metrics.f1 desc"))
        state.press(.char("o"))
        state.type("lr")
        state.press(.enter)
        state.press(.escape)
        XCTAssertTrue(state.table.columns.contains(.param("lr")), "\(state.table.columns)")
        state.press(.char("n"), .char("d"))
        _ = reduce(&state, .command("filter metrics.f1 > 0"))
        let view = state.table.view
        XCTAssertEqual(view.sort, SortOrder(key: SearchKey(.metric, "f1"), ascending: false))

        state.press(.tab, .char("j"), .enter)  // "empty one": a view of its own
        XCTAssertEqual(state.table.experimentID, "2")
        XCTAssertEqual(state.table.view, ExperimentView())
        state.press(.char("s"))  // sorted by run name there
        XCTAssertEqual(state.table.sort?.key, SearchKey(.attribute, "run_name"))

        let effects = state.press(.tab, .char("k"), .enter)
        XCTAssertEqual(state.table.view, view)
        let search = effects.compactMap(\.runSearch).first
        XCTAssertEqual(search?.orderBy, ["metrics.f1 DESC"])
        XCTAssertEqual(search?.filter, "metrics.f1 > 0")
        XCTAssertEqual(search?.viewType, .all)
        state.press(.tab, .char("j"), .enter)
        XCTAssertEqual(state.table.sort?.key, SearchKey(.attribute, "run_name"), "and the other keeps its own")
    }

    /// A save on each change of the view or of the open experiment, never before the file was read.
    func testSavesFollowChangesOfTheRememberedValue() {
        var state = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&state)
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        state.press(.tab, .char("j"), .enter)
        XCTAssertNil(saved(state.press(.char("s"))), "the file is not read yet: nothing is written over it")
        let afterLoad = reduce(&state, .memoryLoaded(.found(StoreMemory(store: "x", lastExperiment: "1",
                                                                         views: ["2": ExperimentView(tree: true)]))))
        XCTAssertNil(saved(afterLoad))
        XCTAssertEqual(state.table.sort?.key, SearchKey(.attribute, "run_name"), "the session's own change wins")

        let sorted = saved(state.press(.char("s")))
        XCTAssertEqual(sorted?.views["2"]?.sort?.ascending, false)
        XCTAssertEqual(sorted?.lastExperiment, "2")
        XCTAssertNil(saved(state.press(.char("j"))), "moving the cursor changes no view")
        XCTAssertNil(saved(reduce(&state, .tick(Fixtures.now + 1))))
        XCTAssertNil(saved(state.press(.char("f"))))
        state.type("abc")
        XCTAssertNil(saved(state.press(.enter)), "the quick fuzzy search is not remembered")
        let switched = saved(state.press(.tab, .char("k"), .enter))
        XCTAssertEqual(switched?.lastExperiment, "1")
        XCTAssertEqual(switched?.views["2"]?.filter.fuzzy, "")
        XCTAssertEqual(state.memory.views["2"]?.filter.fuzzy, "abc", "kept for the session")
    }

    func testEncodingRoundTrip() throws {
        var view = ExperimentView()
        view.columns += [.param("lr"), .metric("f1 score"), .tag("stage:x"), .sparkline("loss")]
        view.selectedColumn = 6
        view.scrollColumn = 3
        view.sort = SortOrder(key: SearchKey(.metric, "f1 score"), ascending: false)
        view.showDeleted = true
        view.tree = true
        view.filter = RunFilter(text: "params.model = 'gpt'", chips: [TagChip(key: "stage", value: "it's prod")], fuzzy: "gone")
        let memory = StoreMemory(store: "sqlite:////tmp/m.db", lastExperiment: "7", views: ["7": view])
        let data = try JSONEncoder().encode(memory)
        let decoded = try JSONDecoder().decode(StoreMemory.self, from: data)
        XCTAssertEqual(decoded, StoreMemory(store: memory.store, lastExperiment: "7", views: ["7": view.persisted]))
        XCTAssertEqual(decoded.views["7"]?.filter.fuzzy, "")
        // Unknown columns and fields (a newer mltui) are skipped, not fatal.
        let newer = #"{"store":"s","views":{"1":{"columns":["name","metric:f1","group:x"],"selectedColumn":9,"grouping":["a"]}}}"#
        let read = try JSONDecoder().decode(StoreMemory.self, from: Data(newer.utf8))
        XCTAssertEqual(read.views["1"]?.columns, [.name, .metric("f1")])
        XCTAssertEqual(read.views["1"]?.selectedColumn, 1)
        XCTAssertNil(read.lastExperiment)
    }

    func testStateFileIsPerStoreAtomicAndForgivingOfDamage() throws {
        let dir = NSTemporaryDirectory() + "mltui-memory-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StoreMemoryFile(directory: dir + "/mltui")
        XCTAssertEqual(file.load(store: "file:///a"), MemoryLoad.none, "no file yet")
        let memory = StoreMemory(store: "file:///a", lastExperiment: "3", views: ["3": ExperimentView(tree: true)])
        file.save(memory)
        XCTAssertEqual(file.load(store: "file:///a"), .found(memory))
        XCTAssertEqual(file.load(store: "file:///b"), MemoryLoad.none, "one file per store")
        XCTAssertEqual(StoreMemoryFile.fileName(store: "file:///a"), StoreMemoryFile.fileName(store: "file:///a"))
        XCTAssertNotEqual(StoreMemoryFile.fileName(store: "file:///a"), StoreMemoryFile.fileName(store: "file:///b"))
        XCTAssertEqual(StoreMemoryFile.fileName(store: ""), "cbf29ce484222325.json", "FNV-1a: the same in every process")
        let text = try String(contentsOfFile: file.path(store: "file:///a"), encoding: .utf8)
        XCTAssertTrue(text.contains(#""store" : "file:///a""#), "the URI is inside, for people: \(text)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/mltui").count, 1, "no temporary file left")

        try Data("{\"store\": \"file:///a\", \"views\": [".utf8).write(to: URL(fileURLWithPath: file.path(store: "file:///a")))
        guard case .unreadable(let note) = file.load(store: "file:///a") else { return XCTFail("a damaged file must be noted") }
        XCTAssertTrue(note.contains(file.path(store: "file:///a")), note)

        // A state directory that cannot be made (a file is in the way): nothing remembered, no crash.
        FileManager.default.createFile(atPath: dir + "/blocked", contents: Data())
        let blocked = StoreMemoryFile(directory: dir + "/blocked/mltui")
        blocked.save(memory)
        XCTAssertEqual(blocked.load(store: "file:///a"), MemoryLoad.none)

        XCTAssertEqual(StoreMemoryFile.directory(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]), "/s/mltui")
        XCTAssertEqual(StoreMemoryFile.directory(environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"]), "/h/.local/state/mltui")
        XCTAssertNil(StoreMemoryFile.directory(environment: [:]))
    }

    /// A damaged file: one note on the message line, then start-up goes on as if nothing was remembered.
    func testAnUnreadableStateFileIsANoteNotAFailure() {
        var state = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.unreadable("ignoring the unreadable view state /s/x.json: bad")))
        XCTAssertEqual(state.message, "ignoring the unreadable view state /s/x.json: bad")
        XCTAssertFalse(state.messageIsError)
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertTrue(effects.contains { if case .findLatestRuns = $0 { return true } else { return false } })
        // A file of another store (a hash collision) is not used.
        var other = AppState(source: "x", now: Fixtures.now)
        _ = startApp(&other)
        _ = reduce(&other, .memoryLoaded(.found(StoreMemory(store: "y", lastExperiment: "2"))))
        let opened = reduce(&other, .experimentsLoaded(request: other.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertTrue(opened.compactMap(\.runSearch).isEmpty)
    }

    /// Ctrl-R recounts every experiment and says so; the live tick recounts the open one, silently.
    func testRefreshRecountsAndReportsOnTheMessageLine() {
        var state = Fixtures.loadedState()
        state.utcOffset = 3600
        state.now = 1_700_000_551  // 22:22:31 UTC
        let effects = state.press(.ctrl("r"))
        XCTAssertTrue(effects.contains(.countRuns(experimentIDs: ["1", "2", "3", "0"])))
        XCTAssertEqual(state.message, "refreshing…")
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(state.message, "refreshing…", "the runs are still out")
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: Fixtures.runs))))
        XCTAssertEqual(state.message, "refreshed 23:22:31")
        XCTAssertFalse(state.messageIsError)
        _ = reduce(&state, .runCounted(experimentID: "1", count: 7, lastActivity: nil))
        XCTAssertEqual(state.experiments.row("1")?.runCount, 7)

        state.press(.ctrl("r"))
        let down = MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server")
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .failure(down)))
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertEqual(state.message, "refresh failed: Cannot reach the tracking server")
        XCTAssertTrue(state.messageIsError)

        // The live tick: the table holds every run of the experiment, so it is the count.
        state.message = nil
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: Fixtures.runs))))
        let tick = reduce(&state, .tick(state.now + 10))
        XCTAssertFalse(tick.contains { if case .countRuns = $0 { return true } else { return false } }, "\(tick)")
        let fresh = Fixtures.run("ggg777", "fresh", offset: 6000)
        _ = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .refresh, .success(Page(items: [fresh] + Fixtures.runs))))
        XCTAssertEqual(state.experiments.row("1")?.runCount, 7)
        XCTAssertEqual(state.experiments.row("1")?.lastActivity, Fixtures.start + 6000 + 65_000)
        XCTAssertNil(state.message, "live refreshes are silent")
        // A filtered or partly loaded table says nothing of the total: the open experiment is recounted.
        _ = reduce(&state, .command("filter metrics.f1 > 0"))
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: [fresh]))))
        XCTAssertEqual(state.experiments.row("1")?.runCount, 7)
        XCTAssertTrue(reduce(&state, .tick(state.now + 20)).contains(.countRuns(experimentIDs: ["1"])))
    }

    private func saved(_ effects: [Effect]) -> StoreMemory? {
        for case .saveMemory(let memory) in effects { return memory }
        return nil
    }
}
