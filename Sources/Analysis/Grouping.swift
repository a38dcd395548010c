import Tracking

/// One group of runs sharing the values of the group keys.
public struct RunGroup: Equatable, Sendable {
    /// Per group key, the shared value; nil where the members lack the key.
    public var values: [String?]
    /// Indices into the grouped runs, in their given order.
    public var members: [Int]

    public var isComplete: Bool { !values.contains(nil) }

    /// "cnn · adam": the values in the keys' order, a missing one as "(none)" (the table's group
    /// rows and the plots' legends).
    public var label: String { values.map { $0 ?? "(none)" }.joined(separator: " · ") }
}

public enum Grouping {
    /// Groups runs by the keys' values, in the order pandas' `groupby(keys, dropna=False)` gives:
    /// values compared as Python compares strings (by code point), missing after present on each
    /// key. Groups with a missing key therefore come after the complete ones of the same prefix.
    public static func group(_ runs: [Run], by keys: [ColumnKey]) -> [RunGroup] {
        var index: [[String?]: Int] = [:]
        var groups: [RunGroup] = []
        func add(_ i: Int, _ values: [String?]) {
            if let g = index[values] {
                groups[g].members.append(i)
            } else {
                index[values] = groups.count
                groups.append(RunGroup(values: values, members: [i]))
            }
        }
        // Through a buffer pointer: an array's subscript or iterator would copy each run.
        runs.withUnsafeBufferPointer { runs in
            for i in runs.indices { add(i, keys.map { $0.groupValue(of: runs[i]) }) }
        }
        return groups.sorted { precedes($0.values, $1.values) }
    }

    /// Tuple order with nil last on each level.
    static func precedes(_ a: [String?], _ b: [String?]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            switch (x, y) {
            case (nil, _): return false
            case (_, nil): return true
            case let (x?, y?): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
            }
        }
        return false
    }

    /// The aggregates of one numeric column over a group's members.
    public static func aggregates(_ group: RunGroup, _ runs: [Run], _ column: ColumnKey,
                                  summaries: HistorySummaries = HistorySummaries()) -> Aggregates {
        Aggregates(group.members.compactMap { column.cell(of: runs[$0], summaries: summaries).number })
    }

    /// The aggregates of one numeric column for every group, reading each run's value once:
    /// what a table of many groups and columns wants (no run is copied per group).
    public static func aggregates(_ groups: [RunGroup], _ runs: [Run], _ column: ColumnKey,
                                  summaries: HistorySummaries = HistorySummaries()) -> [Aggregates] {
        var values = [Double?](repeating: nil, count: runs.count)
        if case .metric(let key) = column {
            // The common case, read in place: no run is copied to look at one metric.
            for i in runs.indices { values[i] = runs[i].data.metrics.first { $0.key == key }?.value }
        } else {
            runs.withUnsafeBufferPointer { runs in
                for i in runs.indices { values[i] = column.cell(of: runs[i], summaries: summaries).number }
            }
        }
        return groups.map { group in Aggregates(group.members.compactMap { values[$0] }) }
    }
}
