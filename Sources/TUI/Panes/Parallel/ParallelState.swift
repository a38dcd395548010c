import Analysis
import Tracking

/// The parallel-coordinates pane: one vertical axis per chosen param or metric, one polyline per
/// run, coloured by a metric. Positions are prepared when the pane opens, the axes or the colour
/// change or the runs do, never while rendering.
struct ParallelState: Equatable, Sendable {
    var axes: [ColumnKey]
    /// The metric lines are coloured by; nil: one colour.
    var color: ColumnKey?
    var selectedAxis = 0
    /// The run whose line is highlighted.
    var cursor: String?
    var source = PlottedRuns()
    var plotAxes: [ParallelAxis] = []
    /// Per run (in `source.runs` order), its position on each axis; nil where it has no value.
    var fractions: [[Double?]] = []
    /// Per run, its values on the axes, for the readout.
    var values: [[AxisValue?]] = []
    /// Per run, where its colour metric sits between `colorRange`'s bounds; nil without a value.
    var colorLevels: [Double?] = []
    var colorRange: ClosedRange<Double>?
    /// Runs in drawing order: no colour value first, then by colour value, so the highest is on top.
    var drawOrder: [Int] = []
    /// Per axis where runs have no value (their lines break there): "model 2", "loss 1 NaN/inf".
    var gaps: [String] = []
    /// Picker labels to keys, for the axis and colour pickers.
    var choices: [String: ColumnKey] = [:]

    init(axes: [ColumnKey], color: ColumnKey?) {
        self.axes = axes
        self.color = color
    }

    var cursorIndex: Int? { cursor.flatMap { id in source.runs.firstIndex { $0.info.runID == id } } }

    mutating func prepare(_ source: PlottedRuns) {
        self.source = source
        let columns = axes.map { source.values($0) }
        plotAxes = zip(axes, columns).map { key, column in
            ParallelAxis(name: key.axisName, axis: PlotAxis.fitting(column.compactMap { $0 }, target: 1, snapped: false))
        }
        let runs = source.runs.indices
        values = runs.map { i in columns.map { $0[i] } }
        fractions = runs.map { i in zip(plotAxes, columns).map { axis, column in column[i].flatMap { axis.axis.fraction(of: $0) } } }
        gaps = zip(axes, columns).compactMap { key, column in
            let missing = column.filter { $0 == nil }.count
            let bad = column.filter { if case .number(let v)? = $0 { return !isPlottable(v) } else { return false } }.count
            guard missing + bad > 0 else { return nil }
            return "\(key.axisName) \(missing + bad)" + (bad == 0 ? "" : missing == 0 ? " NaN/inf" : " (\(bad) NaN/inf)")
        }
        let colors: [Double?] = color.map { source.values($0).map { if case .number(let v)? = $0, isPlottable(v) { return v } else { return nil } } }
            ?? Array(repeating: nil, count: runs.count)
        let known = colors.compactMap { $0 }
        if let lo = known.min(), let hi = known.max() {
            colorRange = lo...hi
            colorLevels = colors.map { $0.map { hi > lo ? ($0 - lo) / (hi - lo) : 0.5 } }
        } else {
            colorRange = nil
            colorLevels = colors
        }
        drawOrder = runs.sorted { a, b in
            switch (colorLevels[a], colorLevels[b]) {
            case let (x?, y?): return x != y ? x < y : a < b
            case (nil, nil): return a < b
            case (nil, _): return true
            case (_, nil): return false
            }
        }
        selectedAxis = max(0, min(selectedAxis, axes.count - 1))
        if cursorIndex == nil { cursor = source.runs.first?.info.runID }
    }
}

extension ParallelState {
    /// The axes chosen automatically: params with at least two distinct values, then metrics
    /// (and the table's best-of columns) with at least two distinct finite ones, each in key
    /// order; at most `cap`, params cut first so metrics keep at least half the axes.
    static func automaticAxes(_ keys: [PlotKey], cap: Int) -> [ColumnKey] {
        let varying = keys.filter { $0.distinct >= 2 }
        let params = varying.filter { !$0.key.isNumeric }.map(\.key)
        let metrics = varying.filter { $0.key.isNumeric }.map(\.key)
        let keptParams = min(params.count, max(cap - metrics.count, (cap + 1) / 2))
        return Array(params.prefix(keptParams)) + Array(metrics.prefix(cap - keptParams))
    }

    /// How many axes fit `width` cells with room for their labels (about 9 cells each).
    static func axisCap(width: Int) -> Int { max(2, (width - 1) / 9 + 1) }
}
