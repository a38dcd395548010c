import Terminal
import Tracking

/// The compare pane's state: the marked runs side by side.
struct CompareView: Equatable, Sendable {
    var runIDs: [String]
    var runs: [Run] = []
    var loading = true
    var error: String?
    var onlyDifferences = false
    var firstRun = 0
    var cursor = ListCursor()
}

/// Marked runs side by side, params, metrics and tags as rows; differing rows highlighted.
enum ComparePane: Slice {
    static let bindings = keyRows(.compare) { t in
        t.bind([.escape, .backspace], .back, "back", footer: "back")
        t.bind([.char("d")], .toggleDiffOnly, "only rows that differ", footer: "only diffs")
        t.bind([.char("h"), .left], .columnLeft, "scroll runs left")
        t.bind([.char("l"), .right], .columnRight, "scroll runs right", footer: "scroll")
        t.bind([.enter, .char("v"), .char("o")], .showValue, "show the row's values in full, run by run", footer: "view")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard var view = state.compare else { return [] }
        switch command {
        case .back:
            state.compare = nil
            state.pane = .runs
            clampAll(&state)
            return []
        case .toggleDiffOnly:
            view.onlyDifferences.toggle()
            view.cursor = ListCursor()
        case .columnLeft, .columnRight:
            view.firstRun = max(0, min(view.runs.count - 1, view.firstRun + (command == .columnLeft ? -1 : 1)))
        case .showValue: return showRow(&state, view)
        default: return []
        }
        state.compare = view
        return []
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.compare, \.cursor, by: delta)
    }

    static func pageRows(_ state: AppState) -> Int { Layout(state).compareRows }

    static func clamp(_ state: inout AppState) {
        guard let view = state.compare else { return }
        state.compare!.cursor.clamp(count: compareRows(view).count, visible: Layout(state).compareRows)
    }

    /// The row under the cursor in the value viewer: each run's name, then its value in full.
    private static func showRow(_ state: inout AppState, _ view: CompareView) -> [Effect] {
        let rows = compareRows(view)
        guard rows.indices.contains(view.cursor.index), !rows[view.cursor.index].isSection else { return [] }
        let row = rows[view.cursor.index]
        let paragraphs = zip(view.runs, row.values).flatMap { run, value in
            [ValueParagraph(text: "\(run.info.runName)  \(run.info.runID)", role: .section), ValueParagraph(text: value),
             ValueParagraph(text: "")]
        }
        let copy = zip(view.runs, row.values).map { "\($0.info.runName)\t\($1)" }.joined(separator: "\n")
        state.value = ValueViewer(title: row.key, paragraphs: Array(paragraphs.dropLast()), copyText: copy)
        clampAll(&state)
        return []
    }

    /// Side by side columns stop being readable past this many runs.
    static let maxRuns = 20

    static func open(_ state: inout AppState, runIDs: [String]) -> [Effect] {
        guard runIDs.count >= 2 else { showMessage(&state, "mark 2 to \(maxRuns) runs with \(state.keys.label(.mark, in: .runs)), then press \(state.keys.label(.compare, in: .runs))", isError: true); return [] }
        guard runIDs.count <= maxRuns else {
            showMessage(&state, "compare takes at most \(maxRuns) runs: \(runIDs.count) are marked (\(state.keys.label(.mark, in: .runs)) unmarks, \(state.keys.label(.clearMarks, in: .runs)) unmarks all)", isError: true)
            return []
        }
        state.compare = CompareView(runIDs: runIDs)
        state.compareRequest = state.nextRequest()
        state.pane = .compare
        return [.loadCompare(request: state.compareRequest, runIDs: runIDs)]
    }

    static func loaded(_ state: inout AppState, _ result: Result<[Run], MLflowError>) -> [Effect] {
        guard state.compare != nil else { return [] }
        state.compare!.loading = false
        switch result {
        case .success(let runs): state.compare!.runs = runs; state.compare!.error = nil
        case .failure(let error):
            state.compare!.error = error.message
            ValueOverlay.log(&state, error.message, isError: true)
        }
        return []
    }
}
