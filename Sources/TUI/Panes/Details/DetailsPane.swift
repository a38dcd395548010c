import Terminal
import Tracking

/// The details pane's state: one run, its children and metric ranges.
struct RunDetails: Equatable, Sendable {
    var runID: String
    var run: Run?
    var children: [Run] = []
    /// The parent run, read with the details for its name.
    var parent: Run?
    var metricRanges: [String: MetricRange] = [:]
    /// The logged models the run output, and the registry versions made from the run.
    var models: [LoggedModel] = []
    var versions: [ModelVersion] = []
    var loading = true
    var error: String?
    var cursor = ListCursor()
}

/// One run in full: info, params, metrics, tags, parent and children as links.
enum DetailsPane: Slice {
    static let bindings = keyRows(.details) { t in
        t.bind([.escape, .backspace, .char("h"), .left], .back, "back", footer: "back")
        t.bind([.enter], .open, "follow a link (parent or child run, logged model, version), else show the value in full (a dataset: its schema and profile)", footer: "open")
        t.bind([.char("v"), .char("o")], .showValue, "show the value in full (wrapped, scrollable, y copies)")
        t.bind([.char("]"), .char("}"), .tab], .nextSection, "next section", footer: "sections")
        t.bind([.char("["), .char("{"), .backTab], .previousSection, "previous section")
        t.bind([.char("1")], .jumpParams, "jump to params")
        t.bind([.char("2")], .jumpMetrics, "jump to metrics")
        t.bind([.char("3")], .jumpTags, "jump to tags")
        t.bind([.char("4")], .jumpLinks, "jump to the parent and children links")
        t.bind([.char("5")], .jumpModels, "jump to the run's logged models and registered versions (Enter opens one)")
        t.bind([.char("6")], .jumpDatasets, "jump to the run's datasets (Enter shows schema and profile)")
        t.bind([.char("7")], .jumpSystemMetrics, "jump to the system metrics (CPU, memory, GPUs, disk, network), with sparklines")
        t.bind([.char("s")], .systemCharts, "chart the run's system metrics, one small chart each, by device")
        t.bind([.char("I")], .images, "the run's images logged with mlflow.log_image, by step")
        t.bind([.char("p")], .openParent, "open parent run", footer: "parent")
        t.bind([.char("a")], .openArtifacts, "browse the run's artifacts", footer: "artifacts")
        t.bind([.char("m")], .models, "the logged models of the run's experiment")
        t.bind([.char("y")], .yankRunID, "copy run id", footer: "copy id")
        t.bind([.char("Y")], .yankArtifactURI, "copy artifact URI")
        Edits.runBindings(&t, on: "the run shown")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        switch command {
        case .back: return back(&state)
        case .open:
            guard let details = state.details else { return [] }
            let lines = DetailsPane.lines(state)
            guard lines.indices.contains(details.cursor.index) else { return [] }
            if let target = lines[details.cursor.index].target { return ModelPagePane.open(&state, target) }
            guard let link = lines[details.cursor.index].link else { return showValue(&state) }
            return open(&state, link, push: true)
        case .showValue: return showValue(&state)
        case .nextSection, .previousSection, .jumpParams, .jumpMetrics, .jumpTags, .jumpLinks, .jumpModels, .jumpDatasets, .jumpSystemMetrics:
            jump(&state, command)
            return []
        case .openParent:
            guard let parent = state.details?.run?.parentRunID else { showMessage(&state, "this run has no parent"); return [] }
            return open(&state, parent, push: true)
        case .openArtifacts: return RunActions.openArtifacts(&state, state.details?.run)
        case .systemCharts: return SystemChartPane.open(&state, state.details?.run)
        case .images: return ImageGridPane.open(&state, runs: state.details?.run.map { [$0] } ?? [])
        case .models: return ModelListPane.openForExperiment(&state, state.details?.run?.info.experimentID)
        case .yankRunID, .yankArtifactURI: return RunActions.yank(&state, state.details?.run, command)
        case _ where Edits.commands.contains(command): return Edits.onRuns(&state, command, state.details?.run.map { [$0] } ?? [], selected: state.details?.run)
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.details, \.cursor, by: delta)
    }

    static func pageRows(_ state: AppState) -> Int { Layout(state).detailRows }

    static func clamp(_ state: inout AppState) {
        guard state.details != nil else { return }
        state.details!.cursor.clamp(count: lines(state).count, visible: Layout(state).detailRows)
    }

    /// The lines of the run shown, with its experiment's name from the experiment list.
    static func lines(_ state: AppState, width: Int? = nil) -> [DetailLine] {
        guard let details = state.details else { return [] }
        let experiment = details.run.flatMap { state.experiments.row($0.info.experimentID)?.experiment.name }
        return detailLines(details, now: state.now, utcOffset: state.utcOffset, width: width ?? state.size.width,
                           experimentName: experiment)
    }

    /// Shows a run; `push` keeps the page shown now for Esc to come back to (Screens.swift).
    static func open(_ state: inout AppState, _ runID: String, push: Bool) -> [Effect] {
        if push { Screens.push(&state) }
        return show(&state, runID)
    }

    static func show(_ state: inout AppState, _ runID: String) -> [Effect] {
        state.details = RunDetails(runID: runID)
        state.detailsRequest = state.nextRequest()
        state.pane = .details
        return [.loadDetails(request: state.detailsRequest, runID: runID)]
    }

    private static func back(_ state: inout AppState) -> [Effect] { Screens.back(&state) }

    static func loaded(_ state: inout AppState, _ result: Result<RunWithChildren, MLflowError>) -> [Effect] {
        guard state.details != nil else { return [] }
        state.details!.loading = false
        switch result {
        case .success(let loaded):
            state.details!.run = loaded.run
            state.details!.children = loaded.children
            state.details!.parent = loaded.parent
            state.details!.metricRanges = loaded.metricRanges
            state.details!.models = loaded.models
            state.details!.versions = loaded.versions
            state.details!.error = nil
        case .failure(let error):
            state.details!.error = error.message
            ValueOverlay.log(&state, error.message, isError: true)
        }
        clampAll(&state)
        return []
    }
}
