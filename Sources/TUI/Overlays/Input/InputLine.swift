import Terminal
import Tracking

/// The input line's keys: readline editing, Enter submits, Esc cancels, Tab completes filters.
enum InputLine {
    static func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
        guard var input = state.input else { return [] }
        switch key {
        case .escape, .ctrl("c"):
            return cancel(&state, input)
        case .enter:
            state.input = nil
            return submit(&state, input)
        case .tab:
            if input.kind == .filter { completeFilter(&state) } else { Edits.complete(&state) }
            return []
        case .backspace where input.text.isEmpty:
            // Backspace on an empty line leaves it, as in vim's command line.
            return cancel(&state, input)
        default:
            break
        }
        guard let edit = editLine(&input.text, cursor: &input.cursor, key) else { return [] }
        input.completions = []
        state.input = input
        var effects: [Effect] = []
        if edit == .edited {
            switch input.kind {
            case .filter: state.filterError = filterProblem(input.text)
            case .modelFilter: state.filterError = ModelListPane.filterProblem(state, input.text)
            case .jump: ExperimentsPane.jump(&state, input.text)
            case .fuzzy:
                state.currentFilter.fuzzy = input.text
                RunsPane.rebuildRows(&state)
                state.table.cursor = ListCursor()
            case .previewSearch: effects = previewSearchEdited(&state, input.text)
            case .command, .edit: break
            }
        }
        clampAll(&state)
        return effects
    }

    private static func cancel(_ state: inout AppState, _ input: TextInput) -> [Effect] {
        if input.kind == .fuzzy { state.currentFilter.fuzzy = ""; RunsPane.rebuildRows(&state) }
        if input.kind == .filter || input.kind == .modelFilter { state.filterError = nil }
        state.input = nil
        clampAll(&state)
        if input.kind == .previewSearch { return previewSearchCancelled(&state) }
        return []
    }

    private static func submit(_ state: inout AppState, _ input: TextInput) -> [Effect] {
        switch input.kind {
        case .filter:
            if let problem = filterProblem(input.text) {
                state.filterError = problem
                state.input = input
                return []
            }
            state.filterError = nil
            state.currentFilter.text = input.text
            clampAll(&state)
            return [RunsPane.searchRuns(&state, mode: .replace)]
        case .modelFilter:
            return ModelListPane.submitFilter(&state, input.text)
        case .command:
            return Commands.run(&state, input.text)
        case .jump:
            return ExperimentsPane.openSelected(&state)
        case .fuzzy:
            clampAll(&state)
            return []
        case .previewSearch:
            return previewSearchSubmitted(&state, input.text)
        case .edit(let field):
            return Edits.submit(&state, field, input.text)
        }
    }
}
