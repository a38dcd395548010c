import Tracking

/// One text column of a list of runs with each distinct value stored once: per run the id of its
/// value (`ColumnKey.groupValue`, nil where the run lacks the key). Grouping and "do all these
/// runs share a value" then compare small integers instead of looking keys up in every run.
public struct InternedColumn: Sendable {
    /// Per run, an index into `values`.
    public private(set) var ids: [Int32]
    /// The distinct values in the order first met; nil (missing) is one of them when a run lacks
    /// the key.
    public private(set) var values: [String?]

    public init(_ runs: [Run], _ key: ColumnKey) {
        var idOf: [String: Int32] = [:]
        var missing: Int32?
        var values: [String?] = []
        var ids: [Int32] = []
        ids.reserveCapacity(runs.count)
        func intern(_ value: String?) -> Int32 {
            guard let value else {
                if let missing { return missing }
                missing = Int32(values.count)
                values.append(nil)
                return missing!
            }
            if let id = idOf[value] { return id }
            let id = Int32(values.count)
            idOf[value] = id
            values.append(value)
            return id
        }
        // Through a buffer pointer: an array's subscript or iterator would copy each run.
        runs.withUnsafeBufferPointer { runs in
            for i in runs.indices { ids.append(intern(key.groupValue(of: runs[i]))) }
        }
        self.ids = ids
        self.values = values
    }

    /// Per id, its place in pandas' order of the values: Python string order (by code point),
    /// missing last.
    func ranks() -> [Int] {
        let order = values.indices.sorted { a, b in
            switch (values[a], values[b]) {
            case (nil, _): return false
            case (_, nil): return true
            case let (x?, y?): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
            }
        }
        var rank = [Int](repeating: 0, count: values.count)
        for (place, id) in order.enumerated() { rank[id] = place }
        return rank
    }

    /// Whether the given runs all have the same value (true for none).
    public func isShared(by rows: [Int]) -> Bool {
        guard let first = rows.first else { return true }
        let id = ids[first]
        return rows.allSatisfy { ids[$0] == id }
    }
}

/// A numeric column of a list of runs, read once: per run its value, NaN where it has none
/// (aggregates skip NaN and missing alike), and the runs with a value in ascending order of it.
public struct NumberColumn: Sendable {
    public private(set) var values: [Double]
    /// Indices of the runs with a value, by value then index: each group's values come out of
    /// one pass over it already sorted, as a stable sort of the group's values would give them.
    private var ascending: [Int32]

    public init(_ runs: [Run], _ key: ColumnKey, summaries: HistorySummaries = HistorySummaries()) {
        var values = [Double](repeating: .nan, count: runs.count)
        runs.withUnsafeBufferPointer { runs in
            if case .metric(let name) = key {
                // The common case, read in place: no run is copied to look at one metric.
                for i in runs.indices { values[i] = runs[i].data.metrics.first { $0.key == name }?.value ?? .nan }
            } else {
                for i in runs.indices { values[i] = key.cell(of: runs[i], summaries: summaries).number ?? .nan }
            }
        }
        self.values = values
        ascending = values.withUnsafeBufferPointer { values in
            values.indices.filter { !values[$0].isNaN }.map(Int32.init).sorted { a, b in
                let (x, y) = (values[Int(a)], values[Int(b)])
                return x < y || (x == y && a < b)
            }
        }
    }

    /// The aggregates of each group's members (indices into the runs, each in one group at most).
    public func aggregates(_ groups: [RunGroup]) -> [Aggregates] {
        var groupOf = [Int32](repeating: -1, count: values.count)
        for (g, group) in groups.enumerated() { for member in group.members { groupOf[member] = Int32(g) } }
        var sorted = groups.map { group -> [Double] in
            var values: [Double] = []
            values.reserveCapacity(group.members.count)
            return values
        }
        values.withUnsafeBufferPointer { values in
            for run in ascending where groupOf[Int(run)] >= 0 { sorted[Int(groupOf[Int(run)])].append(values[Int(run)]) }
        }
        return sorted.map(Aggregates.init(sorted:))
    }
}

/// The columns of one list of runs read so far, so that regrouping, aggregating and drawing the
/// same runs again read no run. Holders make a new one whenever the runs change.
public struct ColumnVectors: Sendable {
    private var interned: [ColumnKey: InternedColumn] = [:]
    private var numbers: [String: NumberColumn] = [:]

    public init() {}

    /// The key's interned column, read from the runs the first time.
    public mutating func interned(_ key: ColumnKey, of runs: [Run]) -> InternedColumn {
        if let column = interned[key], column.ids.count == runs.count { return column }
        let column = InternedColumn(runs, key)
        interned[key] = column
        return column
    }

    /// The key's interned column if it was read already.
    public func internedIfRead(_ key: ColumnKey) -> InternedColumn? { interned[key] }

    /// A latest-value metric column, read from the runs the first time. Best-of columns are not
    /// kept: their values arrive later, in summaries.
    public mutating func metric(_ name: String, of runs: [Run]) -> NumberColumn {
        if let column = numbers[name], column.values.count == runs.count { return column }
        let column = NumberColumn(runs, .metric(name))
        numbers[name] = column
        return column
    }
}

/// Derived from the runs next to it: two holders with equal runs are equal whatever either has
/// read so far.
extension ColumnVectors: Equatable {
    public static func == (_: ColumnVectors, _: ColumnVectors) -> Bool { true }
}
