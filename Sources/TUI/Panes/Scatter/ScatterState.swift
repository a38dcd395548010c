import Analysis
import Tracking

/// The scatter pane: one run per point, x any param or metric, y a metric, coloured by the runs
/// table's groups. Points are prepared when the pane opens, an axis changes or the runs do,
/// never while rendering.
struct ScatterState: Equatable, Sendable {
    var x: ColumnKey
    var y: ColumnKey
    /// A log10 x axis (`L`), for learning rates and the like; values ≤ 0 are left out.
    var logX = false
    var source = PlottedRuns()
    /// The points, in x order (then y, then name): h and l step through them.
    var points: [ScatterPoint] = []
    /// Indices into `points` in y order (then x): j and k step through them.
    var byY: [Int] = []
    var xAxis = PlotAxis.numeric([], target: 1, snapped: true)
    var yAxis = PlotAxis.numeric([], target: 1, snapped: true)
    /// Group labels and member counts when the table is grouped (the legend); empty otherwise.
    var groups: [LegendEntry] = []
    var groupBy: [ColumnKey] = []
    /// Why some runs are not plotted: "3 runs lack params.model", "1 run has NaN or ±inf metrics.f1".
    var left: [String] = []
    /// The run under the cursor.
    var cursor: String?
    /// Picker labels to keys, for the axis pickers.
    var choices: [String: ColumnKey] = [:]

    init(x: ColumnKey, y: ColumnKey) {
        self.x = x
        self.y = y
    }

    var cursorIndex: Int? { cursor.flatMap { id in points.firstIndex { $0.runID == id } } }

    /// Places the runs of `source` on the axes; runs lacking a value, or with NaN or ±inf, are
    /// counted in `left`, not plotted. Keeps the cursor on its run when it is still plotted.
    mutating func prepare(_ source: PlottedRuns, groupBy: [ColumnKey], plotRows: Int, plotColumns: Int) {
        self.source = source
        self.groupBy = groupBy
        let runs = source.runs
        let xs = source.values(x), ys = source.values(y)
        let grouping = plotGroups(runs, by: groupBy)
        var lackX = 0, lackY = 0, badX = 0, badY = 0, notPositive = 0
        var kept: [Int] = []
        for i in runs.indices {
            guard let xv = xs[i] else { lackX += 1; continue }
            guard case .number(let yv)? = ys[i] else { lackY += 1; continue }
            if case .number(let v) = xv, !isPlottable(v) { badX += 1; continue }
            if !isPlottable(yv) { badY += 1; continue }
            if logX, case .number(let v) = xv, v <= 0 { notPositive += 1; continue }
            kept.append(i)
        }
        let numbers = kept.compactMap { if case .number(let v)? = xs[$0] { return v } else { return nil } }
        xAxis = logX && numbers.count == kept.count
            ? PlotAxis.logarithmic(numbers, target: max(1, plotColumns / 12))
            : PlotAxis.fitting(kept.map { xs[$0]! }, target: max(1, plotColumns / 12), snapped: true)
        yAxis = PlotAxis.fitting(kept.map { ys[$0]! }, target: max(1, plotRows / 3), snapped: true)
        points = kept.map { i in
            let run = runs[i]
            return ScatterPoint(runID: run.info.runID, name: run.info.runName.isEmpty ? String(run.info.runID.prefix(8)) : run.info.runName,
                                x: xs[i]!, y: ys[i]!, group: grouping.ofRun[i],
                                dot: PlotDot(fx: xAxis.fraction(of: xs[i]!) ?? 0, fy: yAxis.fraction(of: ys[i]!) ?? 0, series: grouping.ofRun[i]))
        }
        points.sort { ($0.dot.fx, $0.dot.fy, $0.name) < ($1.dot.fx, $1.dot.fy, $1.name) }
        byY = points.indices.sorted { (points[$0].dot.fy, points[$0].dot.fx, points[$0].name) < (points[$1].dot.fy, points[$1].dot.fx, points[$1].name) }
        groups = zip(grouping.labels, grouping.counts).map { LegendEntry(label: $0, count: $1) }
        left = [lacking(lackX, x), lacking(lackY, y), nonFinite(badX, x), nonFinite(badY, y)].compactMap { $0 }
        if notPositive > 0 { left.append("\(notPositive) run\(notPositive == 1 ? "" : "s") ≤ 0 not on the log axis") }
        if cursorIndex == nil { cursor = points.first?.runID }
    }
}

/// "3 runs lack params.model"; nil for none.
func lacking(_ count: Int, _ key: ColumnKey) -> String? {
    count == 0 ? nil : count == 1 ? "1 run lacks \(key.header)" : "\(count) runs lack \(key.header)"
}

/// "1 run has NaN or ±inf metrics.f1"; nil for none.
func nonFinite(_ count: Int, _ key: ColumnKey) -> String? {
    count == 0 ? nil : "\(count) run\(count == 1 ? " has" : "s have") NaN or ±inf \(key.header)"
}

/// A group in a plot's legend.
struct LegendEntry: Equatable, Sendable {
    var label: String
    var count: Int
}

/// One plotted run.
struct ScatterPoint: Equatable, Sendable {
    var runID: String
    var name: String
    var x: AxisValue
    var y: AxisValue
    var group: Int
    var dot: PlotDot
}
