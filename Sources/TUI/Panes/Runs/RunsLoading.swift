import Tracking

extension RunsPane {
    /// Opens an experiment with the view it had (this session or a former one), keeping the
    /// view of the one it leaves.
    static func openExperiment(_ state: inout AppState, _ id: String) -> [Effect] {
        if let current = state.table.experimentID { state.memory.views[current] = state.table.view }
        var table = RunsTable()
        table.experimentID = id
        table.view = state.memory.views[id] ?? state.defaultView
        state.table = table
        state.memory.lastExperiment = id
        state.alerts.watch(id)
        state.filterError = nil
        return [searchRuns(&state, mode: .replace)]
    }

    static func searchRuns(_ state: inout AppState, mode: RunsLoad) -> Effect {
        let request = state.nextRequest()
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

    /// Loads the next page when the cursor comes within two screens of the end of what is loaded.
    static func pageIfNeeded(_ state: inout AppState) -> [Effect] {
        let t = state.table
        guard t.nextPageToken != nil, !t.loading, !t.loadingMore,
              t.cursor.index >= t.rows.count - 2 * Layout(state).runRows else { return [] }
        return [searchRuns(&state, mode: .append)]
    }

    static func loaded(_ state: inout AppState, _ mode: RunsLoad, _ result: Result<Page<Run>, MLflowError>) -> [Effect] {
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
            }
            if mode == .replace { state.table.runs = []; state.table.rows = []; state.table.nextPageToken = nil }
            return []
        case .success(let page):
            state.table.error = nil
            let selectedID = state.selectedRun?.info.runID
            let previous = state.table.runs
            switch mode {
            case .append: state.table.runs += page.items
            case .replace, .refresh: state.table.runs = page.items
            }
            if mode != .append { keepSummaries(&state, previous: previous) }
            learnFilterVocabulary(&state, page.items, unfiltered: state.currentFilter.searchString.isEmpty)
            state.table.nextPageToken = page.nextPageToken
            rebuildRows(&state)
            countFromTable(&state)
            if mode == .replace {
                state.table.cursor = ListCursor()
            } else if let selectedID, let row = state.table.row(ofRun: selectedID) {
                state.table.cursor.index = row
            }
            clampAll(&state)
            return continueGrouping(&state)
        }
    }

    /// True when the table holds every active run of its experiment: its length is the run count.
    static func holdsWholeExperiment(_ state: AppState) -> Bool {
        let t = state.table
        return t.experimentID != nil && t.nextPageToken == nil && !t.loading && !t.showDeleted
            && state.currentFilter.searchString.isEmpty
    }

    /// The experiments pane's count of the open experiment, from the table when it holds them all:
    /// new runs show in the count without another query.
    private static func countFromTable(_ state: inout AppState) {
        guard holdsWholeExperiment(state), let id = state.table.experimentID else { return }
        let last = state.table.runs.map { max($0.info.startTime ?? 0, $0.info.endTime ?? 0) }.filter { $0 > 0 }.max()
        _ = ExperimentsPane.counted(&state, id: id, count: state.table.runs.count, lastActivity: last)
    }

    /// Recomputes the visible rows: fuzzy search, then groups (RunGroups.swift), tree or flat order.
    static func rebuildRows(_ state: inout AppState) {
        state.table.contentWidths = [:]
        defer { ChartPane.updateSparklineRanges(&state) }
        defer { sortRowsLocally(&state) }
        let runs = state.table.runs
        let fuzzy = state.currentFilter.fuzzy
        state.table.groups = []
        state.table.groupOrder = []
        state.table.groupAggregates = [:]
        if isGrouped(state.table) {
            let candidates = fuzzy.isEmpty ? Array(runs.indices) : runs.indices.filter { fuzzyMatch(fuzzy, runs[$0].info.runName) }
            groupRows(&state, candidates: candidates)
            return
        }
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
        let collapsed = state.table.collapsed
        func visit(_ i: Int, _ depth: Int) {
            guard visited.insert(i).inserted else { return }  // a parent cycle must not loop forever
            let kids = children[i] ?? []
            rows.append(RunRow(index: i, depth: depth, childCount: kids.count))
            if !collapsed.contains(runs[i].info.runID) { for k in kids { visit(k, depth + 1) } }
        }
        for r in roots { visit(r, 0) }
        state.table.rows = rows
    }
}
