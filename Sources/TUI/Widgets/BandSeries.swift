import Foundation

/// One group of runs charted as a whole: at each step, the mean of the member runs' values and
/// the band between their least and greatest value.
///
/// Members are aligned by step. At a step, a member counts with the point MLflow would call
/// latest there (greatest timestamp, then value: `Metric.isLater`), and only when that value is
/// finite: NaN and ±inf points are counted in `nanPoints`/`infPoints` and left out of the mean
/// and the band. Members that end earlier simply stop counting, so the band narrows to the runs
/// still going (`counts` says how many there are at each step). A step where no member has a
/// finite value has NaN mean and band, which breaks the line there as a NaN point does in a
/// single run's chart. On the wall-time and relative x axes a step sits at its members' mean x.
public struct BandSeries: Equatable, Sendable {
    /// The legend's name ("model=cnn (9)") and the readout's shorter one ("cnn").
    public var label: String
    public var name: String
    /// Member histories that went in.
    public var members: Int
    /// Per step in x order: the raw mean, least and greatest value, and how many members had a
    /// finite value there.
    public var steps: [Int64]
    public var mean: [Double]
    public var lo: [Double]
    public var hi: [Double]
    public var counts: [Int]
    public var nanPoints = 0
    public var infPoints = 0
    /// What is drawn: the mean line and the band's edges, smoothed and scaled like any series.
    public var line: PlotSeries
    public var lower: PlotSeries
    public var upper: PlotSeries

    public var count: Int { steps.count }
}

extension BandSeries {
    public init(label: String, name: String? = nil, members: [ChartSeries], transform: PlotTransform) {
        struct Step { var x = 0.0, xs = 0, sum = 0.0, n = 0, lo = Double.infinity, hi = -Double.infinity }
        var byStep: [Int64: Step] = [:]
        var nan = 0, inf = 0
        for member in members {
            let xs = member.xValues(transform.xMode)
            for i in member.latestPerStep() {
                var s = byStep[member.steps[i], default: Step()]
                s.x += xs[i]; s.xs += 1
                let v = member.values[i]
                if v.isNaN { nan += 1 } else if v.isInfinite { inf += 1 } else {
                    s.sum += v; s.n += 1
                    s.lo = min(s.lo, v); s.hi = max(s.hi, v)
                }
                byStep[member.steps[i]] = s
            }
        }
        let ordered = byStep.map { (step: $0.key, x: $0.value.x / Double($0.value.xs), agg: $0.value) }
            .sorted { $0.x != $1.x ? $0.x < $1.x : $0.step < $1.step }
        let steps = ordered.map { $0.step }
        let mean = ordered.map { $0.agg.n > 0 ? $0.agg.sum / Double($0.agg.n) : .nan }
        let lo = ordered.map { $0.agg.n > 0 ? $0.agg.lo : .nan }
        let hi = ordered.map { $0.agg.n > 0 ? $0.agg.hi : .nan }
        // The x rides in the timestamps (milliseconds) so `prepared` smooths, scales and counts
        // exactly as it does for one run; steps are in x order already, so it sorts nothing.
        let millis = ordered.map { Int64(($0.x * 1000).rounded()) }
        var shape = transform
        if shape.xMode != .step { shape.xMode = .time }
        func drawn(_ values: [Double]) -> PlotSeries {
            ChartSeries(label: label, steps: steps, timestamps: millis, values: values).prepared(shape)
        }
        self.init(label: label, name: name ?? label, members: members.count, steps: steps, mean: mean, lo: lo, hi: hi,
                  counts: ordered.map { $0.agg.n }, nanPoints: nan, infPoints: inf,
                  line: drawn(mean), lower: drawn(lo), upper: drawn(hi))
    }

    /// The point nearest to x, nil when empty.
    public func nearest(to x: Double) -> Int? { line.nearest(to: x) }

    /// Least and greatest finite band value over every step, nil when none.
    public var range: (Double, Double)? {
        var a = Double.infinity, b = -Double.infinity
        for (l, h) in zip(lo, hi) where l.isFinite && h.isFinite { a = min(a, l); b = max(b, h) }
        return a <= b ? (a, b) : nil
    }
}

extension ChartSeries {
    /// Per step, the point MLflow calls latest there (greatest timestamp, then greatest value,
    /// NaN as 0: `Metric.isLater`), as indices in log order.
    func latestPerStep() -> [Int] {
        var best: [Int64: Int] = [:]
        for i in steps.indices {
            guard let j = best[steps[i]] else { best[steps[i]] = i; continue }
            let a = values[i].isNaN ? 0 : values[i], b = values[j].isNaN ? 0 : values[j]
            if timestamps[i] > timestamps[j] || (timestamps[i] == timestamps[j] && a > b) { best[steps[i]] = i }
        }
        return best.values.sorted()
    }
}
