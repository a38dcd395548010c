import Terminal

/// Marks: the runs `c` compares and `v` charts (up to 20), and the edit keys tag, delete and
/// restore (any number). While any exist the count stays on screen
/// (the runs title, the status line) and the footer says which commands act on them; with
/// none, `v` charts the selected run.
extension RunsPane {
    /// The commands that act on the marked runs instead of the selected one.
    static let markCommands: [KeyCommand] = [.compare, .chart]

    static func toggleMark(_ state: inout AppState) -> [Effect] {
        guard let run = state.selectedRun else { return [] }
        let id = run.info.runID
        if let i = state.table.marks.firstIndex(of: id) { state.table.marks.remove(at: i) } else { state.table.marks.append(id) }
        return move(&state, by: 1)
    }

    static func clearMarks(_ state: inout AppState) {
        let count = state.table.marks.count
        guard count > 0 else { showMessage(&state, "no runs are marked"); return }
        state.table.marks = []
        showMessage(&state, "unmarked \(count) run\(count == 1 ? "" : "s"): \(state.keys.label(.chart, in: .runs)) charts the selected run")
    }

    /// "3 marked", or nil without marks.
    static func markCount(_ state: AppState) -> String? {
        state.table.marks.isEmpty ? nil : "\(state.table.marks.count) marked"
    }

    /// The runs table's footer: with marks, the commands acting on them come first (so a narrow
    /// footer keeps them) and say so ("v chart 3 marked"), followed by U.
    static func footerHints(_ state: AppState, _ hints: [(keys: String, help: String)]) -> [(keys: String, help: String)] {
        guard let count = markCount(state) else { return hints }
        let acting = (markCommands + [.clearMarks]).compactMap { command in state.keys.bindings.first { $0.context == .runs && $0.command == command && !$0.keys.isEmpty } }
        let first = acting.map { binding in
            (keys: binding.keys.first?.description ?? "",
             help: binding.command == .clearMarks ? "unmark all" : "\(binding.footer ?? binding.command.rawValue) \(count)")
        }
        let footers = Set(acting.compactMap(\.footer))
        return first + hints.filter { !footers.contains($0.help) }
    }

    /// Names of the marked runs, for the chart and compare titles.
    static func runNames(_ state: AppState, _ ids: [String]) -> String {
        let names = Dictionary(state.table.runs.map { ($0.info.runID, $0.info.runName) }, uniquingKeysWith: { a, _ in a })
        return ids.map { id in names[id].flatMap { $0.isEmpty ? nil : $0 } ?? String(id.prefix(8)) }.joined(separator: ", ")
    }
}
