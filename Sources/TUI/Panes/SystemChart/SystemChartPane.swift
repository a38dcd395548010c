import Terminal
import Tracking

/// The system metrics of one run as small charts, one per metric, grouped by device (CPU,
/// memory, each GPU, disk, network), against the time since the run started: `s` in the run
/// details. Reloaded on the live refresh while the run is RUNNING.
struct SystemChartView: Equatable, Sendable {
    var runID: String
    var runName: String
    var running: Bool
    /// The keys in display order: by device group, then by key.
    var keys: [String]
    var histories: [String: [Metric]] = [:]
    var loading = true
    var error: String?
    var request = 0
    /// The first chart shown (j/k scroll by a row of charts).
    var top = 0
    var glyphs: ChartGlyphs = .braille

    init(run: Run, glyphs: ChartGlyphs) {
        runID = run.info.runID
        runName = run.info.runName.isEmpty ? String(run.info.runID.prefix(8)) : run.info.runName
        running = run.info.status == .running
        keys = run.data.metrics.map(\.key).filter(SystemMetrics.isSystem)
            .sorted { (SystemMetrics.classify($0).group, $0) < (SystemMetrics.classify($1).group, $1) }
        self.glyphs = glyphs
    }
}

enum SystemChartPane: Slice {
    static let bindings = keyRows(.systemChart) { t in
        t.bind([.escape, .backspace, .char("h"), .left], .back, "back to the run details", footer: "back")
        t.bind([.char("j"), .down], .cursorDown, "next row of charts", footer: "scroll")
        t.bind([.char("k"), .up], .cursorUp, "previous row of charts")
    }

    /// From the run details: the run's system metrics, or a message when it has none.
    static func open(_ state: inout AppState, _ run: Run?) -> [Effect] {
        guard let run else { return [] }
        var view = SystemChartView(run: run, glyphs: state.chartGlyphs)
        guard !view.keys.isEmpty else {
            showMessage(&state, "this run logged no system metrics (mlflow.start_run(log_system_metrics=True))")
            return []
        }
        view.request = state.nextRequest()
        state.systemChart = view
        state.pane = .systemChart
        return [.loadSystemHistories(request: view.request, runID: view.runID, keys: view.keys)]
    }

    /// The live refresh reads a RUNNING run's histories again.
    static func reload(_ state: inout AppState) -> Effect? {
        guard var view = state.systemChart, view.running, state.pane == .systemChart else { return nil }
        view.request = state.nextRequest()
        state.systemChart = view
        return .loadSystemHistories(request: view.request, runID: view.runID, keys: view.keys)
    }

    static func loaded(_ state: inout AppState, request: Int, _ result: Result<[String: [Metric]], MLflowError>) {
        guard var view = state.systemChart, view.request == request else { return }
        view.loading = false
        switch result {
        case .success(let histories): view.histories = histories; view.error = nil
        case .failure(let error): view.error = error.oneLineMessage
        }
        state.systemChart = view
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        switch command {
        case .cursorDown: return move(&state, by: 1)
        case .cursorUp: return move(&state, by: -1)
        case .back:
            state.systemChart = nil
            state.pane = .details
            return []
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard var view = state.systemChart else { return [] }
        let columns = layoutColumns(state.size.width)
        view.top = max(0, min(view.keys.count - 1, view.top + (delta > 0 ? columns : -columns)))
        view.top -= view.top % columns
        state.systemChart = view
        return []
    }

    static func layoutColumns(_ width: Int) -> Int { width >= 120 ? 2 : 1 }

    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let view = state.systemChart else { return }
        let theme = state.theme
        var titleRect = rect
        let body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        if let error = view.error {
            buffer.write("✗ " + error, x: body.x + 1, y: body.y, maxWidth: body.width - 1, style: theme[.error])
            return
        }
        if view.loading && view.histories.isEmpty {
            buffer.write("loading \(view.keys.count) system metrics…", x: body.x + 1, y: body.y, maxWidth: body.width - 1, style: theme[.dim])
            return
        }
        let columns = layoutColumns(body.width)
        // As many rows of charts as fit at 7 lines or more, sharing the height between them.
        let rows = max(1, body.height / 7)
        let height = max(1, body.height / rows)
        let width = body.width / columns
        let options = LineChartOptions(transform: PlotTransform(xMode: .relative), glyphs: view.glyphs, utcOffset: state.utcOffset, now: state.now)
        for (slot, key) in view.keys.dropFirst(view.top).prefix(rows * columns).enumerated() {
            let cell = Rect(x: body.x + (slot % columns) * width, y: body.y + (slot / columns) * height, width: width - 3, height: height)
            let (group, name) = SystemMetrics.classify(key)
            buffer.write("\(group.name) · \(name)", x: cell.x, y: cell.y, maxWidth: cell.width, style: theme[.section])
            let plot = Rect(x: cell.x, y: cell.y + 1, width: cell.width, height: cell.height - 1)
            let metrics = view.histories[key] ?? []
            guard !metrics.isEmpty else {
                buffer.write("no history", x: plot.x + 1, y: plot.y, maxWidth: plot.width - 1, style: theme[.dim])
                continue
            }
            let series = ChartSeries(label: name, metrics: metrics).prepared(options.transform)
            renderLineChart(&buffer, plot, [series], options, ChartStyles.from(theme))
        }
        let shown = min(view.keys.count, view.top + rows * columns)
        if view.top > 0 || shown < view.keys.count {
            let keys = "\(state.keys.label(.cursorDown, in: .systemChart))/\(state.keys.label(.cursorUp, in: .systemChart))"
            let more = " charts \(view.top + 1)-\(shown) of \(view.keys.count) (\(keys))"
            buffer.write(more, x: rect.x + rect.width - DisplayWidth.of(more) - 1, y: rect.y, style: theme[.dim])
            titleRect.width = max(0, rect.width - DisplayWidth.of(more) - 1)
        }
        paneTitle(&buffer, state, "System metrics · \(view.runName) · \(view.keys.count) metrics · x time since start", titleRect, focused: true)
    }
}
