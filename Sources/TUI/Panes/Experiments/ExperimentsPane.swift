import Terminal
import Tracking

/// The experiments list: open one, jump by name, show deleted ones.
enum ExperimentsPane: Slice {
    static let bindings = keyRows(.experiments) { t in
        t.bind([.enter, .char("l"), .right], .open, "open experiment", footer: "open")
        t.bind([.tab], .focusNext, "focus runs")
        t.bind([.char("/")], .jump, "jump to experiment by name", footer: "jump")
        t.bind([.char("m")], .models, "the experiment's logged models (Tab there: the model registry)", footer: "models")
        t.bind([.char("d")], .toggleDeleted, "show/hide deleted experiments", footer: "deleted")
        t.bind([.char("i")], .showValue, "show the experiment: id, artifact location, times, tags, description", footer: "info")
        t.bind([.char("r")], .rename, "rename the experiment")
        t.bind([.char("T")], .editTag, "set a tag of the experiment (KEY=VALUE)")
        t.bind([.char("u")], .removeTag, "remove a tag of the experiment")
        t.bind([.char("D")], .deleteItems, "delete the experiment (asks first)")
        t.bind([.char("R")], .restoreItems, "restore the deleted experiment (d shows deleted ones; asks first)")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        switch command {
        case .open: return openSelected(&state)
        case .focusNext: state.pane = .runs; return []
        case .jump: state.input = TextInput(kind: .jump); return []
        case .models: return ModelListPane.openForExperiment(&state, state.experiments.selectedID)
        case .toggleDeleted:
            // The cursor stays on its experiment as rows appear or vanish around it.
            let selectedID = state.experiments.selectedID
            state.experiments.showDeleted.toggle()
            state.experiments.select(selectedID)
            clampAll(&state)
            showMessage(&state, state.experiments.showDeleted ? "showing deleted experiments" : "hiding deleted experiments")
            return []
        case .showValue: return showInfo(&state)
        case _ where Edits.commands.contains(command): return Edits.onExperiment(&state, command)
        default: return []
        }
    }

    /// The selected experiment in full, in the value viewer (`y` copies it): what the MLflow UI
    /// shows above an experiment's runs, and its tags, which no list here has room for.
    static func showInfo(_ state: inout AppState) -> [Effect] {
        guard let row = state.experiments.row(state.experiments.selectedID) else { return [] }
        let e = row.experiment
        let utcOffset = state.utcOffset
        let time = { (ms: Int64?) in ms.map { formatAbsolute($0, utcOffset: utcOffset) } ?? "—" }
        var fields: [(String, String)] = [("id", e.experimentID), ("lifecycle", e.lifecycleStage.rawValue),
                                          ("artifacts", e.artifactLocation ?? "—"), ("created", time(e.creationTime)),
                                          ("last update", time(e.lastUpdateTime))]
        if let count = row.runCount { fields.append(("runs", String(count))) }
        let tags = e.tags.filter { $0.key != Tag.noteKey }.sorted { $0.key < $1.key }
        var paragraphs = fields.map { ValueParagraph(text: $0.1, prefix: $0.0.padding(toLength: 13, withPad: " ", startingAt: 0)) }
        paragraphs.append(ValueParagraph(text: tags.isEmpty ? "tags: none" : "tags (\(tags.count))", role: .dim))
        paragraphs += tags.map { ValueParagraph(text: $0.value, prefix: "  " + $0.key + " = ") }
        var copy = fields.map { "\($0.0): \($0.1)" } + tags.map { "\($0.key)=\($0.value)" }
        if let note = e.tags.first(where: { $0.key == Tag.noteKey })?.value, !note.isEmpty {
            paragraphs.append(ValueParagraph(text: "description", role: .dim))
            paragraphs.append(ValueParagraph(text: note))
            copy += ["", note]
        }
        state.value = ValueViewer(title: "Experiment " + e.name, paragraphs: paragraphs, copyText: copy.joined(separator: "\n"))
        ValueOverlay.clamp(&state)
        return []
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        state.experiments.cursor = state.experiments.cursor.moved(by: delta)
        clampAll(&state)
        return []
    }

    static func pageRows(_ state: AppState) -> Int { Layout(state).experimentRows }

    static func clamp(_ state: inout AppState) {
        state.experiments.cursor.clamp(count: state.experiments.visible.count, visible: Layout(state).experimentRows)
    }

    static func openSelected(_ state: inout AppState) -> [Effect] {
        guard let id = state.experiments.selectedID else { return [] }
        state.pane = .runs
        return id == state.table.experimentID ? [] : RunsPane.openExperiment(&state, id)
    }

    /// The jump line: the best-ranked name, as the pickers rank (`rankMatches`).
    static func jump(_ state: inout AppState, _ text: String) {
        let visible = state.experiments.visible
        let name = { (i: Int) in visible[i].experiment.name }
        if let best = rankMatches(text, Array(visible.indices), label: name, texts: { [name($0)] }).first, !text.isEmpty {
            state.experiments.cursor.index = best
        }
    }

    // MARK: - backend results

    static func loaded(_ state: inout AppState, _ result: Result<[Experiment], MLflowError>) -> [Effect] {
        state.experiments.loading = false
        switch result {
        case .failure(let error):
            showMessage(&state, error.oneLineMessage, isError: true)
            return []
        case .success(let experiments):
            let previous = Dictionary(state.experiments.rows.map { ($0.experiment.experimentID, $0) }, uniquingKeysWith: { a, _ in a })
            let selectedID = state.experiments.selectedID
            state.experiments.rows = experiments.map {
                ExperimentRow(experiment: $0, runCount: previous[$0.experimentID]?.runCount,
                              lastActivity: previous[$0.experimentID]?.lastActivity)
            }
            var effects: [Effect] = []
            if !state.experiments.listed {
                state.experiments.listed = true
                state.experiments.uncounted = experiments.map(\.experimentID)
                effects += openAtStartup(&state)
            } else {
                state.experiments.select(selectedID)
            }
            clampAll(&state)
            return effects
        }
    }

    /// The experiment opened at start-up: `--experiment`, else the one used last in this store
    /// (the state file), else the one whose newest run started last. Waits for the list and
    /// the state file; the newest runs are one search over the active experiments.
    static func openAtStartup(_ state: inout AppState) -> [Effect] {
        guard state.experiments.startup == .waiting, state.experiments.listed else { return [] }
        let visible = state.experiments.visible
        if let wanted = state.initialExperiment {
            if let row = visible.first(where: { $0.experiment.experimentID == wanted || $0.experiment.name == wanted }) {
                return openAtStartup(&state, row.experiment.experimentID)
            }
            showMessage(&state, "experiment '\(wanted)' not found", isError: true)
            state.initialExperiment = nil  // said once; the rules below choose instead
        }
        guard state.memoryLoaded else { return [] }
        guard state.table.experimentID == nil else { state.experiments.startup = .done; return [] }
        if let last = state.memory.lastExperiment, visible.contains(where: { $0.experiment.experimentID == last }) {
            return openAtStartup(&state, last)
        }
        let active = state.experiments.rows.filter { $0.experiment.lifecycleStage == .active }.map(\.experiment.experimentID)
        guard !active.isEmpty else { state.experiments.startup = .done; return [] }
        let request = state.nextRequest()
        state.experiments.startup = .findingLatest(request: request)
        return [.findLatestRuns(request: request, experimentIDs: active)]
    }

    private static func openAtStartup(_ state: inout AppState, _ id: String) -> [Effect] {
        state.experiments.startup = .done
        guard let row = state.experiments.visible.firstIndex(where: { $0.experiment.experimentID == id }) else { return [] }
        // A cursor the user is moving (in the list, or by the jump line) stays where they put it.
        if state.pane != .experiments && state.input == nil { state.experiments.cursor.index = row }
        clampAll(&state)
        return RunsPane.openExperiment(&state, id)
    }

    /// The deferred background count, once start-up has opened its experiment and that
    /// experiment's first page has answered (or nothing was opened).
    static func countWhenSettled(_ state: inout AppState) -> [Effect] {
        guard let ids = state.experiments.uncounted, state.experiments.startup == .done, !state.table.loading else { return [] }
        state.experiments.uncounted = nil
        return [.countRuns(experimentIDs: ids)]
    }

    /// The newest runs of the store arrived: open the experiment of the one started last, unless
    /// the user opened one meanwhile. No runs, or an error: the first experiment listed.
    static func latestRunsLoaded(_ state: inout AppState, request: Int, _ result: Result<[Run], MLflowError>) -> [Effect] {
        guard state.experiments.startup == .findingLatest(request: request) else { return [] }
        state.experiments.startup = .done
        guard state.table.experimentID == nil else { return [] }
        let id = (try? result.get()).flatMap(experimentOfLatestRun) ?? state.experiments.visible.first?.experiment.experimentID
        return id.map { openAtStartup(&state, $0) } ?? []
    }

    /// The experiment whose run started last; runs started in the same millisecond go to the
    /// lowest experiment id (numerically when both are numbers), so every launch agrees.
    static func experimentOfLatestRun(_ runs: [Run]) -> String? {
        guard let newest = runs.compactMap(\.info.startTime).max() else { return nil }
        return runs.filter { $0.info.startTime == newest }.map(\.info.experimentID).min { a, b in
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
    }

    static func counted(_ state: inout AppState, id: String, count: Int, lastActivity: Int64?) -> [Effect] {
        if let i = state.experiments.rows.firstIndex(where: { $0.experiment.experimentID == id }) {
            state.experiments.rows[i].runCount = count
            state.experiments.rows[i].lastActivity = lastActivity
        }
        return []
    }
}
