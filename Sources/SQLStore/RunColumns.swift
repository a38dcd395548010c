import Tracking

/// A searchable copy, in memory, of the few columns that most run searches touch, taken at one
/// `PRAGMA data_version` of one connection: every run's rowid in MLflow's default order
/// (`start_time DESC, run_uuid`, as SQLite sorts it), its experiment and lifecycle stage, and,
/// loaded the first time a filter names them, the latest-metric, param or tag values of a key.
///
/// Why: a filtered search in SQL probes the (key, run_uuid) index once per run for every
/// condition, about 7 ms per condition over 10,000 runs, and a dashboard or a server under load
/// repeats such searches with other thresholds on an unchanged database. The copy answers them in
/// well under a millisecond, then the page's runs are read in SQL as before. It is only used at
/// the version it was read at, so it can never answer from stale data; while a writer is
/// committing between searches the store keeps using SQL (see `SQLTrackingStore.searchRuns`).
///
/// It covers only what it can decide exactly as SQLite would: metric comparisons with a number,
/// and `=`, `!=` on params and tags (bytewise, as SQLite's BINARY collation),
/// without order_by or with `start_time DESC`. Anything else, or a value that is not what MLflow
/// writes (a NULL or a non-text value), sends the search to SQL.
final class RunColumns {
    let version: Int64
    /// Rowids of all runs in the default order, and per position the run's experiment and stage.
    private var rowIDs: [Int64] = []
    private var experiments: [Int64?] = []
    private var stages: [String] = []
    private var positions: [String: Int] = [:]
    /// Per filtered key, the cell of every run (by position); nil when the key is not usable.
    private var metricColumns: [String: [MetricCell?]?] = [:]
    private var textColumns: [String: [String?]?] = [:]

    struct MetricCell {
        var value: Double
        var isNaN: Bool
    }

    init(version: Int64, _ db: any SQLConnection) throws {
        self.version = version
        let rows = try db.query("SELECT rowid, run_uuid, experiment_id, lifecycle_stage FROM runs ORDER BY start_time DESC, run_uuid",
                                columns: { try (rowID: $0["rowid"], run: $0["run_uuid"], experiment: $0["experiment_id"], stage: $0["lifecycle_stage"]) }) { row, c in
            (row.int(c.rowID), row.text(c.run), row.optionalInt(c.experiment), row.text(c.stage))
        }
        rowIDs.reserveCapacity(rows.count)
        positions.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            rowIDs.append(row.0)
            positions[row.1] = i
            experiments.append(row.2)
            stages.append(row.3)
        }
    }

    /// Whether this copy can answer a search with this filter and order.
    static func covers(_ filter: Filter, orderBy: [OrderClause]) -> Bool {
        guard orderBy.isEmpty || (orderBy.count == 1 && orderBy[0].key == SearchKey(.attribute, "start_time") && !orderBy[0].ascending) else {
            return false
        }
        return filter.allSatisfy { c in
            switch (c.key.kind, c.comparator, c.value) {
            case (.metric, .equal, .number), (.metric, .notEqual, .number), (.metric, .less, .number),
                 (.metric, .lessOrEqual, .number), (.metric, .greater, .number), (.metric, .greaterOrEqual, .number):
                return true
            case (.param, .equal, .string), (.param, .notEqual, .string), (.tag, .equal, .string), (.tag, .notEqual, .string):
                return true
            default:
                return false
            }
        }
    }

    /// The rowids of the window `offset..<offset + limit` of the matching runs, in order, or nil
    /// when a column the filter needs holds a value this copy cannot judge like SQLite.
    func search(experimentIDs: [Int64], stages wanted: [LifecycleStage], filter: Filter,
                offset: Int, limit: Int, _ db: any SQLConnection) throws -> [Int64]? {
        var tests: [(Int) -> Bool] = []
        for comparison in filter {
            guard let test = try test(comparison, db) else { return nil }
            tests.append(test)
        }
        let experimentSet = Set(experimentIDs)
        let stageSet = Set(wanted.map(\.rawValue))
        var skipped = 0
        var out: [Int64] = []
        for i in rowIDs.indices {
            guard let experiment = experiments[i], experimentSet.contains(experiment), stageSet.contains(stages[i]),
                  tests.allSatisfy({ $0(i) }) else { continue }
            if skipped < offset { skipped += 1; continue }
            out.append(rowIDs[i])
            if out.count == limit { break }
        }
        return out
    }

    /// One condition as a test of a run's position, the way the SQL join of `RunSearchSQL`
    /// decides it: a run without the key never matches.
    private func test(_ c: Comparison, _ db: any SQLConnection) throws -> ((Int) -> Bool)? {
        if c.key.kind == .metric {
            guard case .number(let d) = c.value, let column = try metricColumn(c.key.key, db) else { return nil }
            // NaN is stored as 0 with is_nan = 1: it satisfies "!=" only
            // (`sqlalchemy_store.py` `_get_sqlalchemy_filter_clauses`).
            let compare: (Double) -> Bool
            switch c.comparator {
            case .equal: compare = { $0 == d }
            case .notEqual: compare = { $0 != d }
            case .less: compare = { $0 < d }
            case .lessOrEqual: compare = { $0 <= d }
            case .greater: compare = { $0 > d }
            case .greaterOrEqual: compare = { $0 >= d }
            default: return nil
            }
            let notEqual = c.comparator == .notEqual
            return { i in
                guard let cell = column[i] else { return false }
                return cell.isNaN ? notEqual : compare(cell.value)
            }
        }
        let table = c.key.kind == .param ? "params" : "tags"
        guard let column = try textColumn(table, c.key.key, db) else { return nil }
        guard case .string(let wanted) = c.value else { return nil }
        let equal: (String) -> Bool = { $0.utf8.elementsEqual(wanted.utf8) }
        switch c.comparator {
        case .equal: return { i in column[i].map(equal) ?? false }
        case .notEqual: return { i in column[i].map { !equal($0) } ?? false }
        default: return nil
        }
    }

    private func metricColumn(_ key: String, _ db: any SQLConnection) throws -> [MetricCell?]? {
        if let known = metricColumns[key] { return known }
        var column = [MetricCell?](repeating: nil, count: rowIDs.count)
        var usable = true
        let rows = try db.query("SELECT run_uuid, value, is_nan FROM latest_metrics WHERE \"key\" = ?", [.text(key)],
                                columns: { try (run: $0["run_uuid"], value: $0["value"], isNaN: $0["is_nan"]) }) { row, c in
            (row.text(c.run), row.isNumber(c.value) && row.isNumber(c.isNaN) ? MetricCell(value: row.double(c.value), isNaN: row.int(c.isNaN) != 0) : nil)
        }
        for (run, cell) in rows {
            guard let cell else { usable = false; break }
            if let i = positions[run] { column[i] = cell }
        }
        metricColumns[key] = usable ? column : .some(nil)
        return usable ? column : nil
    }

    private func textColumn(_ table: String, _ key: String, _ db: any SQLConnection) throws -> [String?]? {
        let name = table + "\u{1}" + key
        if let known = textColumns[name] { return known }
        var column = [String?](repeating: nil, count: rowIDs.count)
        var usable = true
        // Only text SQLite holds as valid UTF-8 compares here bytewise as it does in SQL.
        let rows = try db.query("SELECT run_uuid, value FROM \(table) WHERE \"key\" = ?", [.text(key)],
                                columns: { try (run: $0["run_uuid"], value: $0["value"]) }) { row, c in
            (row.text(c.run), row.isText(c.value) ? row.validText(c.value) : nil)
        }
        for (run, value) in rows {
            guard let value else { usable = false; break }
            if let i = positions[run] { column[i] = value }
        }
        textColumns[name] = usable ? column : .some(nil)
        return usable ? column : nil
    }
}
