import XCTest
import Terminal
import Tracking
@testable import TUI

/// The value viewer (details rows, compare rows, the runs table's cell, the message history),
/// paths shortened in the middle, and the footer pointing at the history.
final class ValueViewerTests: XCTestCase {
    static let longPrompt = "BEGIN " + String(repeating: "lorem ipsum dolor ", count: 330) + "END-OF-PROMPT"

    func detailsState(_ run: Run, parent: Run? = nil, children: [Run] = [], width: Int = 80, height: Int = 24) -> AppState {
        var state = Fixtures.loadedState(width: width, height: height)
        _ = DetailsPane.open(&state, run.info.runID, push: false)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest,
                                          .success(RunWithChildren(run: run, children: children, parent: parent))))
        return state
    }

    func cursorLine(_ state: AppState) -> DetailLine { DetailsPane.lines(state)[state.details!.cursor.index] }

    // MARK: middleElided

    func testMiddleElidedKeepsTheEndsOfAPath() {
        XCTAssertEqual(middleElided("s3://bucket/team/project/runs/0123456789abcdef/artifacts/model/MLmodel", to: 27),
                       "s3://bucket/…/model/MLmodel")
        XCTAssertEqual(middleElided("short/path", to: 20), "short/path")
        let cut = middleElided("file:///home/ana/mlruns/1/0123456789abcdef/artifacts", to: 30)
        XCTAssertLessThanOrEqual(DisplayWidth.of(cut), 30, cut)
        XCTAssertTrue(cut.hasPrefix("file:///home/"), cut)
        XCTAssertTrue(cut.hasSuffix("/artifacts"), cut)
        XCTAssertEqual(middleElided("abcdefghij", to: 5), "a…hij")
        XCTAssertEqual(middleElided("abc", to: 1), "…")
        XCTAssertEqual(middleElided("abc", to: 0), "")
    }

    func testMiddleElidedCountsWideCharactersAsTwoColumns() {
        let cut = middleElided("/data/日本語の実験/とても長いフォルダ名/model.pkl", to: 24)
        XCTAssertLessThanOrEqual(DisplayWidth.of(cut), 24, cut)
        XCTAssertTrue(cut.hasSuffix("model.pkl"), cut)
        XCTAssertTrue(cut.contains("…"), cut)
    }

    func testHeaderShortensALongStoreURIInTheMiddle() {
        var state = Fixtures.loadedState()
        state.source = "sqlite:////very/long/path/to/a/shared/team/volume/with/many/folders/experiments/mlflow.db"
        let header = render(state).lines[0]
        XCTAssertTrue(header.contains("mlflow.db"), header)
        XCTAssertTrue(header.contains("…"), header)
        XCTAssertTrue(header.contains("● connected"), header)
    }

    // MARK: details

    func testDetailsShowTheExperimentNameAndTheParentName() {
        let state = detailsState(Fixtures.runs[1], parent: Fixtures.runs[0])
        let lines = DetailsPane.lines(state)
        XCTAssertEqual(lines.first { $0.label == "experiment" }?.value, "vision-模型 (1)")
        XCTAssertEqual(lines.first { $0.link == "aaa111" }?.value, "parent-sweep  aaa111")
        let text = render(state).text
        XCTAssertTrue(text.contains("vision-模型 (1)"), text)
        XCTAssertTrue(text.contains("parent-sweep  aaa111"), text)
    }

    func testDetailsParentWithoutItsRunShowsTheID() {
        let state = detailsState(Fixtures.runs[1])
        XCTAssertEqual(DetailsPane.lines(state).first { $0.link == "aaa111" }?.value, "aaa111")
    }

    func testDetailsArtifactURIIsShortenedInTheMiddle() {
        var run = Fixtures.runs[0]
        run.info.artifactURI = "s3://bucket/team/project/deep/folder/structure/0123456789abcdef0123/artifacts"
        let text = render(detailsState(run)).text
        let line = text.split(separator: "\n").first { $0.contains("artifacts") && $0.contains("s3://") }.map(String.init) ?? ""
        XCTAssertTrue(line.hasSuffix("/artifacts"), line)
        XCTAssertTrue(line.contains("s3://bucket/") && line.contains("…/"), line)
    }

    func testSectionJumpsLandOnTheFirstLineOfASection() {
        var state = detailsState(Fixtures.runs[1], parent: Fixtures.runs[0])
        state.press(.char("]"))
        XCTAssertEqual(cursorLine(state).link, "aaa111", "] from the top lands on the parent link")
        let effects = state.press(.enter)
        XCTAssertEqual(effects, [.loadDetails(request: state.detailsRequest, runID: "aaa111")])

        state = detailsState(Fixtures.runs[1], parent: Fixtures.runs[0])
        state.press(.char("1"))
        XCTAssertEqual(cursorLine(state).label, "lr", "1: the first param")
        let heading = DetailsPane.lines(state).firstIndex { $0.heading == .params }!
        let lastTop = DetailsPane.lines(state).count - Layout(state).detailRows
        XCTAssertEqual(state.details!.cursor.top, min(heading, lastTop), "the heading at the top, or as high as it goes")
        state.press(.char("2"))
        XCTAssertEqual(cursorLine(state).label, "f1")
        state.press(.char("3"))
        XCTAssertEqual(cursorLine(state).label, "stage")
        state.press(.char("4"))
        XCTAssertEqual(cursorLine(state).link, "aaa111")
        state.press(.tab)
        XCTAssertEqual(cursorLine(state).label, "lr", "Tab: the next section")
        state.press(.char("3"), .char("j"))
        state.press(.char("["))
        XCTAssertEqual(cursorLine(state).label, "stage", "[ first goes back to the start of the section")
        state.press(.char("["))
        XCTAssertEqual(cursorLine(state).label, "f1", "then to the previous section")
        state.press(.backTab, .char("{"))
        XCTAssertEqual(cursorLine(state).link, "aaa111")
        state.press(.char("}"))
        XCTAssertEqual(cursorLine(state).label, "lr")
    }

    func testSectionJumpPutsTheHeadingAtTheTop() {
        let params = Dictionary(uniqueKeysWithValues: (0..<40).map { ("p\($0 + 10)", "\($0)") })
        var state = detailsState(Fixtures.run("hhh888", "many-params", params: params, metrics: ["f1": 1], tags: params))
        state.press(.char("2"))
        let heading = DetailsPane.lines(state).firstIndex { $0.heading == .metrics }!
        XCTAssertEqual(state.details!.cursor.top, heading)
        XCTAssertEqual(cursorLine(state).label, "f1")
        XCTAssertTrue(render(state).lines[2].hasPrefix("Metrics (1"), render(state).text)
    }

    func testJumpToLinksWithoutLinksSaysSo() {
        var state = detailsState(Fixtures.runs[3])
        state.press(.char("4"))
        XCTAssertEqual(state.message, "this run has no parent or children")
        XCTAssertEqual(state.details!.cursor.index, 0)
    }

    func testSectionHeadingsShowTheirJumpKeys() {
        let lines = render(detailsState(Fixtures.runs[1], parent: Fixtures.runs[0], height: 40)).lines
        XCTAssertTrue(lines.contains { $0.hasPrefix("Params (2)") && $0.hasSuffix("1 ") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("Parent") && $0.hasSuffix("4 ") })
    }

    func testEnterOnAParamOpensItInFullAndScrollsToItsEnd() {
        var run = Fixtures.run("ggg777", "long-param", params: ["prompt": Self.longPrompt, "seed": "1"])
        run.info.experimentID = "1"
        var state = detailsState(run)
        state.press(.char("1"))
        XCTAssertEqual(cursorLine(state).label, "prompt")
        XCTAssertFalse(render(state).text.contains("END-OF-PROMPT"), "the row is cut")
        state.press(.enter)
        XCTAssertEqual(state.keyContext, .value)
        let viewer = state.value!
        XCTAssertEqual(viewer.title, "Params · prompt")
        XCTAssertEqual(viewer.copyText, Self.longPrompt)
        XCTAssertEqual(viewer.wrapWidth, 74)
        XCTAssertEqual(viewer.lines.map(\.text).joined(separator: " "), Self.longPrompt, "wrapped at spaces, nothing lost")
        var text = render(state).text
        XCTAssertTrue(text.contains("Params · prompt · \(Self.longPrompt.count) chars"), text)
        XCTAssertTrue(text.contains("BEGIN lorem"), text)
        XCTAssertFalse(text.contains("END-OF-PROMPT"))
        state.press(.char("G"))
        text = render(state).text
        XCTAssertTrue(text.contains("END-OF-PROMPT"), text)
        XCTAssertTrue(text.contains("(end)"), text)
        state.press(.char("k"), .char("g"))
        XCTAssertEqual(state.value?.top, 0)
        state.press(.ctrl("d"))
        XCTAssertEqual(state.value?.top, 20)
        let effects = state.press(.char("y"))
        XCTAssertEqual(effects, [.copy(Self.longPrompt)])
        XCTAssertEqual(state.yanked.last, Self.longPrompt)
        state.press(.escape)
        XCTAssertNil(state.value)
        XCTAssertEqual(state.pane, .details)
        state.press(.char("v"))
        XCTAssertNotNil(state.value, "v opens it too")
        state.press(.enter)
        XCTAssertNil(state.value, "Enter closes it")
        state.press(.char("o"))
        XCTAssertNotNil(state.value, "and o")
    }

    func testViewerRewrapsOnResize() {
        var state = detailsState(Fixtures.run("ggg777", "long", params: ["prompt": Self.longPrompt]))
        state.press(.char("1"), .char("v"))
        let narrow = state.value!.lines.count
        _ = reduce(&state, .resize(Size(width: 160, height: 40)))
        XCTAssertEqual(state.value!.wrapWidth, 154)
        XCTAssertLessThan(state.value!.lines.count, narrow)
        XCTAssertEqual(state.value!.lines.map(\.text).joined(separator: " "), Self.longPrompt)
    }

    func testDescriptionLinesOpenTheWholeNote() {
        var state = detailsState(Fixtures.runs[0])
        let index = DetailsPane.lines(state).firstIndex { $0.value == "Sweep over rates." }!
        state.details!.cursor.index = index
        state.press(.enter)
        XCTAssertEqual(state.value?.copyText, "Sweep over rates.\nSecond line.")
        XCTAssertEqual(state.value?.lines.map(\.text), ["Sweep over rates.", "Second line."])
    }

    // MARK: compare and the runs table

    func testCompareRowOpensEveryRunsValue() {
        var state = Fixtures.loadedState()
        state.press(.char("j"), .char(" "), .char(" "), .char("c"))
        _ = reduce(&state, .compareLoaded(request: state.compareRequest, .success(Array(Fixtures.runs[1...2]))))
        let row = compareRows(state.compare!).firstIndex { $0.key == "lr" }!
        state.compare!.cursor.index = row
        state.press(.enter)
        XCTAssertEqual(state.value?.title, "lr")
        XCTAssertEqual(state.value?.copyText, "child-0-λ\t0.01\nchild-1-λ\t0.1")
        let text = render(state).text
        XCTAssertTrue(text.contains("child-0-λ  bbb222"), text)
        state.press(.escape)
        XCTAssertEqual(state.pane, .compare)
        XCTAssertNil(state.value)
    }

    func testRunsTableCellOpensInFull() {
        var state = Fixtures.loadedState()
        state.press(.char("l"), .char("l"), .char("l"), .char("l"))  // the source column
        state.press(.char("i"))
        XCTAssertEqual(state.value?.title, "parent-sweep · Source")
        XCTAssertEqual(state.value?.copyText, "/home/u/train.py", "the whole path, not its last component")
        state.press(.escape)
        state.table.columns.append(.metric("f1"))
        state.table.selectedColumn = state.table.columns.count - 1
        state.press(.char("j"), .char("i"))
        XCTAssertEqual(state.value?.copyText, "0.91   step 3")
        state.press(.escape)
        state.table.columns.append(.param("missing"))
        state.table.selectedColumn = state.table.columns.count - 1
        state.press(.char("i"))
        XCTAssertEqual(state.value?.copyText, "(not set on this run)")
    }

    // MARK: message history

    func testLongErrorPointsAtTheHistoryWhichHasItInFull() {
        var state = Fixtures.loadedState()
        let name = String(repeating: "a-theme-name-that-goes-on-", count: 8) + "and-ends-here"
        state.now += 60
        state.press(.char(":"))
        state.type("theme " + name)
        let effects = state.press(.enter)
        XCTAssertEqual(effects, [.loadTheme(name)])
        let message = "theme '\(name)' not found (built-in: dark, light, high-contrast, colorblind, mono)"
        _ = reduce(&state, .themeLoaded(.failure(ThemeError(message))))
        let footer = render(state).lines[23]
        XCTAssertTrue(footer.contains("… (press M for more)"), footer)
        XCTAssertTrue(footer.hasSuffix("more) "), "the bottom-right cell stays blank: \(footer)")
        state.press(.char("M"))
        XCTAssertNil(state.message, "the footer line clears on the next key; the history keeps it")
        XCTAssertEqual(state.value?.title, "Messages (1)")
        XCTAssertEqual(state.value?.copyText, "22:24:20 error: \(message)")
        let text = render(state).text
        XCTAssertTrue(text.contains("22:24:20 ✗ theme"), text)
        XCTAssertTrue(text.contains("Messages (1) ─"), "no length for the history: \(text)")
        XCTAssertTrue(text.contains("mono)"), text)
    }

    func testShortMessagesFitTheFooterWhole() {
        var state = Fixtures.loadedState()
        showMessage(&state, "theme light")
        XCTAssertTrue(render(state).lines[23].hasPrefix(" theme light   "))
    }

    func testHistoryKeepsTheLast200AndCountsRepeats() {
        var state = Fixtures.loadedState()
        for i in 0..<250 { showMessage(&state, "message \(i)") }
        showMessage(&state, "boom", isError: true)
        showMessage(&state, "boom", isError: true)
        XCTAssertEqual(state.messageLog.count, 200)
        XCTAssertEqual(state.messageLog.first?.text, "message 51")
        XCTAssertEqual(state.messageLog.last, LoggedMessage(time: state.now, text: "boom", isError: true, repeats: 2))
        _ = reduce(&state, .command("messages"))
        XCTAssertEqual(state.value?.lines.last?.text, "22:23:20 ✗ boom (×2)")
        XCTAssertEqual(state.value?.lines.last?.role, .error)
        XCTAssertEqual(state.value?.top, 200 - 20, "opened at the newest")
    }

    func testEmptyHistory() {
        var state = Fixtures.loadedState()
        state.press(.char("M"))
        XCTAssertEqual(state.value?.lines.map(\.text), ["no messages yet"])
        XCTAssertTrue(render(state).text.contains("Messages (0)"))
    }

    func testDetailsAndCompareErrorsAreWrappedAndLogged() {
        let message = "Run 'zzz' not found in the store; it may have been deleted permanently by mlflow gc, check the id and try again."
        let failure = MLflowError(.resourceDoesNotExist, message)
        var state = Fixtures.loadedState()
        _ = DetailsPane.open(&state, "zzz", push: false)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .failure(failure)))
        XCTAssertTrue(render(state).text.contains("try again."), render(state).text)
        XCTAssertEqual(state.messageLog.last?.text, message)

        state = Fixtures.loadedState()
        state.press(.char(" "), .char(" "), .char("c"))
        _ = reduce(&state, .compareLoaded(request: state.compareRequest, .failure(failure)))
        XCTAssertTrue(render(state).text.contains("try again."), render(state).text)
        XCTAssertEqual(state.messageLog.last, LoggedMessage(time: state.now, text: message, isError: true))
    }

    func testShortValueGetsABoxItsSize() {
        var state = detailsState(Fixtures.runs[1])
        state.press(.char("1"), .char("v"))
        let lines = render(state).lines
        let box = lines.indices.filter { lines[$0].contains("┌─ Params · lr · 4 chars") || lines[$0].contains("└") }
        XCTAssertEqual(box.count, 2, lines.joined(separator: "\n"))
        XCTAssertEqual(box[1] - box[0], 2, "one line of value between the borders")
        XCTAssertTrue(lines[box[0] + 1].contains("│ 0.01 "), lines[box[0] + 1])
        XCTAssertFalse(lines[box[1]].contains("lines "), "no position when it all shows")
    }

    func testNoKeyCollisionsWithTheNewBindings() {
        XCTAssertEqual(Keymap.collisions(), [])
        XCTAssertEqual(Keymap.command(for: .char("M"), in: .artifacts), .messages)
        XCTAssertEqual(Keymap.command(for: .char("i"), in: .runs), .showValue)
        XCTAssertEqual(Keymap.command(for: .char("j"), in: .value), .moveDown)
    }
}
