import Foundation
import Terminal
import Tracking

/// Each metric's latest value, one per dataset (`accuracy=0.88,0.71`: two datasets), as the
/// models list and `mltui models` show it.
public func loggedModelMetricsText(_ model: LoggedModel) -> String {
    model.latestMetricsByKey.map { "\($0.key)=" + $0.values.map(formatNumber).joined(separator: ",") }.joined(separator: " ")
}

/// Which list the models pane shows: an experiment's logged models, or the model registry.
enum ModelListKind: Equatable, Sendable {
    case logged(experimentID: String)
    case registry
}

/// What `Effect.loadModelList` reads: every page, for the list and its filter.
struct ModelListQuery: Equatable, Sendable {
    var kind: ModelListKind
    var filter: String
}

enum ModelListContent: Equatable, Sendable {
    /// The models and, by run id, the names of their source runs.
    case logged([LoggedModel], runNames: [String: String])
    case registry([RegisteredModel])
}

/// The models pane's state.
struct ModelList: Equatable, Sendable {
    var kind: ModelListKind
    /// The filter applied, in the grammar of the list's kind (logged models' or the registry's).
    var filter = ""
    /// The other kind's filter, kept while Tab shows the other list.
    var otherFilter = ""
    var content: ModelListContent?
    var loading = true
    var error: String?
    var cursor = ListCursor()
    /// The pane Esc returns to, and the pages under the list it puts back.
    var returnTo: Pane
    var saved: Screens.Saved

    var count: Int {
        switch content {
        case .logged(let models, _)?: return models.count
        case .registry(let models)?: return models.count
        case nil: return 0
        }
    }
}

/// An experiment's logged models (the MLflow UI's Models tab) and the model registry, each a
/// list with `/` filtering in MLflow's grammar for it; Enter opens a model's page.
enum ModelListPane: Slice {
    static let bindings = keyRows(.models) { t in
        t.bind([.enter, .char("l"), .right], .open, "open the model", footer: "open")
        t.bind([.escape, .backspace], .back, "back", footer: "back")
        t.bind([.tab], .focusNext, "logged models of the experiment / the model registry", footer: "models/registry")
        t.bind([.char("/")], .filter, "filter (logged-model or registry search syntax)", footer: "filter")
        t.bind([.char("X")], .clearFilter, "clear the filter")
        t.bind([.char("y")], .yankRunID, "copy the model id (a registered model's name)")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard let list = state.modelList else { return [] }
        switch command {
        case .open:
            guard let subject = subject(list) else { return [] }
            return ModelPagePane.open(&state, subject)
        case .back:
            list.saved.restore(&state)
            state.pane = list.returnTo
            state.modelList = nil
            clampAll(&state)
            return []
        case .focusNext:
            var next = list
            switch list.kind {
            case .registry:
                guard let experiment = state.table.experimentID ?? state.experiments.selectedID else {
                    showMessage(&state, "open an experiment to see its logged models")
                    return []
                }
                next.kind = .logged(experimentID: experiment)
            case .logged: next.kind = .registry
            }
            (next.filter, next.otherFilter) = (list.otherFilter, list.filter)
            next.content = nil
            next.cursor = ListCursor()
            state.modelList = next
            return [load(&state)]
        case .filter:
            state.input = TextInput(kind: .modelFilter, text: list.filter)
            state.filterError = nil
            return []
        case .clearFilter:
            state.modelList!.filter = ""
            state.modelList!.cursor = ListCursor()
            return [load(&state)]
        case .yankRunID:
            guard let subject = subject(list) else { return [] }
            let text: String
            switch subject {
            case .loggedModel(let id): text = id
            case .registeredModel(let name): text = name
            case .modelVersion(let name, let version): text = "models:/\(name)/\(version)"
            }
            state.yanked.append(text)
            showMessage(&state, "copied \(text)")
            return [.copy(text)]
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.modelList, \.cursor, by: delta)
    }

    static func pageRows(_ state: AppState) -> Int { Layout(state).compareRows }

    static func clamp(_ state: inout AppState) {
        guard let list = state.modelList else { return }
        state.modelList!.cursor.clamp(count: list.count, visible: Layout(state).compareRows)
    }

    private static func subject(_ list: ModelList) -> ModelSubject? {
        switch list.content {
        case .logged(let models, _)?:
            return models.indices.contains(list.cursor.index) ? .loggedModel(models[list.cursor.index].modelID) : nil
        case .registry(let models)?:
            return models.indices.contains(list.cursor.index) ? .registeredModel(models[list.cursor.index].name) : nil
        case nil: return nil
        }
    }

    // MARK: opening and loading

    /// Shows a list over the pane shown now (`m`, `:models`, `:registry`).
    static func open(_ state: inout AppState, _ kind: ModelListKind, filter: String = "") -> [Effect] {
        if state.pane == .models, let list = state.modelList {
            state.modelList = ModelList(kind: kind, filter: filter, returnTo: list.returnTo, saved: list.saved)
        } else {
            state.modelList = ModelList(kind: kind, filter: filter, returnTo: state.pane, saved: Screens.Saved(state))
        }
        state.pane = .models
        return [load(&state)]
    }

    /// The open experiment's logged models.
    static func openForExperiment(_ state: inout AppState, _ experimentID: String?) -> [Effect] {
        guard let id = experimentID ?? state.table.experimentID ?? state.experiments.selectedID else {
            showMessage(&state, "open an experiment first")
            return []
        }
        return open(&state, .logged(experimentID: id))
    }

    static func load(_ state: inout AppState) -> Effect {
        state.modelList!.loading = true
        state.modelList!.error = nil
        state.modelListRequest = state.nextRequest()
        return .loadModelList(request: state.modelListRequest, ModelListQuery(kind: state.modelList!.kind, filter: state.modelList!.filter))
    }

    static func loaded(_ state: inout AppState, _ result: Result<ModelListContent, MLflowError>) -> [Effect] {
        guard state.modelList != nil else { return [] }
        state.modelList!.loading = false
        switch result {
        case .success(let content):
            state.modelList!.content = content
            state.modelList!.error = nil
        case .failure(let error):
            state.modelList!.error = error.oneLineMessage
            ValueOverlay.log(&state, error.message, isError: true)
        }
        clampAll(&state)
        return []
    }

    /// The `/` line's filter, checked in the grammar of the list's kind before it is applied.
    static func filterProblem(_ state: AppState, _ text: String) -> FilterError? {
        do {
            switch state.modelList?.kind {
            case .registry?: _ = try SearchGrammar.parseRegisteredModelFilter(text)
            default: _ = try SearchGrammar.parseLoggedModelFilter(text)
            }
            return nil
        } catch let error as MLflowError {
            return FilterError(message: error.oneLineMessage, column: errorColumn(error.message))
        } catch {
            return nil
        }
    }

    static func submitFilter(_ state: inout AppState, _ text: String) -> [Effect] {
        guard state.modelList != nil else { return [] }
        if let problem = filterProblem(state, text) {
            state.filterError = problem
            state.input = TextInput(kind: .modelFilter, text: text)
            return []
        }
        state.filterError = nil
        state.modelList!.filter = text
        state.modelList!.cursor = ListCursor()
        return [load(&state)]
    }

    // MARK: render

    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let list = state.modelList else { return }
        let theme = state.theme
        let title: String
        switch list.kind {
        case .logged(let id):
            let name = state.experiments.row(id)?.experiment.name ?? id
            title = "Logged models · \(name) · \(list.count)"
        case .registry: title = "Model registry · \(list.count) registered model" + (list.count == 1 ? "" : "s")
        }
        paneTitle(&buffer, state, title + (list.filter.isEmpty ? "" : " · filtered") + "   (Tab: "
                  + (list.kind == .registry ? "logged models" : "registry") + ")", rect, focused: true)
        if let error = list.error {
            writeWrapped(&buffer, "error: \(error)", Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 1),
                         style: theme[.error])
            return
        }
        guard let content = list.content else {
            buffer.write("loading…", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.dim])
            return
        }
        let header: [String], rows: [[(String, ThemeRole)]]
        switch content {
        case .logged(let models, let runNames):
            header = ["", "Name", "Type", "Source run", "Created", "Metrics"]
            rows = models.map { m in
                [(modelStatusGlyph(m.status), modelStatusRole(m.status)), (m.name, .base), (m.modelType ?? "", .dim),
                 (m.sourceRunID.map { runNames[$0] ?? String($0.prefix(8)) } ?? "", .base),
                 (formatRelative(m.creationTimestamp, now: state.now), .dim), (latestMetrics(m), .base)]
            }
        case .registry(let models):
            header = ["Name", "Latest", "Aliases", "Updated", "Description"]
            rows = models.map { m in
                [(m.name, .base),
                 (m.latestVersions.sorted { $0.versionNumber > $1.versionNumber }.map { v in
                     "v\(v.version)" + ((v.currentStage ?? "None") == "None" ? "" : " \(v.currentStage!)")
                 }.joined(separator: ", "), .base),
                 (m.aliases.sorted { $0.alias < $1.alias }.map { "@\($0.alias)=v\($0.version)" }.joined(separator: " "), .link),
                 (formatRelative(m.lastUpdatedTimestamp ?? 0, now: state.now), .dim),
                 (m.description?.split(separator: "\n").first.map(String.init) ?? "", .dim)]
            }
        }
        if rows.isEmpty {
            let empty = list.filter.isEmpty
                ? (list.kind == .registry ? "no registered models" : "this experiment has no logged models")
                : "nothing matches the filter"
            buffer.write(empty, x: rect.x + 1, y: rect.y + 2, maxWidth: rect.width - 1, style: theme[.dim])
            return
        }
        // Columns as wide as their widest cell, the last taking what is left.
        var widths = header.map(DisplayWidth.of)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = min(40, max(widths[i], DisplayWidth.of(cell.0))) } }
        func draw(_ cells: [(String, ThemeRole)], y: Int, selected: Bool, style: (ThemeRole) -> Style) {
            var x = rect.x + 1
            for (i, cell) in cells.enumerated() where x < rect.x + rect.width - 1 {
                let width = i == cells.count - 1 ? rect.x + rect.width - 1 - x : widths[i]
                buffer.write(cell.0, x: x, y: y, maxWidth: max(0, min(width, rect.x + rect.width - 1 - x)), style: style(cell.1))
                x += widths[i] + 2
            }
        }
        draw(header.map { ($0, .header_dim) }, y: rect.y + 1, selected: false) { theme[$0 == .header_dim ? .label : $0] }
        for i in 0..<max(0, rect.height - 2) {
            let index = list.cursor.top + i
            guard rows.indices.contains(index) else { break }
            let y = rect.y + 2 + i
            let selected = index == list.cursor.index
            if selected { buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: theme[.selected]) }
            draw(rows[index], y: y, selected: selected) { selected ? theme[.selected] : theme[$0] }
        }
    }

    static func latestMetrics(_ model: LoggedModel) -> String { loggedModelMetricsText(model) }
}
