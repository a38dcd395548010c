import Terminal
import Tracking
import XCTest
@testable import TUI

/// Editing from the keyboard, reducer and render: which runs an edit key acts on, the lines and
/// pickers it opens, the confirmation, the write it asks for, and what a result does to the screen.
final class EditingTests: XCTestCase {
    private func writes(_ effects: [Effect]) -> [WriteJob] {
        effects.compactMap { if case .write(let job) = $0 { return job } else { return nil } }
    }

    private func ref(_ state: AppState, _ id: String) -> RunRef {
        RunRef(state.table.runs.first { $0.info.runID == id }!)
    }

    func testTagLineWritesKeyValueOnTheSelectedRunAndCompletesKeysThenValues() {
        var state = Fixtures.loadedState()
        let selected = state.selectedRun!
        state.press(.char("T"))
        XCTAssertEqual(state.input?.kind, .edit(.tag(.runs([RunRef(selected)]))))
        state.type("te")
        state.press(.tab)
        XCTAssertEqual(state.input?.text, "team=", "the one key starting with te, and its =")
        state.press(.tab)
        XCTAssertEqual(state.input?.text, "team=vision", "the one value of team in the loaded runs")
        state.press(.ctrl("u"))
        state.type("st")
        state.press(.tab)
        state.press(.tab)
        XCTAssertEqual(state.input?.text, "stage=")
        XCTAssertEqual(state.input?.completions, ["dev", "prod"], "two values: listed under the line")
        state.type("qa")
        let effects = state.press(.enter)
        XCTAssertEqual(writes(effects), [.setRunTag([RunRef(selected)], Tag("stage", "qa"))])
        XCTAssertNil(state.input)
    }

    func testALineWithoutEqualsStaysOpenAndSaysWhatToType() {
        var state = Fixtures.loadedState()
        state.press(.char("T"))
        state.type("team")
        XCTAssertTrue(writes(state.press(.enter)).isEmpty)
        XCTAssertNotNil(state.input, "kept for the user to finish")
        XCTAssertEqual(state.message, "type KEY=VALUE (Tab completes keys and values)")
    }

    func testMarkedRunsAreWhatTagsDeleteAndRestoreActOn() {
        var state = Fixtures.loadedState()
        state.press(.char(" "), .char(" "))  // marks the first two rows
        let marked = state.table.marks.map { ref(state, $0) }
        XCTAssertEqual(marked.count, 2)
        state.press(.char("T"))
        state.type("owner=ana")
        XCTAssertEqual(writes(state.press(.enter)), [.setRunTag(marked, Tag("owner", "ana"))])

        state.press(.char("D"))
        XCTAssertEqual(state.confirm?.question, "Delete 2 runs: \(marked[0].name), \(marked[1].name)? y/N")
        XCTAssertTrue(render(state).text.contains("Delete 2 runs: \(marked[0].name)"), "the question is on screen")
        XCTAssertTrue(writes(state.press(.char("n"))).isEmpty)
        XCTAssertNil(state.confirm)
        XCTAssertEqual(state.message, "cancelled: nothing changed")
        state.press(.char("D"))
        XCTAssertEqual(writes(state.press(.char("y"))), [.deleteRuns(marked)])

        state.press(.char("R"))
        XCTAssertNil(state.confirm, "nothing to restore: neither run is deleted")
        XCTAssertEqual(state.message, "2 runs: \(marked[0].name), \(marked[1].name) not deleted: nothing to restore (d shows deleted runs)")
    }

    func testUntagPickerOffersTheRunsTagsAndRemovesFromThoseThatHaveIt() throws {
        var state = Fixtures.loadedState()
        let runs = Array(state.table.runs.prefix(4))
        state.table.marks = runs.map(\.info.runID)
        state.press(.char("u"))
        let picker = try XCTUnwrap(state.picker)
        let labels = picker.items.map(\.label)
        XCTAssertEqual(Array(labels.prefix(2)), ["stage", "team"], "user tags first")
        XCTAssertFalse(labels.contains("mlflow.runName"), "renaming is r")
        XCTAssertEqual(picker.items.first { $0.label == "stage" }?.count, 3)
        state.type("stage")
        let effects = state.press(.enter)
        let having = runs.filter { $0.data.tag("stage") != nil }.map(RunRef.init)
        XCTAssertEqual(writes(effects), [.deleteRunTag(having, key: "stage")])
    }

    func testRenameIsPrefilledAndAnUnchangedNameWritesNothing() {
        var state = Fixtures.loadedState()
        let run = state.selectedRun!
        state.press(.char("r"))
        XCTAssertEqual(state.input?.text, run.info.runName)
        XCTAssertTrue(writes(state.press(.enter)).isEmpty)
        XCTAssertEqual(state.message, "name unchanged: nothing written")
        state.press(.char("r"), .ctrl("u"))
        state.type("renamed")
        XCTAssertEqual(writes(state.press(.enter)), [.renameRun(RunRef(run), name: "renamed")])
    }

    func testRenameAndDescriptionActOnTheCursorsRunNotTheMarks() {
        var state = Fixtures.loadedState()
        state.table.marks = [state.table.runs[0].info.runID, state.table.runs[2].info.runID]
        state.table.cursor.index = 1
        let run = state.selectedRun!
        XCTAssertEqual(run.info.runID, state.table.runs[1].info.runID)
        state.press(.char("r"))
        XCTAssertEqual(state.input?.kind, .edit(.runName(RunRef(run))))
        state.press(.escape)
        XCTAssertEqual(state.press(.char("e")), [.editNote(RunRef(run), current: run.description ?? "", text: run.description ?? "")])
    }

    func testAFailedSaveKeepsTheDraftAndEOpensItAgain() {
        var state = Fixtures.loadedState()
        let run = state.selectedRun!
        let ref = RunRef(run)
        let effects = reduce(&state, .noteEdited(run: ref, original: run.description ?? "", edited: "draft text\n", problem: nil))
        XCTAssertEqual(writes(effects), [.setNote(ref, text: "draft text")])
        _ = reduce(&state, .written(WriteOutcome(job: .setNote(ref, text: "draft text"), done: 0,
                                                  error: MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server"))))
        XCTAssertTrue(state.message?.contains("your text is kept: e opens it again") == true, state.message ?? "")
        XCTAssertEqual(state.press(.char("e")), [.editNote(ref, current: run.description ?? "", text: "draft text")])
        _ = reduce(&state, .written(WriteOutcome(job: .setNote(ref, text: "draft text"), done: 1)))
        XCTAssertEqual(state.press(.char("e")), [.editNote(ref, current: run.description ?? "", text: run.description ?? "")])
    }

    func testDeletedRunsAreNotRenamedOrDescribedAndBlankNamesAreRefused() {
        var state = Fixtures.loadedState()
        let index = state.table.cursor.index
        state.table.runs[index].info.lifecycleStage = .deleted
        XCTAssertTrue(state.press(.char("e")).isEmpty)
        XCTAssertTrue(state.message?.contains("is deleted: R restores it first") == true, state.message ?? "")
        state.table.runs[index].info.lifecycleStage = .active
        state.press(.char("r"))
        state.press(.ctrl("u"))
        state.type("   ")
        XCTAssertTrue(writes(state.press(.enter)).isEmpty)
        XCTAssertEqual(state.message, "a run name cannot be blank: nothing written")
    }

    func testDescriptionGoesToTheEditorAndOnlyAChangedTextIsWritten() {
        var state = Fixtures.loadedState()
        let run = state.selectedRun!
        let note = run.description ?? ""
        XCTAssertEqual(state.press(.char("e")), [.editNote(RunRef(run), current: note, text: note)])
        // Editors end the file with a newline: that alone is no change.
        XCTAssertTrue(reduce(&state, .noteEdited(run: RunRef(run), original: note, edited: note + "\n", problem: nil)).isEmpty)
        XCTAssertEqual(state.message, "description unchanged: nothing written")
        XCTAssertTrue(reduce(&state, .noteEdited(run: RunRef(run), original: note, edited: nil, problem: "vi exited with status 1")).isEmpty)
        XCTAssertEqual(state.message, "description not saved: vi exited with status 1")
        let effects = reduce(&state, .noteEdited(run: RunRef(run), original: note, edited: "# Plan\n\n- more data\n", problem: nil))
        XCTAssertEqual(writes(effects), [.setNote(RunRef(run), text: "# Plan\n\n- more data")])
    }

    func testReadOnlyTurnsEveryEditOffAndSaysSo() {
        var state = Fixtures.loadedState()
        state.readOnly = true
        state.table.marks = [state.table.runs[0].info.runID]
        for key in ["T", "u", "r", "e", "D", "R"] {
            state.message = nil
            XCTAssertTrue(state.press(.char(Character(key))).isEmpty, key)
            XCTAssertNil(state.input, key)
            XCTAssertNil(state.picker, key)
            XCTAssertNil(state.confirm, key)
            XCTAssertEqual(state.message, "read-only (--read-only): edits are off", key)
        }
        XCTAssertTrue(render(state).text.contains("read-only"), "the header says so too")
        state.pane = .experiments
        state.press(.char("D"))
        XCTAssertEqual(state.message, "read-only (--read-only): edits are off")
    }

    func testAFailedWriteIsOneMessageAndChangesNothing() {
        var state = Fixtures.loadedState()
        let refs = [ref(state, "aaa111")]
        let before = state
        let error = MLflowError(.permissionDenied, "Permission denied")
        let effects = reduce(&state, .written(WriteOutcome(job: .setRunTag(refs, Tag("k", "v")), done: 0, error: error)))
        XCTAssertTrue(effects.isEmpty, "nothing reloads")
        XCTAssertEqual(state.message, "could not set tag k=v on run parent-sweep: PERMISSION_DENIED: Permission denied")
        XCTAssertTrue(state.messageIsError)
        XCTAssertEqual(state.table, before.table)
        XCTAssertEqual(state.experiments, before.experiments)
    }

    func testADoneWriteReloadsAndDeletedRunsLeaveTheMarks() {
        var state = Fixtures.loadedState()
        let refs = [ref(state, "aaa111"), ref(state, "bbb222")]
        state.table.marks = refs.map(\.id)
        let effects = reduce(&state, .written(WriteOutcome(job: .deleteRuns(refs), done: 2)))
        XCTAssertEqual(state.message, "deleted 2 runs: parent-sweep, child-0-λ")
        XCTAssertTrue(state.table.marks.isEmpty)
        XCTAssertTrue(effects.contains(.refreshStore), "the reader forgets what it cached")
        XCTAssertTrue(effects.contains { $0.runSearch != nil }, "the table reloads")
        XCTAssertTrue(effects.contains { if case .loadExperiments = $0 { return true } else { return false } })
        // A partial failure says how far it got, and reloads what did change.
        let partial = reduce(&state, .written(WriteOutcome(job: .restoreRuns(refs), done: 1, error: MLflowError(.resourceDoesNotExist, "Run 'bbb222' not found"))))
        XCTAssertEqual(state.message, "restored 1 of 2 runs, then could not restore run child-0-λ: RESOURCE_DOES_NOT_EXIST: Run 'bbb222' not found")
        XCTAssertTrue(partial.contains(.refreshStore))
    }

    func testExperimentEditsActOnTheSelectedExperiment() {
        var state = Fixtures.loadedState()
        state.press(.tab)
        XCTAssertEqual(state.pane, .experiments)
        let row = state.experiments.visible[state.experiments.cursor.index]
        let id = row.experiment.experimentID, name = row.experiment.name
        state.press(.char("r"))
        XCTAssertEqual(state.input?.text, name)
        state.press(.ctrl("u"))
        state.type("vision-v2")
        XCTAssertEqual(writes(state.press(.enter)), [.renameExperiment(id: id, name: "vision-v2")])
        state.press(.char("T"))
        state.type("owner=ml")
        XCTAssertEqual(writes(state.press(.enter)), [.setExperimentTag(id: id, Tag("owner", "ml"))])
        state.press(.char("D"))
        XCTAssertEqual(state.confirm?.job, .deleteExperiment(id: id, name: name))
        XCTAssertTrue(state.confirm!.question.hasPrefix("Delete experiment \(name)"))
        XCTAssertEqual(writes(state.press(.char("y"))), [.deleteExperiment(id: id, name: name)])
        state.press(.char("R"))
        XCTAssertNil(state.confirm)
        XCTAssertEqual(state.message, "experiment \(name) is not deleted: nothing to restore")
    }

    func testInfoShowsTheExperimentsTagsAndDescription() {
        var state = Fixtures.loadedState(width: 100, height: 30)
        state.experiments.rows[0].experiment.tags = [Tag("team", "vision"), Tag("mlflow.note.content", "Baselines for **v2**"),
                                                     Tag("owner", "ml")]
        state.experiments.rows[0].experiment.artifactLocation = "mlflow-artifacts:/1"
        state.press(.tab)
        state.experiments.cursor.index = 0
        state.press(.char("i"))
        let text = render(state).text
        for expected in ["Experiment vision-模型", "id           1", "artifacts    mlflow-artifacts:/1", "tags (2)",
                         "owner = ml", "team = vision", "description", "Baselines for **v2**"] {
            XCTAssertTrue(text.contains(expected), "\(expected) in\n\(text)")
        }
        XCTAssertLessThan(text.range(of: "owner = ml")!.lowerBound, text.range(of: "team = vision")!.lowerBound, "tags by key")
        XCTAssertEqual(state.value?.copyText.contains("team=vision"), true)
        XCTAssertEqual(state.value?.copyText.hasSuffix("Baselines for **v2**"), true, "y copies the description too")
    }

    func testAnExperimentTagTheStoreTookIsOfferedForRemovalAtOnce() {
        var state = Fixtures.loadedState()
        state.press(.tab)
        state.experiments.cursor.index = 0
        let id = state.experiments.visible[0].experiment.experimentID
        _ = reduce(&state, .written(WriteOutcome(job: .setExperimentTag(id: id, Tag("gone", "x")), done: 1)))
        state.press(.char("u"))
        XCTAssertEqual(state.picker?.items.map(\.label), ["gone"])
        state.picker = nil
        _ = reduce(&state, .written(WriteOutcome(job: .deleteExperimentTag(id: id, key: "gone"), done: 1)))
        XCTAssertEqual(state.experiments.visible[0].experiment.tags, [])
        _ = reduce(&state, .written(WriteOutcome(job: .deleteExperiment(id: id, name: "x"), done: 1)))
        XCTAssertEqual(state.experiments.row(id)?.experiment.lifecycleStage, .deleted, "R can restore it before the reload answers")
    }

    func testShowingDeletedExperimentsKeepsTheCursorOnItsExperiment() {
        var state = Fixtures.loadedState()
        state.press(.tab)
        let rows = state.experiments.rows
        guard let deleted = rows.firstIndex(where: { $0.experiment.lifecycleStage == .deleted }), deleted + 1 < rows.count else {
            return XCTFail("the fixture needs a deleted experiment followed by another")
        }
        let after = rows[deleted + 1].experiment.experimentID
        state.experiments.cursor.index = state.experiments.visible.firstIndex { $0.experiment.experimentID == after }!
        state.press(.char("d"))
        XCTAssertEqual(state.experiments.selectedID, after)
        state.press(.char("d"))
        XCTAssertEqual(state.experiments.selectedID, after)
    }

    func testDetailsKeysEditTheRunShown() {
        var state = Fixtures.loadedState()
        let run = state.table.runs[1]
        state.table.marks = [state.table.runs[0].info.runID]  // marks are the table's, not the details'
        _ = DetailsPane.open(&state, run.info.runID, push: false)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: run, children: []))))
        state.press(.char("D"))
        XCTAssertEqual(state.confirm?.job, .deleteRuns([RunRef(run)]))
    }

    func testTheDescriptionShowsAsMarkdownWrappedToThePane() {
        let note = "# Results\n\nThe **best** run uses *cosine* decay and `lr=3e-4`; see [the report](https://example.com/r).\n\n- first point\n- second\n\n```\nfor x in y:\n```"
        let lines = markdownLines(note, width: 30).map(\.text)
        let text = lines.joined(separator: "\n")
        for marker in ["**", "# ", "`", "](", "```"] { XCTAssertFalse(text.contains(marker), "\(marker) in\n\(text)") }
        XCTAssertEqual(lines.first, "Results")
        XCTAssertTrue(markdownLines(note, width: 120).map(\.text).contains { $0.contains("see the report <https://example.com/r>.") }, text)
        XCTAssertTrue(lines.contains("• first point"))
        XCTAssertTrue(lines.contains("  for x in y:"))
        XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) <= 30 }, text)
        let spans = markdownLines(note, width: 120).flatMap(\.spans)
        XCTAssertTrue(spans.contains { $0.text == "best" && $0.attributes.contains(.bold) })
        XCTAssertTrue(spans.contains { $0.text == "cosine" && $0.attributes.contains(.italic) })
        XCTAssertTrue(spans.contains { $0.text == "lr=3e-4" && $0.role == .chip })
        XCTAssertEqual(markdownLines("snake_case_name and 2 * 3, *unclosed", width: 80).map(\.text), ["snake_case_name and 2 * 3, *unclosed"],
                       "markers inside words and unclosed ones are text")

        var state = Fixtures.loadedState(width: 60, height: 30)
        var run = state.table.runs[0]
        run.data.tags = run.data.tags.filter { $0.key != "mlflow.note.content" } + [Tag("mlflow.note.content", note)]
        _ = DetailsPane.open(&state, run.info.runID, push: false)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: run, children: []))))
        let screen = render(state).text
        XCTAssertTrue(screen.contains("The best run uses cosine decay"), screen)
        XCTAssertFalse(screen.contains("**"), screen)
    }
}
