import Terminal
import Tracking

/// The experiments list: open one, jump by name, show deleted ones.
enum ExperimentsPane: Slice {
    static let bindings = keyRows(.experiments) { t in
        t.bind([.enter, .char("l"), .right], .open, "open experiment", footer: "open")
        t.bind([.tab], .focusNext, "focus runs")
        t.bind([.char("/")], .jump, "jump to experiment by name", footer: "jump")
        t.bind([.char("d")], .toggleDeleted, "show/hide deleted experiments", footer: "deleted")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        switch command {
        case .open: return openSelected(&state)
        case .focusNext: state.pane = .runs; return []
        case .jump: state.input = TextInput(kind: .jump); return []
        case .toggleDeleted:
            state.experiments.showDeleted.toggle()
            clampAll(&state)
            showMessage(&state, state.experiments.showDeleted ? "showing deleted experiments" : "hiding deleted experiments")
            return []
        default: return []
        }
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
            if state.table.experimentID == nil {
                effects += openFirst(&state)
                effects.append(.countRuns(experimentIDs: experiments.map(\.experimentID)))
            } else if let selectedID, let i = state.experiments.visible.firstIndex(where: { $0.experiment.experimentID == selectedID }) {
                state.experiments.cursor.index = i
            }
            clampAll(&state)
            return effects
        }
    }

    /// First load: open the requested experiment, else the first one (list order).
    private static func openFirst(_ state: inout AppState) -> [Effect] {
        let visible = state.experiments.visible
        var index = 0
        if let wanted = state.initialExperiment {
            if let i = visible.firstIndex(where: { $0.experiment.experimentID == wanted || $0.experiment.name == wanted }) {
                index = i
            } else {
                showMessage(&state, "experiment '\(wanted)' not found", isError: true)
            }
        }
        state.experiments.cursor.index = index
        state.preferExperimentWithRuns = state.initialExperiment == nil
        guard visible.indices.contains(index) else { return [] }
        state.pane = .runs
        return RunsPane.openExperiment(&state, visible[index].experiment.experimentID)
    }

    static func counted(_ state: inout AppState, id: String, count: Int, lastActivity: Int64?) -> [Effect] {
        if let i = state.experiments.rows.firstIndex(where: { $0.experiment.experimentID == id }) {
            state.experiments.rows[i].runCount = count
            state.experiments.rows[i].lastActivity = lastActivity
        }
        guard state.preferExperimentWithRuns, count > 0, state.table.runs.isEmpty, !state.table.loading,
              state.table.experimentID != id, state.currentFilter.isEmpty,
              let row = state.experiments.visible.firstIndex(where: { $0.experiment.experimentID == id }) else { return [] }
        state.preferExperimentWithRuns = false
        state.experiments.cursor.index = row
        clampAll(&state)
        return RunsPane.openExperiment(&state, id)
    }
}
