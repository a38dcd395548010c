import Foundation
import Terminal
import Tracking

/// One page of a metric history for the chart. The first page of a load replaces what was
/// there; a live refresh arrives as one page holding the whole history.
struct HistoryPage: Equatable, Sendable {
    var metrics: [Metric]
    var first: Bool
    var done: Bool
    /// A live tail: the points it follows. It joins only a history that still ends there (two
    /// refreshes in flight, or a reload meanwhile, would otherwise add points twice).
    var after: HistoryHeld?
    init(metrics: [Metric], first: Bool, done: Bool, after: HistoryHeld? = nil) {
        self.metrics = metrics
        self.first = first
        self.done = done
        self.after = after
    }
}

/// One metric of the selected or marked runs, overlaid: its state is `ChartView`
/// (ChartState.swift), its keys `chartBindings` (ChartKeys.swift), its render ChartPane.swift.
enum ChartPane: Slice {
    static var bindings: [KeyBinding] { chartBindings }

    static func sparklineLoaded(_ state: inout AppState, key: String, runID: String, _ result: Result<[Double], MLflowError>) {
        state.sparklines.pending.remove(key + "\u{0}" + runID)
        state.sparklines.values[key, default: [:]][runID] = (try? result.get()) ?? []
        if case .failure = result { state.sparklines.failed.insert(key + "\u{0}" + runID) }
        else { state.sparklines.failed.remove(key + "\u{0}" + runID) }
        updateSparklineRanges(&state)
    }

    /// The shared scale of each sparkline column: min and max of the finite values loaded for
    /// the table's runs. Kept in the state so a frame does not scan the histories.
    static func updateSparklineRanges(_ state: inout AppState) {
        var ranges: [String: ClosedRange<Double>] = [:]
        defer { state.sparklines.ranges = ranges }
        let keys = state.table.columns.compactMap { if case .sparkline(let key) = $0 { return key } else { return nil } }
        guard !keys.isEmpty else { return }
        let ids = Set(state.table.runs.map(\.info.runID))
        for key in keys {
            var lo = Double.infinity, hi = -Double.infinity
            for (id, values) in state.sparklines.values[key] ?? [:] where ids.contains(id) {
                for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
            }
            if lo <= hi { ranges[key] = lo...hi }
        }
    }

    /// After the store came back: the runs whose history failed load again, and failed
    /// sparklines leave the cache so the visible ones load again.
    static func reloadFailed(_ state: inout AppState) -> [Effect] {
        for id in state.sparklines.failed {
            let parts = id.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            if parts.count == 2 { state.sparklines.values[parts[0]]?[parts[1]] = nil }
        }
        state.sparklines.failed = []
        guard var chart = state.chart, !chart.errors.isEmpty else { return [] }
        let failed = chart.runIDs.filter { chart.errors[$0] != nil }
        for id in failed { chart.errors[id] = nil; chart.pending.insert(id) }
        state.chart = chart
        return failed.map { .loadHistory(request: state.chartRequest, runID: $0, key: chart.key, refresh: false) }
    }

    // MARK: - chart

    private static func nextChartRequest(_ state: inout AppState) -> Int {
        state.chartRequest = state.nextRequest()
        return state.chartRequest
    }

    /// Every metric key among `runs` with how many of them have it.
    static func metricKeyCounts(_ runs: [Run]) -> [(key: String, count: Int)] {
        var counts: [String: Int] = [:]
        for run in runs { for m in run.data.metrics { counts[m.key, default: 0] += 1 } }
        return counts.map { ($0.key, $0.value) }.sorted { $0.key < $1.key }
    }

    static func open(_ state: inout AppState) -> [Effect] {
        // A grouped table charts its groups: the marked runs' groups, else every run's.
        let groupBy = state.table.view.groupBy
        let single = groupBy.isEmpty ? state.selectedRun.map { [$0.info.runID] } ?? [] : state.table.runs.map(\.info.runID)
        var ids = state.table.marks.isEmpty ? single : state.table.marks
        if groupBy.isEmpty, ids.count > ComparePane.maxRuns {
            // A line per run: past 20 the colours repeat and the lines cannot be told apart.
            showMessage(&state, "charting the first \(ComparePane.maxRuns) of \(ids.count) marked runs")
            ids = Array(ids.prefix(ComparePane.maxRuns))
        }
        guard !ids.isEmpty else { showMessage(&state, groupBy.isEmpty ? "no run selected" : "no runs loaded", isError: true); return [] }
        let byID = Dictionary(state.table.runs.map { ($0.info.runID, $0) }, uniquingKeysWith: { a, _ in a })
        let runs = ids.compactMap { byID[$0] }
        let keys = metricKeyCounts(runs).map(\.key)
        guard !keys.isEmpty else { showMessage(&state, "the \(ids.count == 1 ? "run has" : "runs have") no metrics", isError: true); return [] }
        // The metric the table is sorted by or sparklines, else the first model metric (not system/).
        var key = keys.first { !SystemMetrics.isSystem($0) } ?? keys[0]
        if let sort = state.table.sort, sort.key.kind == .metric, keys.contains(sort.key.key) { key = sort.key.key }
        for case .sparkline(let k) in state.table.columns where keys.contains(k) { key = k }
        var names: [String: String] = [:]
        for run in runs { names[run.info.runID] = run.info.runName.isEmpty ? String(run.info.runID.prefix(8)) : run.info.runName }
        let running = Set(runs.filter { $0.info.status == .running }.map(\.info.runID))
        let (groups, hidden): ([ChartGroup], Int) = groupBy.isEmpty ? ([], 0) : ChartGroup.make(runs, by: groupBy)
        if !groups.isEmpty { ids = groups.flatMap(\.runIDs) }
        state.chart = ChartView(runIDs: ids, runNames: names, running: running, keys: keys, key: key, glyphs: state.chartGlyphs)
        state.chart!.marked = !state.table.marks.isEmpty
        state.chart!.groups = groups
        state.chart!.hiddenGroups = hidden
        state.pane = .chart
        return loadChart(&state)
    }

    private static func loadChart(_ state: inout AppState) -> [Effect] {
        guard var chart = state.chart else { return [] }
        let request = nextChartRequest(&state)
        chart.histories = [:]
        chart.preparedByRun = [:]
        chart.bands = []
        chart.errors = [:]
        chart.xRange = nil
        chart.cursor = nil
        chart.pending = Set(chart.runIDs)
        state.chart = chart
        return chart.runIDs.map { .loadHistory(request: request, runID: $0, key: chart.key, refresh: false) }
    }

    static func historyPageLoaded(_ state: inout AppState, request: Int, runID: String,
                            _ result: Result<HistoryPage, MLflowError>) -> [Effect] {
        guard request == state.chartRequest, var chart = state.chart else { return [] }
        switch result {
        case .failure(let error):
            chart.errors[runID] = error.message
            chart.pending.remove(runID)
            chart.rebandGroups(of: runID)
        case .success(let page):
            if let after = page.after, chart.histories[runID]?.held(key: chart.key) != after { return [] }
            if page.first || chart.histories[runID] == nil {
                chart.histories[runID] = ChartSeries(label: chart.runNames[runID] ?? runID, metrics: page.metrics)
            } else {
                chart.histories[runID]!.append(page.metrics)
            }
            if page.done { chart.pending.remove(runID) }
            chart.reprepare(runID)
        }
        state.chart = chart
        return []
    }

    static func liveEffects(_ state: inout AppState) -> [Effect] {
        var effects: [Effect] = []
        let status = Dictionary(state.table.runs.map { ($0.info.runID, $0.info.status) }, uniquingKeysWith: { a, _ in a })
        if var chart = state.chart {
            // A run that finished since gets one last reload to pick up its final points.
            let reload = chart.runIDs.filter { chart.running.contains($0) && !chart.pending.contains($0) }
            for id in chart.runIDs { if let s = status[id] { if s == .running { chart.running.insert(id) } else { chart.running.remove(id) } } }
            state.chart = chart
            // Ctrl-R reads them whole: a point logged since with a time before the last one held
            // sorts before it in SQL's order, where a tail does not look.
            let manual = state.lastRefreshManual
            effects += reload.map { id in
                .loadHistory(request: state.chartRequest, runID: id, key: chart.key, refresh: true,
                             held: manual ? nil : chart.histories[id].flatMap { $0.held(key: chart.key) })
            }
        }
        for (key, cached) in state.sparklines.values {
            for id in cached.keys where status[id] == .running { state.sparklines.values[key]![id] = nil }
        }
        return effects
    }

    /// The chart pane's own commands (`v` in the runs table opens it: `open`).
    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        if command == .back {
            state.chart = nil
            state.pane = .runs
            clampAll(&state)
            return []
        }
        guard var chart = state.chart else { return [] }
        defer { state.chart = chart }
        let full = chartXExtent(chart.prepared)
        let range = chart.visibleRange
        switch command {
        case .metricPicker:
            let byID = Dictionary(state.table.runs.map { ($0.info.runID, $0) }, uniquingKeysWith: { a, _ in a })
            let counts = Dictionary(uniqueKeysWithValues: metricKeyCounts(chart.runIDs.compactMap { byID[$0] }).map { ($0.key, $0.count) })
            state.picker = Picker(purpose: .chartMetric, title: "Metric to chart (\(chart.keys.count) keys)",
                                  items: chart.keys.map { PickerItem(label: $0, count: counts[$0] ?? 0, checked: $0 == chart.key) })
        case .xMode:
            chart.transform.xMode = chart.transform.xMode.next
            chart.xRange = nil
            chart.cursor = nil
            chart.reprepare()
            showMessage(&state, "x axis: \(chart.transform.xMode.rawValue)")
        case .logScale:
            chart.transform.logY.toggle()
            chart.reprepare()
            showMessage(&state, chart.transform.logY ? "log y axis" : "linear y axis")
        case .smoothLess, .smoothMore:
            let levels: [Double] = [0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99]
            let i = levels.lastIndex { $0 <= chart.transform.smoothing + 1e-9 } ?? 0
            let next = command == .smoothMore ? min(levels.count - 1, i + 1) : max(0, i - 1)
            chart.transform.smoothing = levels[next]
            chart.reprepare()
            showMessage(&state, "smoothing \(levels[next])")
        case .zoomIn, .zoomOut, .panLeft, .panRight:
            guard let full, let range else { break }
            let span = range.upperBound - range.lowerBound
            var lo = range.lowerBound, hi = range.upperBound
            switch command {
            case .zoomIn:
                let center = chart.cursor ?? (lo + hi) / 2
                let half = max(span / 4, chart.transform.xMode == .step ? 1 : 1e-3)
                (lo, hi) = (center - half, center + half)
            case .zoomOut: (lo, hi) = (lo - span / 2, hi + span / 2)
            case .panLeft: (lo, hi) = (lo - span / 4, hi - span / 4)
            default: (lo, hi) = (lo + span / 4, hi + span / 4)
            }
            // Keep the window inside the data, shifting rather than shrinking when panning.
            let width = min(hi - lo, full.upperBound - full.lowerBound)
            if lo < full.lowerBound { lo = full.lowerBound; hi = lo + width }
            if hi > full.upperBound { hi = full.upperBound; lo = hi - width }
            chart.xRange = (lo <= full.lowerBound && hi >= full.upperBound) || hi <= lo ? nil : lo...hi
            if let c = chart.cursor, let r = chart.visibleRange { chart.cursor = min(max(c, r.lowerBound), r.upperBound) }
        case .zoomReset:
            chart.xRange = nil
        case .toggleMembers:
            guard chart.isGrouped else { showMessage(&state, "member runs: group the runs table first (:group KEY)"); break }
            chart.showMembers.toggle()
            showMessage(&state, chart.showMembers ? "member runs shown under the bands" : "member runs hidden")
        case .cursorLeft, .cursorRight:
            guard let range else { break }
            // One plot column per key press (the plot is about the pane's width minus the axis).
            let step = (range.upperBound - range.lowerBound) / Double(max(10, state.size.width - 10))
            let current = chart.cursor ?? (range.lowerBound + range.upperBound) / 2
            let moved = chart.cursor == nil ? current : current + (command == .cursorLeft ? -step : step)
            chart.cursor = min(max(moved, range.lowerBound), range.upperBound)
        default: break
        }
        return []
    }

    /// Enter in the metric pickers.
    static func chooseMetric(_ state: inout AppState, _ key: String) -> [Effect] {
        let purpose = state.picker?.purpose
        state.picker = nil
        if purpose == .sparklineMetric {
            state.table.columns.removeAll { if case .sparkline = $0 { return true } else { return false } }
            state.table.columns.append(.sparkline(key))
            state.table.selectedColumn = state.table.columns.count - 1
            updateSparklineRanges(&state)
            clampAll(&state)
            return []
        }
        guard state.chart != nil, state.chart!.key != key else { return [] }
        state.chart!.key = key
        return loadChart(&state)
    }

    // MARK: - sparklines

    /// Loads sparklines for the visible rows that have none cached (the lazy part).
    static func sparklineEffects(_ state: inout AppState) -> [Effect] {
        guard state.pane == .runs || state.pane == .experiments else { return [] }
        var effects: [Effect] = []
        let top = state.table.cursor.top
        let visible = state.table.rows[min(top, state.table.rows.count)..<min(state.table.rows.count, top + Layout(state).runRows)]
        for case .sparkline(let key) in state.table.columns {
            var missing: [String] = [], running: [String] = []
            for row in visible {
                let run = state.table.runs[row.index]
                let id = run.info.runID
                guard !state.sparklines.has(key, id) else { continue }
                if run.data.metric(key) == nil { state.sparklines.values[key, default: [:]][id] = []; continue }
                state.sparklines.pending.insert(key + "\u{0}" + id)
                if run.info.status == .running { running.append(id) } else { missing.append(id) }
            }
            if !missing.isEmpty { effects.append(.loadSparklines(key: key, runIDs: missing, running: false)) }
            if !running.isEmpty { effects.append(.loadSparklines(key: key, runIDs: running, running: true)) }
        }
        return effects
    }

    /// The text of a sparkline cell: latest value, then the curve; nil for other columns.
    static func sparklineCellText(_ state: AppState, _ run: Run, _ column: RunColumn, width: Int) -> String? {
        guard case .sparkline(let key) = column else { return nil }
        let latest = run.data.metric(key).map { formatNumber($0.value) } ?? ""
        let sparkWidth = max(0, width - 10)
        let spark: String
        if let values = state.sparklines.values[key]?[run.info.runID] {
            let scale = state.table.sparklinePerRun ? nil : state.sparklines.ranges[key]
            spark = Sparkline.render(values, width: sparkWidth, scale: scale)
        }
        else if state.sparklines.pending.contains(key + "\u{0}" + run.info.runID) { spark = "…" }
        else { spark = "" }
        return DisplayWidth.padded(latest, to: 9, alignRight: true) + " " + DisplayWidth.padded(spark, to: sparkWidth)
    }
}
