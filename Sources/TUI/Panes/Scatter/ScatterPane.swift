import Analysis
import Terminal
import Tracking

/// The scatter plot of the runs (`V` in the runs table): its state is `ScatterState`
/// (ScatterState.swift), its render ScatterView.swift.
enum ScatterPane: Slice {
    static let bindings = keyRows(.scatter) { t in
        t.bind([.escape, .backspace], .back, "back to the runs", footer: "back")
        t.bind([.enter], .open, "the details of the run under the cursor", footer: "details")
        t.bind([.char("x")], .xAxisPicker, "x axis: any param or metric", footer: "axis")
        t.bind([.char("y")], .yAxisPicker, "y axis: a metric", footer: "metric")
        t.bind([.char("L")], .logScale, "linear/log x axis (log: positive values only)", footer: "log x")
        t.bind([.char("h"), .left], .cursorLeft, "previous point in x order")
        t.bind([.char("l"), .right], .cursorRight, "next point in x order", footer: "cursor")
        t.bind([.char("k"), .up], .cursorUp, "next point up (y order)")
        t.bind([.char("j"), .down], .cursorDown, "next point down (y order)")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard var scatter = state.scatter else { return [] }
        switch command {
        case .back:
            return PlotNavigation.back(&state)
        case .open:
            return PlotNavigation.openDetails(&state, scatter.cursor, returningTo: .scatter)
        case .xAxisPicker, .yAxisPicker:
            let y = command == .yAxisPicker
            let keys = scatter.source.keys(bestOf: state.table.columns, metricsOnly: y).filter { !y || $0.key.isNumeric }
            scatter.choices = Dictionary(keys.map { ($0.label, $0.key) }, uniquingKeysWith: { a, _ in a })
            state.scatter = scatter
            let current = y ? scatter.y : scatter.x
            state.picker = Picker(purpose: y ? .scatterY : .scatterX,
                                  title: y ? "Scatter y axis: a metric (Enter)" : "Scatter x axis: a param or metric (Enter)",
                                  items: keys.map { PickerItem(label: $0.label, count: $0.runs, checked: $0.key == current) })
        case .logScale:
            state.scatter!.logX.toggle()
            prepare(&state)
            showMessage(&state, state.scatter!.logX ? "log x axis" : "linear x axis")
        case .cursorLeft, .cursorRight:
            guard let i = scatter.cursorIndex else { return [] }
            let next = max(0, min(scatter.points.count - 1, i + (command == .cursorLeft ? -1 : 1)))
            state.scatter!.cursor = scatter.points[next].runID
        case .cursorUp, .cursorDown:
            // In y order: up is the next greater y.
            guard let i = scatter.cursorIndex, let p = scatter.byY.firstIndex(of: i) else { return [] }
            let next = max(0, min(scatter.byY.count - 1, p + (command == .cursorUp ? 1 : -1)))
            state.scatter!.cursor = scatter.points[scatter.byY[next]].runID
        default: break
        }
        return []
    }

    /// Opens the scatter of the plotted runs (`PlottedRuns`): the axes of the last scatter when
    /// the runs still have them, else y the metric the table sorts by or shows first and x the
    /// first param that varies.
    static func open(_ state: inout AppState) -> [Effect] {
        let source = PlottedRuns(state)
        guard !source.runs.isEmpty else { showMessage(&state, "no runs to plot", isError: true); return [] }
        let keys = source.keys(bestOf: state.table.columns)
        let metrics = keys.filter { $0.key.isNumeric }
        guard !metrics.isEmpty else { showMessage(&state, "the runs have no metrics to plot", isError: true); return [] }
        let available = Set(keys.map(\.key))
        var x: ColumnKey, y: ColumnKey
        if let last = state.scatter, available.contains(last.x), available.contains(last.y) {
            (x, y) = (last.x, last.y)
        } else {
            y = preferredMetric(state, metrics.map(\.key)) ?? metrics[0].key
            x = keys.first { if case .param = $0.key { return $0.distinct >= 2 } else { return false } }?.key
                ?? metrics.first { $0.key != y && $0.distinct >= 2 }?.key ?? y
        }
        var scatter = ScatterState(x: x, y: y)
        scatter.cursor = state.scatter?.cursor
        scatter.logX = state.scatter?.logX ?? false
        state.scatter = scatter
        prepare(&state)
        state.pane = .scatter
        return []
    }

    /// The metric the runs table sorts by, else its first metric column, when the runs have it.
    static func preferredMetric(_ state: AppState, _ metrics: [ColumnKey]) -> ColumnKey? {
        if let sort = state.table.sort, sort.key.kind == .metric, metrics.contains(.metric(sort.key.key)) { return .metric(sort.key.key) }
        return state.table.columns.map(\.columnKey).first { $0.isNumeric && metrics.contains($0) }
    }

    /// Places the plotted runs again (opened, an axis chosen, the runs or their grouping changed).
    static func prepare(_ state: inout AppState) {
        guard var scatter = state.scatter else { return }
        let body = Layout(state).body
        scatter.prepare(PlottedRuns(state), groupBy: state.table.view.groupBy,
                        plotRows: max(2, body.height - 6), plotColumns: max(4, body.width - 10))
        state.scatter = scatter
    }

    /// An axis chosen in the picker.
    static func choose(_ state: inout AppState, _ purpose: PickerPurpose, _ label: String) -> [Effect] {
        state.picker = nil
        guard let key = state.scatter?.choices[label] else { return [] }
        if purpose == .scatterX { state.scatter!.x = key } else { state.scatter!.y = key }
        prepare(&state)
        return []
    }
}
