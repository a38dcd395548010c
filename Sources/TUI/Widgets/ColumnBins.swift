/// A series reduced to one entry per drawing column: the min and max of the points falling in
/// it (so a single spike among a million points still reaches its column), the first and last
/// value (to join neighbouring columns), and whether an undrawable point (NaN, ±inf, ≤0 on a
/// log axis) came before the column's first point, which breaks the line there.
public struct ColumnBins: Equatable, Sendable {
    public var lo: [Double]
    public var hi: [Double]
    public var first: [Double]
    public var last: [Double]
    public var filled: [Bool]
    public var breakBefore: [Bool]
    /// Undrawable points inside the x range.
    public var gapPoints = 0

    public var columns: Int { filled.count }

    public init(columns: Int) {
        lo = Array(repeating: .nan, count: columns)
        hi = lo; first = lo; last = lo
        filled = Array(repeating: false, count: columns)
        breakBefore = filled
    }

    /// The y range of the filled columns, nil when none.
    public var yRange: (Double, Double)? {
        var a = Double.infinity, b = -Double.infinity
        for c in 0..<columns where filled[c] { a = Swift.min(a, lo[c]); b = Swift.max(b, hi[c]) }
        return a <= b ? (a, b) : nil
    }
}

extension PlotSeries {
    /// Bins the points with x in `range` into `columns` equal-width columns. Only the points
    /// inside the range are visited (binary search on the sorted xs): O(visible points).
    public func bins(range: ClosedRange<Double>, columns: Int) -> ColumnBins {
        var bins = ColumnBins(columns: max(0, columns))
        guard columns > 0, !xs.isEmpty else { return bins }
        let start = lowerBound(range.lowerBound)
        let span = range.upperBound - range.lowerBound
        let scale = span > 0 ? Double(columns) / span : 0
        var pendingBreak = false
        xs.withUnsafeBufferPointer { x in
            ys.withUnsafeBufferPointer { y in
                var i = start
                while i < x.count, x[i] <= range.upperBound {
                    let v = y[i]
                    guard v.isFinite else { pendingBreak = true; bins.gapPoints += 1; i += 1; continue }
                    // A zero-width range (one x value) puts everything in the middle column.
                    var c = span > 0 ? Int((x[i] - range.lowerBound) * scale) : columns / 2
                    if c >= columns { c = columns - 1 }
                    if !bins.filled[c] {
                        bins.filled[c] = true
                        bins.lo[c] = v; bins.hi[c] = v; bins.first[c] = v
                        bins.breakBefore[c] = pendingBreak
                    } else {
                        if v < bins.lo[c] { bins.lo[c] = v }
                        if v > bins.hi[c] { bins.hi[c] = v }
                    }
                    bins.last[c] = v
                    pendingBreak = false
                    i += 1
                }
            }
        }
        return bins
    }

    /// The full x extent, nil when empty.
    public var xExtent: ClosedRange<Double>? {
        guard let a = xs.first, let b = xs.last else { return nil }
        return a...b
    }
}
