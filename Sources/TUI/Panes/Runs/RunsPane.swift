import Terminal
import Tracking

/// The runs table of the open experiment: filter, sort, columns, marks, tree, and the ways
/// into the other panes (details, compare, chart, artifacts).
enum RunsPane: Slice {
    static let bindings = keyRows(.runs) { t in
        t.bind([.enter], .open, "run details", footer: "details")
        t.bind([.tab, .escape], .focusNext, "focus experiments")
        t.bind([.char("/")], .filter, "filter (MLflow search syntax)", footer: "filter")
        t.bind([.char("m")], .models, "the experiment's logged models (Tab there: the model registry)")
        t.bind([.char("t")], .tagPicker, "add a tag filter chip", footer: "tags")
        t.bind([.char("x")], .removeChip, "remove the last tag chip")
        t.bind([.char("X")], .clearFilter, "clear filter and chips")
        t.bind([.char("f")], .fuzzySearch, "quick fuzzy search on names")
        t.bind([.char("s")], .sort, "sort by column (again: flip)", footer: "sort")
        t.bind([.char("h"), .left], .columnLeft, "column left")
        t.bind([.char("l"), .right], .columnRight, "column right", footer: "columns")
        t.bind([.char("o")], .columnPicker, "add/remove columns")
        t.bind([.char("i")], .showValue, "inspect the selected cell in full (wrapped, scrollable, y copies)")
        t.bind([.char(" ")], .mark, "mark/unmark run (c and v then act on the marked runs)", footer: "mark")
        t.bind([.char("U")], .clearMarks, "unmark all runs (as htop's U)")
        t.bind([.char("c")], .compare, "compare the marked runs", footer: "compare")
        t.bind([.char("v")], .chart, "chart a metric of the marked runs, or of the selected run when none is marked", footer: "chart")
        t.bind([.char("V")], .scatter, "scatter plot of the shown runs (the marked ones when any are marked)")
        t.bind([.char("I")], .images, "images logged with mlflow.log_image, runs by steps (the marked runs, else the selected run)")
        t.bind([.char("P")], .parallelCoordinates, "parallel coordinates of the shown runs (the marked ones when any are marked)")
        t.bind([.char("S")], .sparklineColumn, "sparkline column for a metric")
        t.bind([.char("~")], .sparklineScale, "sparklines: one scale across the runs / one per run")
        t.bind([.char("a")], .openArtifacts, "browse the selected run's artifacts")
        t.bind([.char("y")], .yankRunID, "copy run id")
        t.bind([.char("Y")], .yankArtifactURI, "copy artifact URI")
        t.bind([.char("n")], .toggleTree, "nested runs as a tree")
        t.bind([.char("z")], .toggleExpand, "expand/collapse children, or the group of the row")
        t.bind([.char("p")], .openParent, "go to parent run")
        t.bind([.char("d")], .toggleDeleted, "show/hide deleted runs")
        t.bind([.char("=")], .groupPicker, "group runs by params, tags, dataset, status (in order; Enter or z opens a group; :group KEY[,KEY], :ungroup)")
        t.bind([.char("A")], .cycleAggregate, "grouped: the metric column's aggregate (mean, min, max, median, std)")
        Edits.runBindings(&t, on: "the marked runs, else the selected run")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        if runCommandsOnRuns.contains(command), selectedGroup(state.table) != nil, state.selectedRun == nil {
            showMessage(&state, "a group's row: \(state.keys.label(.open, in: .runs)) opens it to its runs")
            return []
        }
        switch command {
        case .open:
            if state.table.rows.indices.contains(state.table.cursor.index), state.table.rows[state.table.cursor.index].isGroupRow {
                toggleGroup(&state)
                return []
            }
            guard let run = state.selectedRun else { return [] }
            state.detailsStack = []
            state.detailsReturn = .runs
            return DetailsPane.open(&state, run.info.runID, push: false)
        case .focusNext: state.pane = .experiments; return []
        case .toggleDeleted:
            state.table.showDeleted.toggle()
            showMessage(&state, state.table.showDeleted ? "showing deleted runs" : "hiding deleted runs")
            return [searchRuns(&state, mode: .replace)]
        case .filter:
            state.input = TextInput(kind: .filter, text: state.currentFilter.text)
            state.filterError = filterProblem(state.currentFilter.text)
            return sampleForCompletion(&state)
        case .fuzzySearch: state.input = TextInput(kind: .fuzzy, text: state.currentFilter.fuzzy); return []
        case .tagPicker: state.picker = PickerOverlay.tagKeys(state); return []
        case .removeChip:
            guard !state.currentFilter.chips.isEmpty else { showMessage(&state, "no tag chips to remove"); return [] }
            state.currentFilter.chips.removeLast()
            return [searchRuns(&state, mode: .replace)]
        case .clearFilter:
            state.currentFilter = RunFilter()
            state.filterError = nil
            return [searchRuns(&state, mode: .replace)]
        case .sort:
            guard state.table.columns.indices.contains(state.table.selectedColumn) else { return [] }
            let column = state.table.columns[state.table.selectedColumn]
            if isGrouped(state.table) { sortGroups(&state, column: column, ascending: nil); return [] }
            if case .best = column { return setLocalSort(&state, column, ascending: nil) }
            guard let key = column.sortKey else {
                showMessage(&state, "MLflow cannot order runs by \(column.title.lowercased())", isError: true)
                return []
            }
            return setSort(&state, key, ascending: nil)
        case .columnLeft, .columnRight:
            let delta = command == .columnLeft ? -1 : 1
            state.table.selectedColumn = max(0, min(state.table.columns.count - 1, state.table.selectedColumn + delta))
            keepSelectedColumnVisible(&state)
            return []
        case .columnPicker: state.picker = PickerOverlay.columns(state); return []
        case .showValue: return showCell(&state)
        case .mark: return toggleMark(&state)
        case .clearMarks: clearMarks(&state); return []
        case .compare: return ComparePane.open(&state, runIDs: state.table.marks)
        case .chart: return ChartPane.open(&state)
        case .scatter: return ScatterPane.open(&state)
        case .images:
            let byID = Dictionary(state.table.runs.map { ($0.info.runID, $0) }, uniquingKeysWith: { a, _ in a })
            let runs = state.table.marks.isEmpty ? state.selectedRun.map { [$0] } ?? [] : state.table.marks.compactMap { byID[$0] }
            return ImageGridPane.open(&state, runs: runs)
        case .parallelCoordinates: return ParallelPane.open(&state)
        case .sparklineColumn:
            let items = ChartPane.metricKeyCounts(state.table.runs).map { PickerItem(label: $0.key, count: $0.count) }
            state.picker = Picker(purpose: .sparklineMetric, title: "Sparkline column: metric (Enter)", items: items)
            return []
        case .sparklineScale:
            state.table.sparklinePerRun.toggle()
            showMessage(&state, state.table.sparklinePerRun ? "sparklines: each run on its own scale" : "sparklines: one scale across the runs")
            return []
        case .openArtifacts: return RunActions.openArtifacts(&state, state.selectedRun)
        case .yankRunID, .yankArtifactURI: return RunActions.yank(&state, state.selectedRun, command)
        case .toggleTree:
            let id = state.selectedRun?.info.runID
            state.table.tree.toggle()
            rebuildRows(&state)
            if let id, let row = state.table.row(ofRun: id) { state.table.cursor.index = row }
            clampAll(&state)
            showMessage(&state, state.table.tree ? "nested runs shown as a tree (z: expand/collapse)" : "flat list")
            return []
        case .groupPicker: state.picker = groupKeyPicker(state); return []
        case .cycleAggregate: return cycleAggregate(&state)
        case _ where Edits.commands.contains(command): return Edits.onRuns(&state, command, Edits.tableTargets(state), selected: state.selectedRun)
        case .toggleExpand:
            if isGrouped(state.table) { toggleGroup(&state); return [] }
            guard state.table.tree, let run = state.selectedRun else { return [] }
            let id = run.info.runID
            if state.table.collapsed.contains(id) { state.table.collapsed.remove(id) } else { state.table.collapsed.insert(id) }
            rebuildRows(&state)
            clampAll(&state)
            return []
        case .openParent:
            guard let parent = state.selectedRun?.parentRunID else { showMessage(&state, "this run has no parent"); return [] }
            if let row = state.table.row(ofRun: parent) {
                state.table.cursor.index = row
                clampAll(&state)
                return []
            }
            return DetailsPane.open(&state, parent, push: false)
        case .models: return ModelListPane.openForExperiment(&state, nil)
        default: return []
        }
    }

    /// The keys that act on one run: on a group's own row they say how to reach its runs.
    static let runCommandsOnRuns: [KeyCommand] = [.mark, .showValue, .openArtifacts, .yankRunID, .yankArtifactURI, .openParent,
                                                  .rename, .editDescription]

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        state.table.cursor = state.table.cursor.moved(by: delta)
        clampAll(&state)
        return pageIfNeeded(&state)
    }

    static func pageRows(_ state: AppState) -> Int { Layout(state).runRows }

    static func clamp(_ state: inout AppState) {
        measureColumns(&state)
        state.table.cursor.clamp(count: state.table.rows.count, visible: Layout(state).runRows)
        keepSelectedColumnVisible(&state)
    }

    static func setSort(_ state: inout AppState, _ key: SearchKey, ascending: Bool?) -> [Effect] {
        let numeric = key.kind == .metric || key.isNumericAttribute
        state.table.view.localSort = nil
        if let ascending {
            state.table.sort = SortOrder(key: key, ascending: ascending)
        } else if let current = state.table.sort, current.key == key {
            state.table.sort!.ascending.toggle()
        } else {
            state.table.sort = SortOrder(key: key, ascending: !numeric)
        }
        return [searchRuns(&state, mode: .replace)]
    }

    /// Scrolls the non-frozen columns so the selected one is on screen.
    private static func keepSelectedColumnVisible(_ state: inout AppState) {
        let selected = state.table.selectedColumn
        guard selected > 0 else { return }
        if selected < state.table.scrollColumn { state.table.scrollColumn = selected; return }
        let width = (Layout(state).runs?.width ?? state.size.width)
        while state.table.scrollColumn < selected {
            if visibleColumns(state.table, width: width).contains(selected) { break }
            state.table.scrollColumn += 1
        }
    }
}
