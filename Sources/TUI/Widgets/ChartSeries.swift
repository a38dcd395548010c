import Foundation
import Tracking

/// What the x axis measures (TensorBoard's STEP / WALL / RELATIVE).
public enum ChartXMode: String, CaseIterable, Sendable {
    case step, time, relative

    public var next: ChartXMode {
        let all = ChartXMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// One metric history of one run, columns instead of `[Metric]` so a million points stay
/// compact and the drawing loops run over flat arrays.
public struct ChartSeries: Equatable, Sendable {
    public var label: String
    public var steps: [Int64]
    public var timestamps: [Int64]
    public var values: [Double]

    public init(label: String, steps: [Int64], timestamps: [Int64], values: [Double]) {
        precondition(steps.count == values.count && timestamps.count == values.count)
        self.label = label
        self.steps = steps
        self.timestamps = timestamps
        self.values = values
    }

    public init(label: String, metrics: [Metric]) {
        self.init(label: label, steps: metrics.map(\.step), timestamps: metrics.map(\.timestamp), values: metrics.map(\.value))
    }

    /// Points by index order as steps 0, 1, 2…; handy for tests and sparklines.
    public init(label: String, values: [Double]) {
        let steps = (0..<Int64(values.count)).map { $0 }
        self.init(label: label, steps: steps, timestamps: steps.map { 1_700_000_000_000 + $0 * 1000 }, values: values)
    }

    public var count: Int { values.count }

    /// The values in step order (then time), as a sparkline reads them. File stores keep log
    /// order (`FileStore.get_metric_history`): a point logged for an earlier step sorts back.
    public var valuesByStep: [Double] {
        if zip(steps, steps.dropFirst()).allSatisfy({ $0 <= $1 }) { return values }
        return values.indices.sorted { (steps[$0], timestamps[$0]) < (steps[$1], timestamps[$1]) }.map { values[$0] }
    }

    /// How much of the history this holds, for reading only what follows (nil when empty).
    public func held(key: String) -> HistoryHeld? {
        guard let last = values.indices.last else { return nil }
        return HistoryHeld(count: count, last: Metric(key: key, value: values[last], timestamp: timestamps[last], step: steps[last]))
    }

    public mutating func append(_ metrics: [Metric]) {
        steps += metrics.map(\.step)
        timestamps += metrics.map(\.timestamp)
        values += metrics.map(\.value)
    }
}

/// Statistics of a series shown in the legend: over finite raw values, with the points that
/// could not be drawn counted (NaN, ±inf, and non-positive values on a log axis).
public struct SeriesStats: Equatable, Sendable {
    public var count = 0
    public var min: Double?
    public var max: Double?
    /// The value at the greatest x (the end of the curve), NaN/inf included as they are.
    public var last: Double?
    public var lastStep: Int64?
    public var nanCount = 0
    public var infCount = 0
    /// Finite values ≤ 0 that a log axis cannot show.
    public var nonPositive = 0
}

/// A series ready to draw for one x mode, smoothing and scale: x ascending, y transformed
/// (smoothed, then log10 when the axis is logarithmic; undrawable points are NaN).
public struct PlotSeries: Equatable, Sendable {
    public var label: String
    public var xs: [Double]
    /// What is drawn: smoothed, log-transformed; NaN where a point cannot be drawn.
    public var ys: [Double]
    /// Raw values and steps in the same (x-sorted) order, for the cursor readout.
    public var raw: [Double]
    public var smoothed: [Double]
    public var steps: [Int64]
    public var stats: SeriesStats

    public var count: Int { xs.count }

    /// Index of the first point with x >= `x` (binary search; xs is ascending).
    public func lowerBound(_ x: Double) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The point whose x is nearest to `x`, nil when empty.
    public func nearest(to x: Double) -> Int? {
        guard !xs.isEmpty else { return nil }
        let i = lowerBound(x)
        if i == 0 { return 0 }
        if i == xs.count { return xs.count - 1 }
        return (x - xs[i - 1] <= xs[i] - x) ? i - 1 : i
    }
}

public struct PlotTransform: Equatable, Sendable {
    public var xMode: ChartXMode = .step
    /// TensorBoard's smoothing weight in [0, 1); 0 draws raw values.
    public var smoothing: Double = 0
    public var logY = false
    public init(xMode: ChartXMode = .step, smoothing: Double = 0, logY: Bool = false) {
        self.xMode = xMode
        self.smoothing = smoothing
        self.logY = logY
    }
}

extension ChartSeries {
    /// The x of point `i` in `mode`: the step, seconds since the epoch, or seconds since this
    /// series' first timestamp (TensorBoard's "relative").
    func xValues(_ mode: ChartXMode) -> [Double] {
        switch mode {
        case .step: return steps.map { Double($0) }
        case .time: return timestamps.map { Double($0) / 1000 }
        case .relative:
            let first = timestamps.min() ?? 0
            return timestamps.map { Double($0 - first) / 1000 }
        }
    }

    /// Sorted by x (file stores keep log order, `FileStore.get_metric_history`), ties by the other
    /// clock, so the line runs left to right. Skips the sort when already in order (the usual case).
    public func prepared(_ transform: PlotTransform) -> PlotSeries {
        var xs = xValues(transform.xMode)
        var raw = values
        var steps = self.steps
        if !isAscending(xs) {
            let tiebreak = transform.xMode == .step ? timestamps : self.steps
            let order = xs.indices.sorted { xs[$0] != xs[$1] ? xs[$0] < xs[$1] : tiebreak[$0] < tiebreak[$1] }
            xs = order.map { xs[$0] }
            raw = order.map { raw[$0] }
            steps = order.map { steps[$0] }
        }
        let smoothed = transform.smoothing > 0 ? emaSmoothed(raw, weight: transform.smoothing) : raw
        var stats = SeriesStats()
        stats.count = raw.count
        var ys = smoothed
        raw.withUnsafeBufferPointer { r in
            ys.withUnsafeMutableBufferPointer { y in
                var lo = Double.infinity, hi = -Double.infinity
                for i in 0..<r.count {
                    let v = r[i]
                    if v.isNaN { stats.nanCount += 1; continue }
                    if v.isInfinite { stats.infCount += 1; continue }
                    if v < lo { lo = v }
                    if v > hi { hi = v }
                    if transform.logY && v <= 0 { stats.nonPositive += 1 }
                }
                if lo <= hi { stats.min = lo; stats.max = hi }
                if transform.logY {
                    for i in 0..<y.count { y[i] = y[i] > 0 && y[i].isFinite ? log10(y[i]) : .nan }
                }
            }
        }
        stats.last = raw.last
        stats.lastStep = steps.last
        return PlotSeries(label: label, xs: xs, ys: ys, raw: raw, smoothed: smoothed, steps: steps, stats: stats)
    }
}

private func isAscending(_ xs: [Double]) -> Bool {
    xs.withUnsafeBufferPointer { p in
        guard p.count > 1 else { return true }
        for i in 1..<p.count where p[i] < p[i - 1] { return false }
        return true
    }
}

/// TensorBoard's smoothing: an exponential moving average, debiased so the curve does not
/// start at 0; non-finite values pass through untouched and do not feed the average; a
/// constant series is left as is (TensorBoard does the same to avoid float noise).
public func emaSmoothed(_ values: [Double], weight: Double) -> [Double] {
    let w = min(max(weight, 0), 0.999)
    guard w > 0, let first = values.first, !values.allSatisfy({ $0 == first }) else { return values }
    var out = values
    var last = 0.0
    var decay = 1.0  // w^n after n finite points: the debias divisor is 1 - w^n
    for i in values.indices {
        let v = values[i]
        guard v.isFinite else { continue }
        last = last * w + (1 - w) * v
        decay *= w
        out[i] = last / (1 - decay)
    }
    return out
}
