/// A page of the details stack: a run's details or a model page.
enum Screen: Equatable, Sendable {
    case run(String)
    case model(ModelSubject)
}

/// The run details and the model pages share one back stack (`AppState.detailsStack`): Esc walks
/// back through every page followed, whichever its kind, then to the pane the first one was
/// opened from (`detailsReturn`).
enum Screens {
    /// The page on screen, if one is.
    static func current(_ state: AppState) -> Screen? {
        switch state.pane {
        case .details: return state.details.map { .run($0.runID) }
        case .modelPage: return state.modelPage.map { .model($0.subject) }
        default: return nil
        }
    }

    /// Before a page opens: the one on screen is remembered; from any other pane the stack starts
    /// afresh and Esc will return to that pane.
    static func push(_ state: inout AppState) {
        if let current = current(state) {
            state.detailsStack.append(current)
        } else {
            state.detailsStack = []
            state.detailsReturn = state.pane
        }
    }

    static func back(_ state: inout AppState) -> [Effect] {
        if let previous = state.detailsStack.popLast() {
            switch previous {
            case .run(let id): return DetailsPane.show(&state, id)
            case .model(let subject): return ModelPagePane.show(&state, subject)
            }
        }
        state.details = nil
        state.modelPage = nil
        state.pane = state.detailsReturn
        state.detailsReturn = .runs
        clampAll(&state)
        return []
    }

    /// What a pane opened over the pages (the models list) restores when it closes.
    struct Saved: Equatable, Sendable {
        var details: RunDetails?
        var modelPage: ModelPage?
        var stack: [Screen]
        var detailsReturn: Pane

        init(_ state: AppState) {
            details = state.details
            modelPage = state.modelPage
            stack = state.detailsStack
            detailsReturn = state.detailsReturn
        }

        func restore(_ state: inout AppState) {
            state.details = details
            state.modelPage = modelPage
            state.detailsStack = stack
            state.detailsReturn = detailsReturn
        }
    }
}
