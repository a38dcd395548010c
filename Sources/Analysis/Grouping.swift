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
        group(keys.map { InternedColumn(runs, $0) }, rows: Array(runs.indices))
    }

    /// The groups of the given rows (indices into the runs the columns were read from), as
    /// `group(_:by:)` orders them; members are those indices, in the order given.
    public static func group(_ columns: [InternedColumn], rows: [Int]) -> [RunGroup] {
        let ranks = columns.map { $0.ranks() }
        // Each row's values as one number whose order is pandas' order of the value tuples: the
        // values' ranks as digits, one key after another.
        var codes = [Int](repeating: 0, count: rows.count)
        var bound = 1  // every code is below it
        for (column, rank) in zip(columns, ranks) {
            let radix = max(1, rank.count)
            if bound.multipliedReportingOverflow(by: radix).overflow { bound = renumber(&codes) }
            column.ids.withUnsafeBufferPointer { ids in
                for (j, row) in rows.enumerated() { codes[j] = codes[j] * radix + rank[Int(ids[row])] }
            }
            bound *= radix
        }
        var groupOf: [Int: Int] = [:]
        var groups: [(code: Int, group: RunGroup)] = []
        for (j, row) in rows.enumerated() {
            if let g = groupOf[codes[j]] {
                groups[g].group.members.append(row)
            } else {
                groupOf[codes[j]] = groups.count
                let values = columns.map { $0.values[Int($0.ids[row])] }
                groups.append((codes[j], RunGroup(values: values, members: [row])))
            }
        }
        return groups.sorted { $0.code < $1.code }.map(\.group)
    }

    /// Replaces codes by their places among the distinct codes (order kept); returns how many
    /// there are. Keeps codes of many keys with many values from overflowing.
    private static func renumber(_ codes: inout [Int]) -> Int {
        let distinct = Array(Set(codes)).sorted()
        let place = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        for j in codes.indices { codes[j] = place[codes[j]]! }
        return distinct.count
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
        NumberColumn(runs, column, summaries: summaries).aggregates(groups)
    }
}
