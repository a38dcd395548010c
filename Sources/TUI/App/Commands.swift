import Analysis
import Tracking

/// The `:` command line.
enum Commands {
    static let usage = "try :sort KEY [asc|desc], :column KEY, :filter TEXT, :group KEY[,KEY], :export FILE, :models, :registry [FILTER], :theme NAME, :deleted, :tree, :compare, :refresh, :messages, :q"

    static func run(_ state: inout AppState, _ line: String) -> [Effect] {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let name = words.first?.lowercased() else { return [] }
        let argument = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "q", "quit", "exit": state.shouldQuit = true; return []
        case "help": state.help = HelpOverlay(context: state.keyContext); return []
        case "refresh": return refresh(&state)
        case "theme":
            guard !argument.isEmpty else {
                showMessage(&state, "usage: :theme NAME|PATH (dark, light, high-contrast, colorblind, mono)", isError: true)
                return []
            }
            return [.loadTheme(argument)]
        case "filter": return filter(&state, argument)
        case "sort": return sort(&state, argument)
        case "column", "col": return RunsPane.addColumn(&state, argument)
        case "deleted":
            return state.pane == .experiments ? ExperimentsPane.perform(&state, .toggleDeleted) : RunsPane.perform(&state, .toggleDeleted)
        case "tree": return RunsPane.perform(&state, .toggleTree)
        case "compare": return RunsPane.perform(&state, .compare)
        case "messages", "mes": ValueOverlay.showMessages(&state); return []
        case "group": return RunsPane.groupCommand(&state, argument)
        case "ungroup": state.pane = .runs; return RunsPane.setGroupBy(&state, [])
        case "export": return RunsPane.export(&state, argument)
        case "models": return ModelListPane.openForExperiment(&state, nil)
        case "registry": return ModelListPane.open(&state, .registry, filter: argument)
        default:
            showMessage(&state, "unknown command '\(name)' (\(usage))", isError: true)
            return []
        }
    }

    private static func filter(_ state: inout AppState, _ argument: String) -> [Effect] {
        if let problem = filterProblem(argument) {
            state.filterError = problem
            state.input = TextInput(kind: .filter, text: argument)
            return []
        }
        state.currentFilter.text = argument
        state.filterError = nil
        state.pane = .runs
        return [RunsPane.searchRuns(&state, mode: .replace)]
    }

    /// `:sort KEY [asc|desc]`: adds the key's column when missing and selects it.
    private static func sort(_ state: inout AppState, _ argument: String) -> [Effect] {
        var parts = argument.split(separator: " ").map(String.init)
        var ascending: Bool?
        if let last = parts.last?.lowercased(), last == "asc" || last == "desc" {
            ascending = last == "asc"
            parts.removeLast()
        }
        if case .best(let best, let metric)? = try? ColumnKey.parse(parts.joined(separator: " ")) {
            let column = RunColumn.best(best, metric)
            if !state.table.columns.contains(column) { state.table.columns.append(column) }
            state.table.selectedColumn = state.table.columns.firstIndex(of: column)!
            state.pane = .runs
            return RunsPane.setLocalSort(&state, column, ascending: ascending)
        }
        guard let key = parseSearchKey(parts.joined(separator: " ")) else {
            showMessage(&state, "usage: :sort KEY [asc|desc], e.g. :sort metrics.f1 desc, :sort max(metrics.acc)", isError: true)
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
        if let column, RunsPane.isGrouped(state.table) {
            RunsPane.sortGroups(&state, column: column, ascending: ascending ?? !column.columnKey.isNumeric)
            return []
        }
        return RunsPane.setSort(&state, key, ascending: ascending ?? !(key.kind == .metric || key.isNumericAttribute))
    }

    /// Ctrl-R and `:refresh` (`manual`), and the live tick: the store forgets its session cache
    /// and every shown list reloads. Run counts: all on Ctrl-R, the open experiment's on a tick.
    static func refresh(_ state: inout AppState, manual: Bool = true) -> [Effect] {
        state.lastRefresh = state.now
        state.lastRefreshManual = manual
        state.experimentsRequest = state.nextRequest()
        var effects: [Effect] = [.refreshStore, .loadExperiments(request: state.experimentsRequest)]
        if state.table.experimentID != nil { effects.append(RunsPane.searchRuns(&state, mode: .refresh)) }
        if let details = state.details, state.pane == .details {
            state.detailsRequest = state.nextRequest()
            effects.append(.loadDetails(request: state.detailsRequest, runID: details.runID))
        }
        if state.pane == .models, state.modelList != nil { effects.append(ModelListPane.load(&state)) }
        if state.pane == .modelPage, let reload = ModelPagePane.reload(&state) { effects.append(reload) }
        if let poll = AlertInbox.poll(&state) { effects.append(poll) }
        if let reload = SystemChartPane.reload(&state) { effects.append(reload) }
        if let reload = ImageGridPane.reload(&state) { effects.append(reload) }
        state.refreshAwaiting = Set(effects.compactMap { effect -> Int? in
            switch effect {
            case .loadExperiments(let request), .searchRuns(let request, _, _), .loadDetails(let request, _): return request
            default: return nil
            }
        })
        // A table holding all of its experiment's runs counts them as it reloads (RunsLoading.swift).
        let open = RunsPane.holdsWholeExperiment(state) ? [] : state.table.experimentID.map { [$0] } ?? []
        let recount = manual ? state.experiments.rows.map(\.experiment.experimentID) : open
        if !recount.isEmpty { effects.append(.countRuns(experimentIDs: recount)) }
        if manual { RefreshFeedback.start(&state); RunsPane.forgetSummaries(&state) }
        return effects
    }
}
