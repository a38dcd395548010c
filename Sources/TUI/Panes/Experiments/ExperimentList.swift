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

    var visible: [ExperimentRow] {
        showDeleted ? rows : rows.filter { $0.experiment.lifecycleStage == .active }
    }

    /// The experiment under the cursor.
    var selectedID: String? {
        let visible = self.visible
        return visible.indices.contains(cursor.index) ? visible[cursor.index].experiment.experimentID : nil
    }

    func row(_ id: String?) -> ExperimentRow? { rows.first { $0.experiment.experimentID == id } }
}
