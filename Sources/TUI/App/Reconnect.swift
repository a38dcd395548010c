import Tracking

extension MLflowError {
    /// Whether the error says the store could not be reached or could not answer: the REST
    /// client's transport failures (refused, unreachable, timed out, broken off: 503/504 codes,
    /// RESTStore `transportFailure`) and 5xx answers. A 4xx (a bad filter, a missing run) is an
    /// answer, so it says the store is there.
    var isUnreachable: Bool { code.httpStatus >= 500 && code != .notImplemented }
}

extension Connection {
    var isFailed: Bool { if case .failed = self { return true } else { return false } }
}

/// The header's connection state, kept true by every backend answer, and what happens when a
/// lost store answers again: every open pane whose last load failed reloads, no key needed.
enum Reconnect {
    /// Seconds between probes while disconnected when live refresh is off (`--refresh 0`).
    static let probeInterval: Double = 5

    /// Any success marks the store connected; an unreachable-store error marks it failed; other
    /// errors leave it as it was.
    static func note(_ state: inout AppState, _ action: Action) {
        switch outcome(action) {
        case .success?: state.connection = .connected
        case .failure(let error)? where error.isUnreachable: state.connection = .failed(error.oneLineMessage)
        default: break
        }
    }

    /// The answer an action carries from the store, if it is one.
    private static func outcome(_ action: Action) -> Result<Void, MLflowError>? {
        func plain<T>(_ result: Result<T, MLflowError>) -> Result<Void, MLflowError> { result.map { _ in () } }
        switch action {
        case .experimentsLoaded(_, let r): return plain(r)
        case .runsLoaded(_, _, let r): return plain(r)
        case .detailsLoaded(_, let r): return plain(r)
        case .compareLoaded(_, let r): return plain(r)
        case .historyPage(_, _, let r): return plain(r)
        case .sparklineLoaded(_, _, let r): return plain(r)
        case .imageIndexLoaded(_, _, let r): return plain(r)
        case .summariesLoaded(_, _, _, _, let r): return plain(r)
        // Of the artifact browser, listings only: previews and downloads also fail on local
        // files (decoding, disk), which says nothing about the store.
        case .browser(.listed(_, let r)): return plain(r)
        case .modelListLoaded(_, let r): return plain(r)
        case .modelPageLoaded(_, let r): return plain(r)
        default: return nil
        }
    }

    /// While disconnected the refresh tick sends one cheap request, the experiments list,
    /// instead of reloading every pane; its answer tells whether the store is back.
    static func probe(_ state: inout AppState) -> [Effect] {
        state.lastRefresh = state.now
        state.experimentsRequest = state.nextRequest()
        state.refreshAwaiting = [state.experimentsRequest]
        return [.loadExperiments(request: state.experimentsRequest)]
    }

    /// On failed → connected: reloads what failed while the store was away.
    static func reloadFailed(_ state: inout AppState) -> [Effect] {
        var effects: [Effect] = []
        if state.table.error != nil, state.table.experimentID != nil {
            effects.append(RunsPane.searchRuns(&state, mode: state.table.runs.isEmpty ? .replace : .refresh))
        }
        if let details = state.details, details.error != nil {
            state.details!.loading = true
            state.detailsRequest = state.nextRequest()
            effects.append(.loadDetails(request: state.detailsRequest, runID: details.runID))
        }
        if let compare = state.compare, compare.error != nil {
            state.compare!.loading = true
            state.compareRequest = state.nextRequest()
            effects.append(.loadCompare(request: state.compareRequest, runIDs: compare.runIDs))
        }
        if state.modelList?.error != nil { effects.append(ModelListPane.load(&state)) }
        if state.modelPage?.error != nil, let reload = ModelPagePane.reload(&state) { effects.append(reload) }
        effects += ChartPane.reloadFailed(&state)
        RunsPane.retryFailedSummaries(&state)  // asked again at the end of this reduce
        if let browser = state.browser {
            effects += browser.errors.keys.sorted().map { .artifacts(.list(owner: browser.owner, path: $0)) }
        }
        return effects
    }
}
