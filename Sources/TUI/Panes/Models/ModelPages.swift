import Foundation
import Terminal
import Tracking

/// What a model page shows: a logged model, a registered model, or one version of it.
enum ModelSubject: Equatable, Hashable, Sendable {
    case loggedModel(String)
    case registeredModel(String)
    case modelVersion(name: String, version: String)

    var title: String {
        switch self {
        case .loggedModel(let id): return "Logged model · \(id)"
        case .registeredModel(let name): return "Registered model · \(name)"
        case .modelVersion(let name, let version): return "Model version · \(name) v\(version)"
        }
    }
}

/// A model page's data, read by `Effect.loadModelPage`.
enum ModelPageContent: Equatable, Sendable {
    /// The model, the run that logged it (nil when it cannot be read) and the registry versions made from it.
    case loggedModel(LoggedModel, sourceRun: Run?, versions: [ModelVersion])
    /// The model and all its versions, newest first.
    case registeredModel(RegisteredModel, versions: [ModelVersion])
    /// The version, its registered model's aliases, the logged model it was made from and its source run.
    case modelVersion(ModelVersion, aliases: [String], loggedModel: LoggedModel?, sourceRun: Run?)
}

/// The model page's state. Pages and run details share one back stack (Screens.swift).
struct ModelPage: Equatable, Sendable {
    var subject: ModelSubject
    var content: ModelPageContent?
    var loading = true
    var error: String?
    var cursor = ListCursor()
}

/// A logged model's page, a registered model's and a version's: sections of lines as the run
/// details show them, with runs, models and versions as links.
enum ModelPagePane: Slice {
    static let bindings = keyRows(.modelPage) { t in
        t.bind([.escape, .backspace, .char("h"), .left], .back, "back", footer: "back")
        t.bind([.enter], .open, "follow the link (run, model, version), else show the value in full", footer: "open")
        t.bind([.char("v"), .char("o")], .showValue, "show the value in full (wrapped, scrollable, y copies)")
        t.bind([.char("]"), .char("}"), .tab], .nextSection, "next section", footer: "sections")
        t.bind([.char("["), .char("{"), .backTab], .previousSection, "previous section")
        t.bind([.char("a")], .openArtifacts, "browse the files of the logged model (of a version: the model it was made from)", footer: "artifacts")
        t.bind([.char("y")], .yankRunID, "copy the model id (a registered model's name)", footer: "copy id")
        t.bind([.char("Y")], .yankArtifactURI, "copy the artifact URI (a version's source)")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard let page = state.modelPage else { return [] }
        let lines = Self.lines(state)
        switch command {
        case .back: return back(&state)
        case .open:
            guard lines.indices.contains(page.cursor.index) else { return [] }
            let line = lines[page.cursor.index]
            if let target = line.target { return open(&state, target) }
            if let run = line.link { return openRun(&state, run) }
            return showValue(&state, lines)
        case .showValue: return showValue(&state, lines)
        case .nextSection, .previousSection:
            let headings = lines.indices.filter { lines[$0].isSection }
            let cursor = page.cursor.index
            let next = command == .nextSection ? headings.first { $0 > cursor } : headings.last { $0 < cursor }
            guard let heading = next else { return [] }
            state.modelPage!.cursor.index = lines.indices.contains(heading + 1) && !lines[heading + 1].isSection ? heading + 1 : heading
            state.modelPage!.cursor.top = heading
            clampAll(&state)
            return []
        case .openArtifacts:
            // A version's files are its logged model's.
            switch page.content {
            case .loggedModel(let model, _, _)?, .modelVersion(_, _, let model?, _)?:
                return RunActions.openArtifacts(&state, of: .loggedModel(model.modelID), uri: model.artifactLocation)
            default:
                showMessage(&state, "a registered model has no files: open one of its versions")
                return []
            }
        case .yankRunID, .yankArtifactURI:
            guard let text = yankText(page, command) else { return [] }
            state.yanked.append(text)
            showMessage(&state, "copied \(text)")
            return [.copy(text)]
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.modelPage, \.cursor, by: delta)
    }

    static func pageRows(_ state: AppState) -> Int { Layout(state).detailRows }

    static func clamp(_ state: inout AppState) {
        guard state.modelPage != nil else { return }
        state.modelPage!.cursor.clamp(count: lines(state).count, visible: Layout(state).detailRows)
    }

    private static func yankText(_ page: ModelPage, _ command: KeyCommand) -> String? {
        switch page.content {
        case .loggedModel(let model, _, _)?: return command == .yankRunID ? model.modelID : model.artifactLocation
        case .registeredModel(let model, _)?: return model.name
        case .modelVersion(let version, _, _, _)?: return command == .yankRunID ? "models:/\(version.name)/\(version.version)" : version.source
        case nil: return nil
        }
    }

    // MARK: navigation

    /// Opens a page over the one shown (Esc comes back to it), or over the pane shown.
    static func open(_ state: inout AppState, _ subject: ModelSubject) -> [Effect] {
        Screens.push(&state)
        return show(&state, subject)
    }

    static func show(_ state: inout AppState, _ subject: ModelSubject) -> [Effect] {
        state.modelPage = ModelPage(subject: subject)
        state.pane = .modelPage
        state.modelPageRequest = state.nextRequest()
        return [.loadModelPage(request: state.modelPageRequest, subject)]
    }

    /// Reads the page shown again (Ctrl-R, or the store answering after an outage).
    static func reload(_ state: inout AppState) -> Effect? {
        guard let page = state.modelPage else { return nil }
        state.modelPage!.loading = true
        state.modelPageRequest = state.nextRequest()
        return .loadModelPage(request: state.modelPageRequest, page.subject)
    }

    /// A run link: its details open over the page, and Esc there comes back here.
    private static func openRun(_ state: inout AppState, _ runID: String) -> [Effect] {
        DetailsPane.open(&state, runID, push: true)
    }

    private static func back(_ state: inout AppState) -> [Effect] { Screens.back(&state) }

    static func loaded(_ state: inout AppState, _ result: Result<ModelPageContent, MLflowError>) -> [Effect] {
        guard state.modelPage != nil else { return [] }
        state.modelPage!.loading = false
        switch result {
        case .success(let content):
            state.modelPage!.content = content
            state.modelPage!.error = nil
            // On the first field, under the page's heading.
            if state.modelPage!.cursor.index == 0 { state.modelPage!.cursor.index = 1 }
        case .failure(let error):
            state.modelPage!.error = error.message
            ValueOverlay.log(&state, error.message, isError: true)
        }
        clampAll(&state)
        return []
    }

    private static func showValue(_ state: inout AppState, _ lines: [DetailLine]) -> [Effect] {
        guard let page = state.modelPage, lines.indices.contains(page.cursor.index) else { return [] }
        let line = lines[page.cursor.index]
        guard !line.isSection else { return [] }
        let heading = lines[...page.cursor.index].last { $0.isSection }?.label ?? ""
        let section = heading.components(separatedBy: " (").first ?? heading
        return ValueOverlay.open(&state, title: line.label.isEmpty ? section : "\(section) · \(line.label)", text: line.full ?? line.value)
    }

    // MARK: lines

    static func lines(_ state: AppState) -> [DetailLine] {
        guard let content = state.modelPage?.content else { return [] }
        let time = { (ms: Int64?) -> String in
            ms.map { "\(formatAbsolute($0, utcOffset: state.utcOffset)) (\(formatRelative($0, now: state.now)))" } ?? "-"
        }
        let experimentName = { (id: String) -> String in
            state.experiments.row(id).map { "\($0.experiment.name) (\(id))" } ?? id
        }
        switch content {
        case .loggedModel(let model, let run, let versions):
            return loggedModelLines(model, run: run, versions: versions, time: time, experiment: experimentName)
        case .registeredModel(let model, let versions):
            return registeredModelLines(model, versions: versions, time: time, width: state.size.width)
        case .modelVersion(let version, let aliases, let model, let run):
            return versionLines(version, aliases: aliases, model: model, run: run, time: time)
        }
    }

    static func loggedModelLines(_ model: LoggedModel, run: Run?, versions: [ModelVersion], time: (Int64?) -> String,
                                 experiment: (String) -> String) -> [DetailLine] {
        var lines: [DetailLine] = [.section("Logged model", .run)]
        lines.append(.field("name", model.name))
        lines.append(.field("model id", model.modelID))
        lines.append(.field("status", "\(modelStatusGlyph(model.status)) \(model.status.shortName)", modelStatusRole(model.status)))
        if let message = model.statusMessage, !message.isEmpty { lines.append(.field("status message", message)) }
        lines.append(.field("type", model.modelType ?? "-"))
        lines.append(.field("experiment", experiment(model.experimentID)))
        if let runID = model.sourceRunID, !runID.isEmpty {
            lines.append(.field("↑ source run", run.map { "\($0.info.runName)  \(runID)" } ?? runID, .link, link: runID))
        }
        lines.append(.field("created", time(model.creationTimestamp)))
        lines.append(.field("updated", time(model.lastUpdatedTimestamp)))
        lines.append(.path("artifacts", model.artifactLocation))
        if !versions.isEmpty {
            lines.append(.section("Registered as (\(versions.count))", .links))
            for v in versions { lines.append(versionLink(v, aliases: v.aliases, named: true)) }
        }
        lines.append(.section("Params (\(model.params.count))", .params))
        for p in model.params.sorted(by: { $0.key < $1.key }) { lines.append(.field(p.key, p.value)) }
        lines.append(.section("Metrics (\(model.metrics.count))", .metrics))
        for m in model.metrics.sorted(by: { ($0.key, $0.datasetName ?? "", $0.step) < ($1.key, $1.datasetName ?? "", $1.step) }) {
            var text = "\(formatNumber(m.value))   step \(m.step)"
            if let dataset = m.datasetName { text += "   on \(dataset)" + (m.datasetDigest.map { "@\($0)" } ?? "") }
            lines.append(.field(m.key, text))
        }
        let tags = model.tags.sorted { $0.key < $1.key }
        lines.append(.section("Tags (\(tags.count))", .tags))
        for t in tags { lines.append(.field(t.key, t.value, t.key.hasPrefix("mlflow.") ? .dim : .base)) }
        return lines
    }

    static func registeredModelLines(_ model: RegisteredModel, versions: [ModelVersion], time: (Int64?) -> String,
                                     width: Int) -> [DetailLine] {
        var lines: [DetailLine] = [.section("Registered model", .run)]
        lines.append(.field("name", model.name))
        lines.append(.field("created", time(model.creationTimestamp)))
        lines.append(.field("updated", time(model.lastUpdatedTimestamp)))
        for alias in model.aliases.sorted(by: { $0.alias < $1.alias }) {
            lines.append(.field("@" + alias.alias, "v\(alias.version)", .link, target: .modelVersion(name: model.name, version: alias.version)))
        }
        if let note = model.description, !note.isEmpty { lines += descriptionLines(note, width: width) }
        lines.append(.section("Versions (\(versions.count))", .links))
        for v in versions {
            lines.append(versionLink(v, aliases: model.aliases.filter { $0.version == v.version }.map(\.alias), named: false))
        }
        let tags = model.tags.sorted { $0.key < $1.key }
        lines.append(.section("Tags (\(tags.count))", .tags))
        for t in tags { lines.append(.field(t.key, t.value)) }
        return lines
    }

    static func versionLines(_ version: ModelVersion, aliases: [String], model: LoggedModel?, run: Run?,
                             time: (Int64?) -> String) -> [DetailLine] {
        var lines: [DetailLine] = [.section("Model version", .run)]
        lines.append(.field("↑ registered model", version.name, .link, target: .registeredModel(version.name)))
        lines.append(.field("version", version.version))
        if !aliases.isEmpty { lines.append(.field("aliases", aliases.sorted().map { "@" + $0 }.joined(separator: " "))) }
        lines.append(.field("stage", version.currentStage ?? "None"))
        lines.append(.field("status", version.status.map { ($0 == "READY" ? "✓ " : $0 == "FAILED_REGISTRATION" ? "✗ " : "… ") + $0 } ?? "-",
                            version.status == "READY" ? .status_finished : version.status == "FAILED_REGISTRATION" ? .status_failed : .status_running))
        if let message = version.statusMessage, !message.isEmpty { lines.append(.field("status message", message)) }
        if let runID = version.runID, !runID.isEmpty {
            lines.append(.field("↑ source run", run.map { "\($0.info.runName)  \(runID)" } ?? runID, .link, link: runID))
        }
        if let id = version.loggedModelID {
            lines.append(.field("↑ logged model", model.map { "\($0.name)  \(id)" } ?? id, .link, target: .loggedModel(id)))
        }
        if let source = version.source { lines.append(.path("source", source)) }
        lines.append(.field("created", time(version.creationTimestamp)))
        lines.append(.field("updated", time(version.lastUpdatedTimestamp)))
        if let user = version.userID, !user.isEmpty { lines.append(.field("user", user)) }
        if let note = version.description, !note.isEmpty { lines.append(.field("description", note)) }
        let tags = version.tags.sorted { $0.key < $1.key }
        lines.append(.section("Tags (\(tags.count))", .tags))
        for t in tags { lines.append(.field(t.key, t.value)) }
        return lines
    }

    /// "v3  @champion  Production", a link to the version's page; `named` labels it with its
    /// registered model's name (where versions of several models are listed).
    static func versionLink(_ version: ModelVersion, aliases: [String], named: Bool) -> DetailLine {
        var parts = named ? ["v\(version.version)"] : []
        if !aliases.isEmpty { parts.append(aliases.sorted().map { "@" + $0 }.joined(separator: " ")) }
        if let stage = version.currentStage, stage != "None" { parts.append(stage) }
        if let status = version.status, status != "READY" { parts.append(status) }
        return .field(named ? "↳ " + version.name : "↳ v\(version.version)", parts.joined(separator: "  "), .link,
                      target: .modelVersion(name: version.name, version: version.version))
    }

    // MARK: render

    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let page = state.modelPage else { return }
        paneTitle(&buffer, state, page.subject.title + backTrail(state), rect, focused: true)
        if let error = page.error {
            writeWrapped(&buffer, "error: \(error)", Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 1),
                         style: state.theme[.error])
            return
        }
        if page.content == nil {
            buffer.write("loading…", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: state.theme[.dim])
            return
        }
        renderDetailLines(&buffer, state, lines(state), cursor: page.cursor, rect, jumpHints: false)
    }
}

func modelStatusGlyph(_ status: LoggedModelStatus) -> String {
    switch status {
    case .ready: return "✓"
    case .pending: return "…"
    case .failed: return "✗"
    case .unspecified: return "?"
    }
}

func modelStatusRole(_ status: LoggedModelStatus) -> ThemeRole {
    switch status {
    case .ready: return .status_finished
    case .pending: return .status_running
    case .failed: return .status_failed
    case .unspecified: return .dim
    }
}
