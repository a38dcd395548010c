/// The aggregates a grouped row shows for a numeric column, with the semantics of pandas'
/// `DataFrame.groupby(...).agg(...)` on `mlflow.search_runs`' frame: NaN and missing values are
/// skipped; std has one degree of freedom, so a group with fewer than two values has none.
public enum Aggregate: String, CaseIterable, Sendable, Codable {
    case mean, min, max, median, std
}

public struct Aggregates: Equatable, Sendable {
    /// How many values were not NaN or missing.
    public var count: Int
    public var mean: Double?
    public var min: Double?
    public var max: Double?
    public var median: Double?
    public var std: Double?

    public init(_ values: some Sequence<Double>) {
        self.init(sorted: values.filter { !$0.isNaN }.sorted())
    }

    /// From values already sorted ascending, without NaN.
    public init(sorted: [Double]) {
        count = sorted.count
        guard let first = sorted.first, let last = sorted.last else {
            mean = nil; min = nil; max = nil; median = nil; std = nil
            return
        }
        min = first
        max = last
        let n = Double(sorted.count)
        let average = sorted.reduce(0, +) / n
        mean = average
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        // Two passes (mean first), as pandas' nanvar does: no cancellation on large offsets.
        std = sorted.count < 2 ? nil : (sorted.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (n - 1)).squareRoot()
    }

    public func value(_ aggregate: Aggregate) -> Double? {
        switch aggregate {
        case .mean: return mean
        case .min: return min
        case .max: return max
        case .median: return median
        case .std: return std
        }
    }
}
