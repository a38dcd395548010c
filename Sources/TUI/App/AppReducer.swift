import Foundation
import Terminal
import Tracking

/// The effects to run when the app starts: read the store's state file, load the experiment list.
func startApp(_ state: inout AppState) -> [Effect] {
    state.experiments.loading = true
    // Focus is where the experiment opened at start-up shows, from the first frame: keys typed
    // before it is chosen (Tab, /) mean the same as after.
    state.pane = .runs
    state.lastRefresh = state.now
    state.experimentsRequest = state.nextRequest()
    return [.loadMemory(store: state.source), .loadExperiments(request: state.experimentsRequest)]
}

/// The one place state changes. Pure: no I/O, no clock; it returns the effects to run.
/// It routes: keys to the focused slice, backend results to the slice that asked.
func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    let refreshedAt = state.lastRefresh
    let wasFailed = state.connection.isFailed
    // What every "store unreachable" line starts with ("Cannot reach the tracking server URL"),
    // whichever request it came from.
    let lostLine: String? = {
        guard case .failed(let line) = state.connection else { return nil }
        return line.range(of: " (").map { String(line[..<$0.lowerBound]) } ?? line
    }()
    Reconnect.note(&state, action)
    let awaited = state.refreshAwaiting
    let remembered = state.memoryLoaded ? RunsPane.MemoryStamp(state) : nil
    let plotted = PlotInputs(state)
    var effects = route(&state, action)
    PlotInputs.prepareIfChanged(&state, since: plotted)
    if wasFailed, state.connection == .connected {
        // The line that said the store was gone is stale now.
        if state.messageIsError, let lostLine, state.message?.contains(lostLine) == true {
            showMessage(&state, "connected again: reloading what failed")
        }
        effects += Reconnect.reloadFailed(&state)
    }
    // Live: on the table's refresh, RUNNING runs get their curves and sparklines reloaded.
    if state.lastRefresh != refreshedAt { effects += ChartPane.liveEffects(&state) }
    RefreshFeedback.settle(&state, action, awaited: awaited)
    effects += RunsPane.saveIfChanged(state, since: remembered)
    effects += ExperimentsPane.countWhenSettled(&state)
    return effects + ChartPane.sparklineEffects(&state) + RunsPane.summaryEffects(&state)
}

private func route(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .key(let key):
        return handleKey(&state, key)
    case .resize(let size):
        state.size = size
        clampAll(&state)
        return browserResized(&state) + ImageGridPane.thumbnailEffects(&state)
    case .tick(let now):
        state.now = now
        if state.isLoading { state.spinnerFrame += 1 }
        let disconnected = state.connection.isFailed
        let interval = disconnected && state.refreshInterval <= 0 ? Reconnect.probeInterval : state.refreshInterval
        guard interval > 0, now - state.lastRefresh >= interval, !state.isLoading,
              state.refreshAwaiting.isEmpty else { return [] }
        return disconnected ? Reconnect.probe(&state) : Commands.refresh(&state, manual: false)
    case .click(let x, let y):
        return handleClick(&state, x: x, y: y)
    case .wheel(_, _, let delta):
        return slice(for: state.keyContext)?.move(&state, by: delta * 3) ?? []
    case .experimentsLoaded(let request, let result):
        state.refreshAwaiting.remove(request)
        guard request == state.experimentsRequest else { return [] }
        return ExperimentsPane.loaded(&state, result)
    case .runsLoaded(let request, let mode, let result):
        state.refreshAwaiting.remove(request)
        guard request == state.runsRequest else { return [] }
        return RunsPane.loaded(&state, mode, result)
    case .runCounted(let id, let count, let last):
        return ExperimentsPane.counted(&state, id: id, count: count, lastActivity: last)
    case .memoryLoaded(let load):
        return RunsPane.memoryLoaded(&state, load)
    case .latestRunsLoaded(let request, let result):
        return ExperimentsPane.latestRunsLoaded(&state, request: request, result)
    case .detailsLoaded(let request, let result):
        state.refreshAwaiting.remove(request)
        guard request == state.detailsRequest else { return [] }
        return DetailsPane.loaded(&state, result)
    case .compareLoaded(let request, let result):
        guard request == state.compareRequest else { return [] }
        return ComparePane.loaded(&state, result)
    case .historyPage(let request, let runID, let result):
        return ChartPane.historyPageLoaded(&state, request: request, runID: runID, result)
    case .sparklineLoaded(let key, let runID, let result):
        ChartPane.sparklineLoaded(&state, key: key, runID: runID, result)
        return []
    case .themeLoaded(let result):
        switch result {
        case .success(let theme): state.theme = theme; showMessage(&state, "theme \(theme.name)")
        case .failure(let error): showMessage(&state, error.description, isError: true)
        }
        return []
    case .command(let line):
        return Commands.run(&state, line)
    case .browser(let event):
        return reduceBrowser(&state, event)
    case .runsSampled(let id, let result):
        RunsPane.sampled(&state, experimentID: id, result)
        return []
    case .summariesLoaded(let request, let key, let steps, let runIDs, let result):
        RunsPane.summariesLoaded(&state, request: request, key: key, steps: steps, runIDs: runIDs, result)
        return []
    case .exported(let outcome):
        RunsPane.exported(&state, outcome)
        return []
    case .written(let outcome):
        return Edits.written(&state, outcome)
    case .noteEdited(let run, let original, let edited, let problem):
        return Edits.noteEdited(&state, run, original: original, edited: edited, problem: problem)
    case .modelListLoaded(let request, let result):
        guard request == state.modelListRequest else { return [] }
        return ModelListPane.loaded(&state, result)
    case .alertsPolled(let request, let result):
        return AlertInbox.polled(&state, request: request, result)
    case .imageIndexLoaded(let request, let runID, let result):
        return ImageGridPane.indexLoaded(&state, request: request, runID: runID, result)
    case .gridImageLoaded(let request, let id, let result):
        ImageGridPane.imageLoaded(&state, request: request, id: id, result)
        return []
    case .systemHistoriesLoaded(let request, let result):
        SystemChartPane.loaded(&state, request: request, result)
        return []
    case .modelPageLoaded(let request, let result):
        guard request == state.modelPageRequest else { return [] }
        return ModelPagePane.loaded(&state, result)
    }
}

/// A key goes to the input line when it is open, else to the picker's query, else to the
/// topmost context's bindings; global bindings answer what the context does not bind.
private func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if state.confirm != nil { return Edits.answer(&state, key) }
    if state.input != nil { return InputLine.handleKey(&state, key) }
    if state.picker != nil, let effects = PickerOverlay.edit(&state, key) { return effects }
    state.message = nil
    let context = state.keyContext
    if context == .artifacts, let effects = ArtifactsPane.answerPending(&state, key) { return effects }
    guard let command = state.keys.command(for: key, in: context) else { return [] }
    switch command {
    case .quit: state.shouldQuit = true; return []
    case .help: HelpOverlay.toggle(&state); clampAll(&state); return []
    case .commandLine: state.input = TextInput(kind: .command); return []
    case .refresh: return Commands.refresh(&state)
    case .messages: ValueOverlay.showMessages(&state); return []
    case .alerts: AlertsOverlay.toggle(&state); return []
    default: break
    }
    guard let slice = slice(for: context) else { return [] }
    switch command {
    case .moveDown: return slice.move(&state, by: 1)
    case .moveUp: return slice.move(&state, by: -1)
    case .pageDown: return slice.move(&state, by: slice.pageRows(state))
    case .pageUp: return slice.move(&state, by: -slice.pageRows(state))
    case .top: return slice.move(&state, by: -Int.max / 2)
    case .bottom: return slice.move(&state, by: Int.max / 2)
    default: return slice.perform(&state, command)
    }
}

/// A click focuses the experiments or runs pane and selects the row under it.
private func handleClick(_ state: inout AppState, x: Int, y: Int) -> [Effect] {
    guard state.input == nil, state.picker == nil, state.confirm == nil, state.help == nil, state.value == nil,
          state.alertsOverlay == nil else { return [] }
    let layout = Layout(state)
    if let rect = layout.experiments, rect.contains(x: x, y: y) {
        state.pane = .experiments
        let row = y - rect.y - 1
        guard row >= 0 else { return [] }
        state.experiments.cursor.index = state.experiments.cursor.top + row
        clampAll(&state)
        return ExperimentsPane.openSelected(&state)
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
