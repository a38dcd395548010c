import Tracking

struct ExperimentRow: Equatable, Sendable {
    var experiment: Experiment
    var runCount: Int?
    var lastActivity: Int64?
}

/// The experiments pane's state: every experiment of the store with its run count.
struct ExperimentList: Equatable, Sendable {
    var rows: [ExperimentRow] = []
    var cursor = ListCursor()
    var showDeleted = false
    var loading = false
    /// Set once the list has arrived.
    var listed = false
    var startup = StartupOpen.waiting
    /// Experiments whose runs the background count waits to count until the first screen of
    /// runs has answered: the count reads every run and would slow that first page.
    var uncounted: [String]?

    /// Waiting for the newest runs to choose what to open.
    var findingLatest: Bool { if case .findingLatest = startup { return true } else { return false } }

    var visible: [ExperimentRow] {
        showDeleted ? rows : rows.filter { $0.experiment.lifecycleStage == .active }
    }

    /// The experiment under the cursor.
    var selectedID: String? {
        let visible = self.visible
        return visible.indices.contains(cursor.index) ? visible[cursor.index].experiment.experimentID : nil
    }

    func row(_ id: String?) -> ExperimentRow? { rows.first { $0.experiment.experimentID == id } }

    /// Puts the cursor on an experiment if it is shown; otherwise it stays at its row.
    mutating func select(_ id: String?) {
        if let id, let i = visible.firstIndex(where: { $0.experiment.experimentID == id }) { cursor.index = i }
    }
}

/// Choosing the experiment opened at start-up (`ExperimentsPane.openAtStartup`).
enum StartupOpen: Equatable, Sendable {
    /// For the list and the state file.
    case waiting
    /// For the newest runs of the store, asked with this request id.
    case findingLatest(request: Int)
    case done
}
