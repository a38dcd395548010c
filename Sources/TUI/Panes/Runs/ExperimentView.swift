import Analysis
import Tracking

/// How the runs table shows one experiment: columns, sort, filter and modes. The runs pane keeps
/// one per experiment (`StoreMemory.views`), so switching experiments and back finds it as it
/// was, and the state file keeps it across sessions.
struct ExperimentView: Equatable, Sendable {
    static let defaultColumns: [RunColumn] = [.name, .started, .duration, .user, .source]

    var columns = defaultColumns
    /// The highlighted column (index into `columns`); sorting and scrolling act on it.
    var selectedColumn = 0
    /// The first scrollable column shown after the frozen name column.
    var scrollColumn = 1
    var sort: SortOrder?
    var showDeleted = false
    var tree = false
    var filter = RunFilter()
    /// Keys the runs are grouped by (empty: one row per run), as `mltui runs --group-by` takes them.
    var groupBy: [ColumnKey] = []
    /// A sort by a best-of column, done on the client (MLflow cannot); `sort` is nil while set.
    var localSort: LocalSort?
    /// Per metric column, the aggregate grouped rows show when not the mean (`A` cycles it).
    var aggregates: [RunColumn: Aggregate] = [:]
    /// How groups are ordered (client-side); nil: as pandas orders them.
    var groupSort: GroupSort?

    /// What the state file keeps: the quick fuzzy search is for the moment, not remembered.
    var persisted: ExperimentView {
        var view = self
        view.filter.fuzzy = ""
        return view
    }
}

// The state file's spelling: plain strings and objects a person can read and edit, and fields
// added later (grouping) read as absent by older files.
extension ExperimentView: Codable {
    private enum CodingKeys: String, CodingKey {
        case columns, selectedColumn, scrollColumn, sort, showDeleted, tree, filter, chips, groupBy, localSort, aggregates, groupSort
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let names = try c.decodeIfPresent([String].self, forKey: .columns)
        let columns = names?.compactMap(RunColumn.init(storageName:)) ?? []
        // The frozen name column is always first; a file without it gets the defaults.
        self.columns = columns.first == .name ? columns : Self.defaultColumns
        selectedColumn = min(max(0, try c.decodeIfPresent(Int.self, forKey: .selectedColumn) ?? 0), self.columns.count - 1)
        scrollColumn = max(1, try c.decodeIfPresent(Int.self, forKey: .scrollColumn) ?? 1)
        sort = try c.decodeIfPresent(SortOrder.self, forKey: .sort)
        showDeleted = try c.decodeIfPresent(Bool.self, forKey: .showDeleted) ?? false
        tree = try c.decodeIfPresent(Bool.self, forKey: .tree) ?? false
        filter.text = try c.decodeIfPresent(String.self, forKey: .filter) ?? ""
        filter.chips = try c.decodeIfPresent([TagChip].self, forKey: .chips) ?? []
        groupBy = (try c.decodeIfPresent([String].self, forKey: .groupBy) ?? []).compactMap { try? ColumnKey.parse($0) }
        localSort = try? c.decodeIfPresent(LocalSort.self, forKey: .localSort)
        // {"metric:f1": "max"}: column storage names to aggregate names; unknown ones dropped.
        for (name, value) in try c.decodeIfPresent([String: String].self, forKey: .aggregates) ?? [:] {
            if let column = RunColumn(storageName: name), let aggregate = Aggregate(rawValue: value) { aggregates[column] = aggregate }
        }
        if let sort = try c.decodeIfPresent(StoredGroupSort.self, forKey: .groupSort), let column = RunColumn(storageName: sort.column) {
            groupSort = GroupSort(column: column, ascending: sort.ascending)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(columns.map(\.storageName), forKey: .columns)
        try c.encode(selectedColumn, forKey: .selectedColumn)
        try c.encode(scrollColumn, forKey: .scrollColumn)
        try c.encodeIfPresent(sort, forKey: .sort)
        try c.encode(showDeleted, forKey: .showDeleted)
        try c.encode(tree, forKey: .tree)
        try c.encode(filter.text, forKey: .filter)
        try c.encode(filter.chips, forKey: .chips)
        try c.encode(groupBy.map(\.header), forKey: .groupBy)
        try c.encodeIfPresent(localSort, forKey: .localSort)
        if !aggregates.isEmpty {
            try c.encode(Dictionary(uniqueKeysWithValues: aggregates.map { ($0.key.storageName, $0.value.rawValue) }), forKey: .aggregates)
        }
        try c.encodeIfPresent(groupSort.map { StoredGroupSort(column: $0.column.storageName, ascending: $0.ascending) }, forKey: .groupSort)
    }

    private struct StoredGroupSort: Codable {
        var column: String
        var ascending: Bool
    }
}

extension RunColumn {
    private static let fixed: [RunColumn] = [.name, .started, .duration, .user, .source]

    /// `name`, `started`, ..., `param:lr`, `metric:f1`, `tag:stage`, `sparkline:loss`.
    var storageName: String {
        switch self {
        case .param(let k): return "param:" + k
        case .metric(let k): return "metric:" + k
        case .tag(let k): return "tag:" + k
        case .sparkline(let k): return "sparkline:" + k
        case .best(let best, let k): return "best:" + ColumnKey.best(best, metric: k).header
        default: return "\(self)"
        }
    }

    init?(storageName: String) {
        if let column = Self.fixed.first(where: { "\($0)" == storageName }) { self = column; return }
        guard let colon = storageName.firstIndex(of: ":") else { return nil }
        let key = String(storageName[storageName.index(after: colon)...])
        switch storageName[..<colon] {
        case "param": self = .param(key)
        case "metric": self = .metric(key)
        case "tag": self = .tag(key)
        case "sparkline": self = .sparkline(key)
        case "best":
            guard case .best(let best, let k)? = try? ColumnKey.parse(key) else { return nil }
            self = .best(best, k)
        default: return nil
        }
    }
}

extension SortOrder: Codable {
    private enum CodingKeys: String, CodingKey { case kind, key, ascending }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kindName = try c.decode(String.self, forKey: .kind)
        guard let kind = EntityKind(rawValue: kindName) else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown sort key kind '\(kindName)'")
        }
        key = SearchKey(kind, try c.decode(String.self, forKey: .key))
        ascending = try c.decode(Bool.self, forKey: .ascending)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key.kind.rawValue, forKey: .kind)
        try c.encode(key.key, forKey: .key)
        try c.encode(ascending, forKey: .ascending)
    }
}

// `{"column": "best:max(metrics.loss)", "ascending": false}`: the column by its state-file name.
extension LocalSort: Codable {
    private enum CodingKeys: String, CodingKey { case column, ascending }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .column)
        guard let column = RunColumn(storageName: name) else {
            throw DecodingError.dataCorruptedError(forKey: .column, in: c, debugDescription: "unknown column '\(name)'")
        }
        self.column = column
        ascending = try c.decode(Bool.self, forKey: .ascending)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(column.storageName, forKey: .column)
        try c.encode(ascending, forKey: .ascending)
    }
}
