import Analysis
import Terminal
import Tracking

/// Parallel coordinates of the runs (`P` in the runs table): its state is `ParallelState`
/// (ParallelState.swift), its render ParallelView.swift.
enum ParallelPane: Slice {
    static let bindings = keyRows(.parallel) { t in
        t.bind([.escape, .backspace], .back, "back to the runs", footer: "back")
        t.bind([.enter], .open, "the details of the highlighted run", footer: "details")
        t.bind([.char("h"), .left], .columnLeft, "select the axis to the left")
        t.bind([.char("l"), .right], .columnRight, "select the axis to the right", footer: "axis")
        t.bind([.char("<"), .char(",")], .moveAxisLeft, "move the selected axis left")
        t.bind([.char(">"), .char(".")], .moveAxisRight, "move the selected axis right")
        t.bind([.char("x")], .removeAxis, "remove the selected axis")
        t.bind([.char("o")], .columnPicker, "add/remove axes", footer: "axes")
        t.bind([.char("m")], .metricPicker, "the metric lines are coloured by", footer: "colour")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard var view = state.parallel else { return [] }
        switch command {
        case .back:
            return PlotNavigation.back(&state)
        case .open:
            return PlotNavigation.openDetails(&state, view.cursor, returningTo: .parallel)
        case .columnLeft, .columnRight:
            view.selectedAxis = max(0, min(view.axes.count - 1, view.selectedAxis + (command == .columnLeft ? -1 : 1)))
            state.parallel = view
            return []
        case .moveAxisLeft, .moveAxisRight:
            let from = view.selectedAxis, to = from + (command == .moveAxisLeft ? -1 : 1)
            guard view.axes.indices.contains(from), view.axes.indices.contains(to) else { return [] }
            view.axes.swapAt(from, to)
            view.selectedAxis = to
        case .removeAxis:
            guard view.axes.indices.contains(view.selectedAxis) else { return [] }
            let removed = view.axes.remove(at: view.selectedAxis)
            showMessage(&state, "removed the axis \(removed.header) (\(state.keys.label(.columnPicker, in: .parallel)) adds it back)")
        case .columnPicker:
            let keys = view.source.keys(bestOf: state.table.columns)
            view.choices = Dictionary(keys.map { ($0.label, $0.key) }, uniquingKeysWith: { a, _ in a })
            state.parallel = view
            state.picker = Picker(purpose: .parallelAxes, title: "Axes in \(view.source.scope) (\(state.keys.label(.open, in: .picker)) toggles)",
                                  items: keys.map { PickerItem(label: $0.label, count: $0.runs, checked: view.axes.contains($0.key)) })
            return []
        case .metricPicker:
            let keys = view.source.keys(bestOf: state.table.columns, metricsOnly: true).filter { $0.key.isNumeric }
            view.choices = Dictionary(keys.map { ($0.label, $0.key) }, uniquingKeysWith: { a, _ in a })
            state.parallel = view
            state.picker = Picker(purpose: .parallelColor, title: "Colour the lines by a metric (Enter)",
                                  items: keys.map { PickerItem(label: $0.label, count: $0.runs, checked: $0.key == view.color) })
            return []
        default:
            return []
        }
        state.parallel = view
        prepare(&state)
        return []
    }

    /// The list keys (j, k, g, G, paging) move the highlight over the runs, in the table's order.
    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard let view = state.parallel, !view.source.runs.isEmpty else { return [] }
        let i = view.cursorIndex ?? 0
        let next = delta > 0 ? min(view.source.runs.count - 1, i > Int.max - delta ? Int.max : i + delta) : max(0, i + delta)
        state.parallel!.cursor = view.source.runs[next].info.runID
        return []
    }

    /// Opens parallel coordinates over the plotted runs (`PlottedRuns`), the axes of the last
    /// time when the runs still have them all, else chosen automatically; lines coloured by the
    /// metric the table sorts by or shows first, else by the last metric axis.
    static func open(_ state: inout AppState) -> [Effect] {
        let source = PlottedRuns(state)
        guard !source.runs.isEmpty else { showMessage(&state, "no runs to plot", isError: true); return [] }
        let keys = source.keys(bestOf: state.table.columns)
        let available = Set(keys.map(\.key))
        var axes = ParallelState.automaticAxes(keys, cap: ParallelState.axisCap(width: state.size.width))
        if let last = state.parallel, !last.axes.isEmpty, last.axes.allSatisfy(available.contains) { axes = last.axes }
        guard axes.count >= 2 else {
            showMessage(&state, "fewer than two params or metrics vary across the \(source.scope)", isError: true)
            return []
        }
        let metrics = keys.filter { $0.key.isNumeric }.map(\.key)
        var color = ScatterPane.preferredMetric(state, metrics) ?? axes.last { $0.isNumeric }
        if let last = state.parallel?.color, available.contains(last) { color = last }
        var view = ParallelState(axes: axes, color: color)
        view.cursor = state.parallel?.cursor
        state.parallel = view
        prepare(&state)
        state.pane = .parallel
        return []
    }

    static func prepare(_ state: inout AppState) {
        guard var view = state.parallel else { return }
        view.prepare(PlottedRuns(state))
        state.parallel = view
    }

    /// An axis toggled in the picker, which stays open for the next one.
    static func toggleAxis(_ state: inout AppState, _ label: String) -> [Effect] {
        guard let key = state.parallel?.choices[label] else { return [] }
        if let i = state.parallel!.axes.firstIndex(of: key) { state.parallel!.axes.remove(at: i) }
        else { state.parallel!.axes.append(key) }
        if let i = state.picker?.items.firstIndex(where: { $0.label == label }) {
            state.picker!.items[i].checked.toggle()
            state.picker!.cursor.index = i
        }
        state.picker?.query = ""
        state.picker?.queryCursor = 0
        prepare(&state)
        clampAll(&state)
        return []
    }

    static func chooseColor(_ state: inout AppState, _ label: String) -> [Effect] {
        state.picker = nil
        guard let key = state.parallel?.choices[label] else { return [] }
        state.parallel!.color = key
        prepare(&state)
        return []
    }
}
