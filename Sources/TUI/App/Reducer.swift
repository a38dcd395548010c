import Foundation
import Terminal
import Tracking

/// The effects to run when the app starts: load the experiment list.
public func startApp(_ state: inout AppState) -> [Effect] {
    state.experimentsLoading = true
    state.lastRefresh = state.now
    state.requestCounter += 1
    state.experimentsRequest = state.requestCounter
    return [.loadExperiments(request: state.experimentsRequest)]
}

/// The one place state changes. Pure: no I/O, no clock; it returns the effects to run.
/// (Wrapped by `reduce` in Panes/Chart/ChartReducer.swift, which adds the chart and sparklines.)
func reduceApp(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .key(let key):
        return handleKey(&state, key)
    case .resize(let size):
        state.size = size
        clampAll(&state)
        return browserResized(&state)
    case .tick(let now):
        state.now = now
        if state.isLoading { state.spinnerFrame += 1 }
        guard state.refreshInterval > 0, now - state.lastRefresh >= state.refreshInterval, !state.isLoading,
              state.refreshAwaiting.isEmpty else { return [] }
        state.lastRefresh = now
        return refreshEffects(&state)
    case .click(let x, let y):
        return handleClick(&state, x: x, y: y)
    case .wheel(_, _, let delta):
        return moveCursor(&state, by: delta * 3)
    case .experimentsLoaded(let request, let result):
        state.refreshAwaiting.remove(request)
        guard request == state.experimentsRequest else { return [] }
        return experimentsLoaded(&state, result)
    case .runsLoaded(let request, let mode, let result):
        state.refreshAwaiting.remove(request)
        guard request == state.runsRequest else { return [] }
        return runsLoaded(&state, mode, result)
    case .runCounted(let id, let count, let last):
        if let i = state.experiments.firstIndex(where: { $0.experiment.experimentID == id }) {
            state.experiments[i].runCount = count
            state.experiments[i].lastActivity = last
        }
        if state.preferExperimentWithRuns, count > 0, state.table.runs.isEmpty, !state.table.loading,
           state.table.experimentID != id, state.currentFilter.isEmpty,
           let row = state.visibleExperiments.firstIndex(where: { $0.experiment.experimentID == id }) {
            state.preferExperimentWithRuns = false
            state.experimentCursor.index = row
            clampAll(&state)
            return openExperiment(&state, id)
        }
        return []
    case .detailsLoaded(let request, let result):
        state.refreshAwaiting.remove(request)
        guard request == state.detailsRequest, state.details != nil else { return [] }
        state.details!.loading = false
        switch result {
        case .success(let loaded):
            state.details!.run = loaded.run
            state.details!.children = loaded.children
            state.details!.metricRanges = loaded.metricRanges
            state.details!.error = nil
        case .failure(let error):
            state.details!.error = error.message
        }
        clampAll(&state)
        return []
    case .compareLoaded(let request, let result):
        guard request == state.compareRequest, state.compare != nil else { return [] }
        state.compare!.loading = false
        switch result {
        case .success(let runs): state.compare!.runs = runs
        case .failure(let error): state.compare!.error = error.message
        }
        return []
    case .themeLoaded(let result):
        switch result {
        case .success(let theme): state.theme = theme; showMessage(&state, "theme \(theme.name)")
        case .failure(let error): showMessage(&state, error.description, isError: true)
        }
        return []
    case .command(let line):
        return runCommand(&state, line)
    case .historyPage, .sparklineLoaded:
        return []  // handled by `reduce` in Panes/Chart/ChartReducer.swift
    case .browser(let event):
        return reduceBrowser(&state, event)
    }
}

// MARK: - backend results

private func experimentsLoaded(_ state: inout AppState, _ result: Result<[Experiment], MLflowError>) -> [Effect] {
    state.experimentsLoading = false
    switch result {
    case .failure(let error):
        state.connection = .failed(error.oneLineMessage)
        showMessage(&state, error.oneLineMessage, isError: true)
        return []
    case .success(let experiments):
        state.connection = .connected
        let previous = Dictionary(state.experiments.map { ($0.experiment.experimentID, $0) }, uniquingKeysWith: { a, _ in a })
        let selectedID = state.visibleExperiments.indices.contains(state.experimentCursor.index)
            ? state.visibleExperiments[state.experimentCursor.index].experiment.experimentID : nil
        state.experiments = experiments.map {
            ExperimentRow(experiment: $0, runCount: previous[$0.experimentID]?.runCount,
                          lastActivity: previous[$0.experimentID]?.lastActivity)
        }
        var effects: [Effect] = []
        if state.table.experimentID == nil {
            // First load: open the requested experiment, else the first one with runs likely (list order).
            let visible = state.visibleExperiments
            var index = 0
            if let wanted = state.initialExperiment {
                if let i = visible.firstIndex(where: { $0.experiment.experimentID == wanted || $0.experiment.name == wanted }) {
                    index = i
                } else {
                    showMessage(&state, "experiment '\(wanted)' not found", isError: true)
                }
            }
            state.experimentCursor.index = index
            state.preferExperimentWithRuns = state.initialExperiment == nil
            if visible.indices.contains(index) {
                effects += openExperiment(&state, visible[index].experiment.experimentID)
                state.pane = .runs
            }
            effects.append(.countRuns(experimentIDs: experiments.map(\.experimentID)))
        } else if let selectedID, let i = state.visibleExperiments.firstIndex(where: { $0.experiment.experimentID == selectedID }) {
            state.experimentCursor.index = i
        }
        clampAll(&state)
        return effects
    }
}

private func runsLoaded(_ state: inout AppState, _ mode: RunsLoad, _ result: Result<Page<Run>, MLflowError>) -> [Effect] {
    state.table.loading = false
    state.table.loadingMore = false
    switch result {
    case .failure(let error):
        if error.code == .invalidParameterValue || error.code == .badRequest {
            // The store rejected the filter or order: show it under the filter, keep the text.
            state.filterError = FilterError(message: error.oneLineMessage, column: errorColumn(error.message))
            if state.input == nil { state.input = TextInput(kind: .filter, text: state.currentFilter.text) }
        } else {
            state.table.error = error.oneLineMessage
            state.connection = .failed(error.oneLineMessage)
        }
        if mode == .replace { state.table.runs = []; state.table.rows = []; state.table.nextPageToken = nil }
        return []
    case .success(let page):
        state.connection = .connected
        state.table.error = nil
        let selectedID = state.selectedRun?.info.runID
        switch mode {
        case .append: state.table.runs += page.items
        case .replace, .refresh: state.table.runs = page.items
        }
        state.table.nextPageToken = page.nextPageToken
        rebuildRows(&state)
        if !page.items.isEmpty { state.preferExperimentWithRuns = false }
        if mode == .replace {
            state.table.cursor = ListCursor()
        } else if let selectedID, let row = state.table.rows.firstIndex(where: { state.table.runs[$0.index].info.runID == selectedID }) {
            state.table.cursor.index = row
        }
        clampAll(&state)
        return []
    }
}

/// The 1-based column a grammar error names ("... at column 12 ..."), if any.
func errorColumn(_ message: String) -> Int? {
    guard let range = message.range(of: "column ") else { return nil }
    let digits = message[range.upperBound...].prefix { $0.isNumber }
    return Int(digits)
}

// MARK: - loading

private func nextRequest(_ state: inout AppState) -> Int {
    state.requestCounter += 1
    return state.requestCounter
}

func openExperiment(_ state: inout AppState, _ id: String) -> [Effect] {
    var table = RunsTable()
    table.experimentID = id
    state.table = table
    state.filterError = nil
    return [searchRuns(&state, mode: .replace)]
}

func searchRuns(_ state: inout AppState, mode: RunsLoad) -> Effect {
    let request = nextRequest(&state)
    state.runsRequest = request
    let filter = state.currentFilter
    var search = RunSearch(experimentIDs: [state.table.experimentID ?? "0"], filter: filter.searchString,
                           orderBy: state.table.sort.map { [$0.orderBy] } ?? [],
                           viewType: state.table.showDeleted ? .all : .activeOnly, maxResults: state.pageSize)
    switch mode {
    case .replace: state.table.loading = true
    case .append:
        state.table.loadingMore = true
        search.pageToken = state.table.nextPageToken
    case .refresh:
        // Reload as many runs as are shown so the cursor and scroll position survive.
        search.maxResults = min(RunSearch.maxResultsLimit, max(state.pageSize, state.table.runs.count))
    }
    return .searchRuns(request: request, search, mode: mode)
}

private func refreshEffects(_ state: inout AppState) -> [Effect] {
    state.experimentsRequest = nextRequest(&state)
    var effects: [Effect] = [.refreshStore, .loadExperiments(request: state.experimentsRequest)]
    if state.table.experimentID != nil { effects.append(searchRuns(&state, mode: .refresh)) }
    if let details = state.details, state.pane == .details {
        state.detailsRequest = nextRequest(&state)
        effects.append(.loadDetails(request: state.detailsRequest, runID: details.runID))
    }
    state.refreshAwaiting = Set(effects.compactMap { effect -> Int? in
        switch effect {
        case .loadExperiments(let request), .searchRuns(let request, _, _), .loadDetails(let request, _): return request
        default: return nil
        }
    })
    return effects
}

/// Loads the next page when the cursor comes within two screens of the end of what is loaded.
private func pageIfNeeded(_ state: inout AppState) -> [Effect] {
    let t = state.table
    guard t.nextPageToken != nil, !t.loading, !t.loadingMore,
          t.cursor.index >= t.rows.count - 2 * Layout(state).runRows else { return [] }
    return [searchRuns(&state, mode: .append)]
}

/// Recomputes the visible rows: fuzzy search, then tree or flat order.
func rebuildRows(_ state: inout AppState) {
    let runs = state.table.runs
    let fuzzy = state.currentFilter.fuzzy
    if !fuzzy.isEmpty {
        state.table.rows = runs.indices.filter { fuzzyMatch(fuzzy, runs[$0].info.runName) }.map { RunRow(index: $0, depth: 0, childCount: 0) }
        return
    }
    guard state.table.tree else {
        state.table.rows = runs.indices.map { RunRow(index: $0, depth: 0, childCount: 0) }
        return
    }
    var position: [String: Int] = [:]
    for (i, run) in runs.enumerated() { position[run.info.runID] = i }
    var children: [Int: [Int]] = [:]
    var roots: [Int] = []
    for (i, run) in runs.enumerated() {
        if let parent = run.parentRunID, let p = position[parent], p != i { children[p, default: []].append(i) }
        else { roots.append(i) }
    }
    var rows: [RunRow] = []
    rows.reserveCapacity(runs.count)
    var visited = Set<Int>()
    func visit(_ i: Int, _ depth: Int) {
        guard visited.insert(i).inserted else { return }  // a parent cycle must not loop forever
        let kids = children[i] ?? []
        rows.append(RunRow(index: i, depth: depth, childCount: kids.count))
        if !state.table.collapsed.contains(runs[i].info.runID) { for k in kids { visit(k, depth + 1) } }
    }
    for r in roots { visit(r, 0) }
    state.table.rows = rows
}

// MARK: - keys

private func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    state.preferExperimentWithRuns = false
    if state.input != nil { return handleInputKey(&state, key) }
    if state.picker != nil, case .char(let c) = key, Keymap.command(for: key, in: .picker) == nil || c == "q" {
        state.picker!.query.append(c)
        state.picker!.cursor = ListCursor()
        return []
    }
    if state.picker != nil, key == .backspace {
        if !state.picker!.query.isEmpty { state.picker!.query.removeLast() } else { state.picker = nil }
        return []
    }
    state.message = nil
    if state.keyContext == .artifacts, let effects = handleBrowserKey(&state, key) { return effects }
    guard let command = Keymap.command(for: key, in: state.keyContext) else { return [] }
    return perform(&state, command)
}

private func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
    let context = state.keyContext
    switch command {
    case .quit: state.shouldQuit = true; return []
    case .help:
        state.showHelp.toggle()
        state.helpCursor = ListCursor()
        return []
    case .commandLine: state.input = TextInput(kind: .command); return []
    case .refresh:
        state.lastRefresh = state.now
        return refreshEffects(&state)
    case .moveDown: return moveCursor(&state, by: 1)
    case .moveUp: return moveCursor(&state, by: -1)
    case .pageDown: return moveCursor(&state, by: pageRows(state))
    case .pageUp: return moveCursor(&state, by: -pageRows(state))
    case .top: return moveCursor(&state, by: -Int.max / 2)
    case .bottom: return moveCursor(&state, by: Int.max / 2)
    case .back:
        if context == .help { state.showHelp = false; return [] }
        if context == .picker { state.picker = nil; return [] }
        return goBack(&state)
    case .focusNext:
        state.pane = state.pane == .experiments ? .runs : .experiments
        return []
    case .open: return open(&state)
    case .openArtifacts: return openArtifactBrowser(&state)
    case .closeFolder, .download, .openPager, .openEditor, .previewSearch, .nextMatch, .previousMatch:
        return []  // browser keys, handled in handleBrowserKey
    case .toggleDeleted:
        if state.pane == .experiments {
            state.showDeletedExperiments.toggle()
            clampAll(&state)
            showMessage(&state, state.showDeletedExperiments ? "showing deleted experiments" : "hiding deleted experiments")
            return []
        }
        state.table.showDeleted.toggle()
        showMessage(&state, state.table.showDeleted ? "showing deleted runs" : "hiding deleted runs")
        return [searchRuns(&state, mode: .replace)]
    case .jump: state.input = TextInput(kind: .jump); return []
    case .filter:
        state.input = TextInput(kind: .filter, text: state.currentFilter.text)
        validateFilterInput(&state)
        return []
    case .fuzzySearch: state.input = TextInput(kind: .fuzzy, text: state.currentFilter.fuzzy); return []
    case .tagPicker:
        state.picker = tagKeyPicker(state)
        return []
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
        guard let key = column.sortKey else {
            showMessage(&state, "MLflow cannot order runs by \(column.title.lowercased())", isError: true)
            return []
        }
        return setSort(&state, key, ascending: nil)
    case .columnLeft, .columnRight:
        let delta = command == .columnLeft ? -1 : 1
        if state.pane == .compare, state.compare != nil {
            state.compare!.firstRun = max(0, min(state.compare!.runs.count - 1, state.compare!.firstRun + delta))
            return []
        }
        state.table.selectedColumn = max(0, min(state.table.columns.count - 1, state.table.selectedColumn + delta))
        keepSelectedColumnVisible(&state)
        return []
    case .columnPicker:
        state.picker = columnPicker(state)
        return []
    case .mark:
        guard let run = state.selectedRun else { return [] }
        let id = run.info.runID
        if let i = state.table.marks.firstIndex(of: id) { state.table.marks.remove(at: i) }
        else if state.table.marks.count >= 20 { showMessage(&state, "compare takes at most 20 runs", isError: true); return [] }
        else { state.table.marks.append(id) }
        return moveCursor(&state, by: 1)
    case .compare:
        let marks = state.table.marks
        guard marks.count >= 2 else { showMessage(&state, "mark 2 to 20 runs with Space, then press c", isError: true); return [] }
        state.compare = CompareView(runIDs: marks)
        state.compareRequest = nextRequest(&state)
        state.pane = .compare
        return [.loadCompare(request: state.compareRequest, runIDs: marks)]
    case .toggleDiffOnly:
        state.compare?.onlyDifferences.toggle()
        state.compare?.cursor = ListCursor()
        return []
    case .yankRunID, .yankArtifactURI:
        let run = state.pane == .details ? state.details?.run : state.selectedRun
        guard let run else { return [] }
        let text = command == .yankRunID ? run.info.runID : run.info.artifactURI
        state.yanked.append(text)
        showMessage(&state, "copied \(command == .yankRunID ? "run id" : "artifact URI"): \(text)")
        return [.copy(text)]
    case .toggleTree:
        let id = state.selectedRun?.info.runID
        state.table.tree.toggle()
        rebuildRows(&state)
        if let id, let row = state.table.rows.firstIndex(where: { state.table.runs[$0.index].info.runID == id }) { state.table.cursor.index = row }
        clampAll(&state)
        showMessage(&state, state.table.tree ? "nested runs shown as a tree (z: expand/collapse)" : "flat list")
        return []
    case .toggleExpand:
        guard state.table.tree, let run = state.selectedRun else { return [] }
        let id = run.info.runID
        if state.table.collapsed.contains(id) { state.table.collapsed.remove(id) } else { state.table.collapsed.insert(id) }
        rebuildRows(&state)
        clampAll(&state)
        return []
    case .chart, .sparklineColumn, .metricPicker, .xMode, .logScale, .smoothLess, .smoothMore,
         .zoomIn, .zoomOut, .zoomReset, .panLeft, .panRight, .cursorLeft, .cursorRight:
        return performChart(&state, command)
    case .openParent:
        let run = state.pane == .details ? state.details?.run : state.selectedRun
        guard let parent = run?.parentRunID else { showMessage(&state, "this run has no parent"); return [] }
        if state.pane == .runs, let row = state.table.rows.firstIndex(where: { state.table.runs[$0.index].info.runID == parent }) {
            state.table.cursor.index = row
            clampAll(&state)
            return []
        }
        return openDetails(&state, parent, push: state.pane == .details)
    }
}

private func pageRows(_ state: AppState) -> Int {
    let layout = Layout(state)
    switch state.keyContext {
    case .experiments: return layout.experimentRows
    case .runs: return layout.runRows
    case .details: return layout.detailRows
    case .compare: return layout.compareRows
    case .picker, .help, .global, .chart, .artifacts: return 10
    }
}

/// Moves the cursor of whatever has focus; clamping keeps it in range.
private func moveCursor(_ state: inout AppState, by delta: Int) -> [Effect] {
    func moved(_ c: ListCursor) -> ListCursor {
        var c = c
        c.index = delta > 0 ? (c.index > Int.max - delta ? Int.max : c.index + delta) : max(0, c.index + delta)
        return c
    }
    switch state.keyContext {
    case .help: state.helpCursor = moved(state.helpCursor)
    case .picker: state.picker!.cursor = moved(state.picker!.cursor)
    case .experiments: state.experimentCursor = moved(state.experimentCursor)
    case .runs: state.table.cursor = moved(state.table.cursor)
    case .details:
        if let cursor = state.details?.cursor { state.details!.cursor = moved(cursor) }
    case .compare:
        if let cursor = state.compare?.cursor { state.compare!.cursor = moved(cursor) }
    case .global, .chart, .artifacts: break
    }
    clampAll(&state)
    return state.keyContext == .runs ? pageIfNeeded(&state) : []
}

/// Keeps every cursor inside its list after any change of data or size.
func clampAll(_ state: inout AppState) {
    let layout = Layout(state)
    state.experimentCursor.clamp(count: state.visibleExperiments.count, visible: layout.experimentRows)
    state.table.cursor.clamp(count: state.table.rows.count, visible: layout.runRows)
    if let details = state.details {
        let count = detailLines(details, now: state.now, utcOffset: state.utcOffset, width: state.size.width).count
        state.details!.cursor.clamp(count: count, visible: layout.detailRows)
    }
    if let compare = state.compare {
        state.compare!.cursor.clamp(count: compareRows(compare).count, visible: layout.compareRows)
    }
    if let picker = state.picker {
        state.picker!.cursor.clamp(count: picker.visibleItems.count, visible: max(1, min(picker.items.count, state.size.height - 6)))
    }
    state.helpCursor.clamp(count: helpLines(state).count, visible: max(1, state.size.height - 6))
    keepSelectedColumnVisible(&state)
}

private func open(_ state: inout AppState) -> [Effect] {
    switch state.keyContext {
    case .experiments:
        let visible = state.visibleExperiments
        guard visible.indices.contains(state.experimentCursor.index) else { return [] }
        let id = visible[state.experimentCursor.index].experiment.experimentID
        state.pane = .runs
        return id == state.table.experimentID ? [] : openExperiment(&state, id)
    case .runs:
        guard let run = state.selectedRun else { return [] }
        state.detailsStack = []
        return openDetails(&state, run.info.runID, push: false)
    case .details:
        guard let details = state.details else { return [] }
        let lines = detailLines(details, now: state.now, utcOffset: state.utcOffset, width: state.size.width)
        guard lines.indices.contains(details.cursor.index), let link = lines[details.cursor.index].link else { return [] }
        return openDetails(&state, link, push: true)
    case .picker:
        return choosePickerItem(&state)
    default:
        return []
    }
}

private func openDetails(_ state: inout AppState, _ runID: String, push: Bool) -> [Effect] {
    if push, let current = state.details?.runID { state.detailsStack.append(current) }
    state.details = RunDetails(runID: runID)
    state.detailsRequest = nextRequest(&state)
    state.pane = .details
    return [.loadDetails(request: state.detailsRequest, runID: runID)]
}

private func goBack(_ state: inout AppState) -> [Effect] {
    switch state.pane {
    case .details:
        if let previous = state.detailsStack.popLast() {
            state.details = RunDetails(runID: previous)
            state.detailsRequest = nextRequest(&state)
            return [.loadDetails(request: state.detailsRequest, runID: previous)]
        }
        state.details = nil
        state.pane = .runs
    case .compare:
        state.compare = nil
        state.pane = .runs
    case .chart:
        state.chart = nil
        state.pane = .runs
    case .runs, .experiments:
        state.pane = .experiments
    }
    clampAll(&state)
    return []
}

private func setSort(_ state: inout AppState, _ key: SearchKey, ascending: Bool?) -> [Effect] {
    let numeric = key.kind == .metric || key.isNumericAttribute
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
private func keepSelectedColumnVisible(_ state: inout AppState) {
    let selected = state.table.selectedColumn
    guard selected > 0 else { return }
    if selected < state.table.scrollColumn { state.table.scrollColumn = selected; return }
    let width = (Layout(state).runs?.width ?? state.size.width)
    while state.table.scrollColumn < selected {
        let shown = visibleColumns(state.table, width: width)
        if shown.contains(selected) { break }
        state.table.scrollColumn += 1
    }
}

// MARK: - pickers

/// Which runs the picker counts cover. Pickers count the runs loaded so far (pages load as the
/// cursor nears the end); while more exist the title says so and, when the experiment's run
/// count is known (the background count), how many there are in all, so a key missing from
/// the list is not taken as absent from the experiment.
func pickerScope(_ state: AppState) -> String {
    let loaded = state.table.runs.count
    guard state.table.nextPageToken != nil else { return "all \(loaded) runs" }
    let total = state.currentFilter.isEmpty && !state.table.showDeleted
        ? state.experiments.first { $0.experiment.experimentID == state.table.experimentID }?.runCount : nil
    if let total, total > loaded { return "the first \(loaded) of \(total) runs" }
    return "the first \(loaded) runs (more not loaded)"
}

func tagKeyPicker(_ state: AppState) -> Picker {
    var counts: [String: Int] = [:]
    for run in state.table.runs { for tag in run.data.tags where tag.key != "mlflow.note.content" { counts[tag.key, default: 0] += 1 } }
    let items = counts.map { PickerItem(label: $0.key, count: $0.value) }.sorted {
        let (a, b) = ($0.label.hasPrefix("mlflow."), $1.label.hasPrefix("mlflow."))
        if a != b { return !a }
        return $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label
    }
    return Picker(purpose: .tagKey, title: "Tag keys in \(pickerScope(state))", items: items)
}

private func tagValuePicker(_ state: AppState, key: String) -> Picker {
    var counts: [String: Int] = [:]
    for run in state.table.runs { if let v = run.data.tag(key) { counts[v, default: 0] += 1 } }
    let items = counts.map { PickerItem(label: $0.key, count: $0.value) }
        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
    return Picker(purpose: .tagValue(key), title: "Values of tag \(key) in \(pickerScope(state))", items: items)
}

func columnPicker(_ state: AppState) -> Picker {
    var params: [String: Int] = [:], metrics: [String: Int] = [:], tags: [String: Int] = [:]
    for run in state.table.runs {
        for p in run.data.params { params[p.key, default: 0] += 1 }
        for m in run.data.metrics { metrics[m.key, default: 0] += 1 }
        for t in run.data.tags where t.key != "mlflow.note.content" { tags[t.key, default: 0] += 1 }
    }
    func items(_ counts: [String: Int], _ make: (String) -> RunColumn) -> [PickerItem] {
        counts.keys.sorted().map { key in
            let column = make(key)
            return PickerItem(label: column.title, count: counts[key]!, checked: state.table.columns.contains(column), column: column)
        }
    }
    let all = items(metrics, RunColumn.metric) + items(params, RunColumn.param) + items(tags, RunColumn.tag)
    return Picker(purpose: .column, title: "Columns in \(pickerScope(state)) (Enter toggles; m: metric, p: param, t: tag)", items: all)
}

private func choosePickerItem(_ state: inout AppState) -> [Effect] {
    guard let picker = state.picker else { return [] }
    let items = picker.visibleItems
    guard items.indices.contains(picker.cursor.index) else { return [] }
    let item = items[picker.cursor.index]
    switch picker.purpose {
    case .tagKey:
        state.picker = tagValuePicker(state, key: item.label)
        return []
    case .tagValue(let key):
        state.picker = nil
        let chip = TagChip(key: key, value: item.label)
        if !state.currentFilter.chips.contains(chip) { state.currentFilter.chips.append(chip) }
        return [searchRuns(&state, mode: .replace)]
    case .column:
        guard let column = item.column else { return [] }
        if let i = state.table.columns.firstIndex(of: column) {
            state.table.columns.remove(at: i)
            state.table.selectedColumn = min(state.table.selectedColumn, state.table.columns.count - 1)
        } else {
            state.table.columns.append(column)
        }
        if let i = state.picker!.items.firstIndex(where: { $0.column == column }) { state.picker!.items[i].checked.toggle() }
        clampAll(&state)
        return []
    case .chartMetric, .sparklineMetric:
        return chooseMetric(&state, item.label)
    }
}

// MARK: - text input (filter, command, jump, fuzzy)

private func handleInputKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard var input = state.input else { return [] }
    var chars = Array(input.text)
    var edited = false
    switch key {
    case .escape, .ctrl("c"):
        if input.kind == .fuzzy { state.currentFilter.fuzzy = ""; rebuildRows(&state) }
        if input.kind == .filter { state.filterError = nil }
        state.input = nil
        clampAll(&state)
        if input.kind == .previewSearch { return previewSearchCancelled(&state) }
        return []
    case .enter:
        state.input = nil
        return submitInput(&state, input)
    case .tab:
        if input.kind == .filter { completeFilter(&state); return [] }
        return []
    case .backspace:
        if input.cursor > 0 { chars.remove(at: input.cursor - 1); input.cursor -= 1; edited = true }
        else if chars.isEmpty { state.input = nil; clampAll(&state); return [] }
    case .delete:
        if input.cursor < chars.count { chars.remove(at: input.cursor); edited = true }
    case .left: input.cursor = max(0, input.cursor - 1)
    case .right: input.cursor = min(chars.count, input.cursor + 1)
    case .home, .ctrl("a"): input.cursor = 0
    case .end, .ctrl("e"): input.cursor = chars.count
    case .ctrl("u"): chars.removeAll(); input.cursor = 0; edited = true
    case .char(let c):
        chars.insert(c, at: input.cursor)
        input.cursor += 1
        edited = true
    default: return []
    }
    input.text = String(chars)
    input.completions = []
    state.input = input
    var effects: [Effect] = []
    if edited {
        switch input.kind {
        case .filter: validateFilterInput(&state)
        case .jump: jumpToExperiment(&state, input.text)
        case .fuzzy:
            state.currentFilter.fuzzy = input.text
            rebuildRows(&state)
            state.table.cursor = ListCursor()
        case .previewSearch: effects = previewSearchEdited(&state, input.text)
        case .command: break
        }
    }
    clampAll(&state)
    return effects
}

/// Checks the filter as it is typed, so the error appears before the search is sent.
private func validateFilterInput(_ state: inout AppState) {
    guard let text = state.input?.text else { return }
    state.filterError = filterProblem(text)
}

/// The grammar's complaint about a filter, or nil when valid (or when no grammar is available).
func filterProblem(_ text: String) -> FilterError? {
    do {
        _ = try SearchGrammar.parseRunFilter(text)
        return nil
    } catch let error as MLflowError where error.code != .notImplemented {
        return FilterError(message: error.oneLineMessage, column: errorColumn(error.message))
    } catch {
        return nil
    }
}

private func submitInput(_ state: inout AppState, _ input: TextInput) -> [Effect] {
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
        return [searchRuns(&state, mode: .replace)]
    case .command:
        return runCommand(&state, input.text)
    case .jump:
        return open(&state)
    case .fuzzy:
        clampAll(&state)
        return []
    case .previewSearch:
        return previewSearchSubmitted(&state, input.text)
    }
}

private func jumpToExperiment(_ state: inout AppState, _ text: String) {
    guard !text.isEmpty else { return }
    let visible = state.visibleExperiments
    let lower = text.lowercased()
    if let i = visible.firstIndex(where: { $0.experiment.name.lowercased().hasPrefix(lower) })
        ?? visible.firstIndex(where: { $0.experiment.name.lowercased().contains(lower) }) {
        state.experimentCursor.index = i
    }
}

/// Tab in the filter bar: completes the identifier or the quoted value at the cursor from the
/// keys and values seen in the loaded runs.
private func completeFilter(_ state: inout AppState) {
    guard var input = state.input else { return }
    let chars = Array(input.text)
    var start = input.cursor
    var inQuote = false
    // A value: the cursor is after an opening quote that is not closed.
    let before = String(chars[0..<input.cursor])
    if before.filter({ $0 == "'" }).count % 2 == 1, let q = before.lastIndex(of: "'") {
        inQuote = true
        start = before.distance(from: before.startIndex, to: q) + 1
    } else {
        while start > 0, !" ()".contains(chars[start - 1]) { start -= 1 }
    }
    let token = String(chars[start..<input.cursor])
    var candidates: [String]
    if inQuote {
        // The identifier is the token before the comparator before the quote.
        let head = before[..<before.index(before.startIndex, offsetBy: start - 1)]
        let words = head.split(separator: " ")
        guard words.count >= 2, let key = parseSearchKey(String(words[words.count - 2])) else { return }
        var values = Set<String>()
        for run in state.table.runs { if case .string(let v)? = run.fieldValue(key) { values.insert(v) } }
        candidates = values.sorted().filter { $0.hasPrefix(token) }.map { $0 + "'" }
    } else {
        candidates = filterIdentifiers(state).filter { $0.lowercased().hasPrefix(token.lowercased()) }
    }
    guard !candidates.isEmpty else { input.completions = ["no completion for '\(token)'"]; state.input = input; return }
    let replacement = candidates.count == 1 ? candidates[0] : commonPrefix(candidates)
    var newChars = chars
    newChars.replaceSubrange(start..<input.cursor, with: Array(replacement))
    input.text = String(newChars)
    input.cursor = start + replacement.count
    input.completions = candidates.count == 1 ? [] : Array(candidates.prefix(50))
    state.input = input
    validateFilterInput(&state)
}

private func commonPrefix(_ items: [String]) -> String {
    guard var prefix = items.first else { return "" }
    for item in items.dropFirst() { while !item.hasPrefix(prefix) { prefix.removeLast() } }
    return prefix
}

/// Every identifier a filter could use in this experiment, canonical spelling.
func filterIdentifiers(_ state: AppState) -> [String] {
    var keys = Set<SearchKey>()
    for run in state.table.runs.prefix(5000) {
        for p in run.data.params { keys.insert(SearchKey(.param, p.key)) }
        for m in run.data.metrics { keys.insert(SearchKey(.metric, m.key)) }
        for t in run.data.tags { keys.insert(SearchKey(.tag, t.key)) }
    }
    let attributes = ["run_id", "run_name", "status", "user_id", "artifact_uri", "start_time", "end_time"].map { "attributes.\($0)" }
    return attributes + keys.map(\.description).sorted() + ["datasets.name", "datasets.digest", "datasets.context"]
}

/// `metrics.f1`, ``params.`a b` ``, `status` -> a search key (prefixes as in
/// `SearchUtils._valid_entity_type`).
func parseSearchKey(_ text: String) -> SearchKey? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return nil }
    func unquote(_ s: Substring) -> String {
        var s = String(s)
        if s.count >= 2, let f = s.first, f == s.last, f == "`" || f == "\"" { s = String(s.dropFirst().dropLast()) }
        return s
    }
    guard let dot = trimmed.firstIndex(of: ".") else {
        let attribute = unquote(Substring(trimmed))
        return SearchKey(.attribute, attribute == "created" || attribute == "Created" ? "start_time" : attribute)
    }
    let prefix = unquote(trimmed[..<dot]).lowercased()
    let key = unquote(trimmed[trimmed.index(after: dot)...])
    switch prefix {
    case "metric", "metrics": return SearchKey(.metric, key)
    case "param", "params", "parameter", "parameters": return SearchKey(.param, key)
    case "tag", "tags": return SearchKey(.tag, key)
    case "attribute", "attributes", "attr", "run": return SearchKey(.attribute, key == "created" ? "start_time" : key)
    case "dataset", "datasets": return SearchKey(.dataset, key)
    default: return nil
    }
}

// MARK: - `:` commands

private func runCommand(_ state: inout AppState, _ line: String) -> [Effect] {
    let words = line.split(separator: " ", maxSplits: 1).map(String.init)
    guard let name = words.first?.lowercased() else { return [] }
    let argument = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
    switch name {
    case "q", "quit", "exit": state.shouldQuit = true; return []
    case "help": state.showHelp = true; return []
    case "refresh": return perform(&state, .refresh)
    case "theme":
        guard !argument.isEmpty else { showMessage(&state, "usage: :theme NAME|PATH (dark, light, high-contrast, colorblind, mono)", isError: true); return [] }
        return [.loadTheme(argument)]
    case "filter":
        if let problem = filterProblem(argument) {
            state.filterError = problem
            state.input = TextInput(kind: .filter, text: argument)
            return []
        }
        state.currentFilter.text = argument
        state.filterError = nil
        state.pane = .runs
        return [searchRuns(&state, mode: .replace)]
    case "sort":
        var parts = argument.split(separator: " ").map(String.init)
        var ascending: Bool?
        if let last = parts.last?.lowercased(), last == "asc" || last == "desc" {
            ascending = last == "asc"
            parts.removeLast()
        }
        guard let key = parseSearchKey(parts.joined(separator: " ")) else {
            showMessage(&state, "usage: :sort KEY [asc|desc], e.g. :sort metrics.f1 desc", isError: true)
            return []
        }
        let column: RunColumn?
        switch key.kind {
        case .metric: column = .metric(key.key)
        case .param: column = .param(key.key)
        case .tag: column = .tag(key.key)
        default: column = nil
        }
        if let column, !state.table.columns.contains(column) { state.table.columns.append(column) }
        if let column, let i = state.table.columns.firstIndex(of: column) { state.table.selectedColumn = i }
        state.pane = .runs
        clampAll(&state)
        return setSort(&state, key, ascending: ascending ?? !(key.kind == .metric || key.isNumericAttribute))
    case "deleted": return perform(&state, .toggleDeleted)
    case "tree": return perform(&state, .toggleTree)
    case "compare": return perform(&state, .compare)
    default:
        showMessage(&state, "unknown command '\(name)' (try :sort KEY [asc|desc], :filter TEXT, :theme NAME, :refresh, :q)", isError: true)
        return []
    }
}

// MARK: - mouse

private func handleClick(_ state: inout AppState, x: Int, y: Int) -> [Effect] {
    guard state.input == nil, state.picker == nil, !state.showHelp else { return [] }
    let layout = Layout(state)
    if let rect = layout.experiments, rect.contains(x: x, y: y) {
        state.pane = .experiments
        let row = y - rect.y - 1
        guard row >= 0 else { return [] }
        state.experimentCursor.index = state.experimentCursor.top + row
        clampAll(&state)
        return open(&state)
    }
    if let rect = layout.runs, rect.contains(x: x, y: y) {
        state.pane = .runs
        let row = y - rect.y - 2
        guard row >= 0 else { return [] }
        state.table.cursor.index = state.table.cursor.top + row
        clampAll(&state)
    }
    return []
}

func showMessage(_ state: inout AppState, _ text: String, isError: Bool = false) {
    state.message = text
    state.messageIsError = isError
}
