import Tracking

/// Cells whose SQLite storage class is not what MLflow writes into their column: text in a
/// metric value, a real number in a BIGINT step, NULL where MLflow declares NOT NULL. Only a
/// damaged or hand-edited database holds them. MLflow's SqlAlchemyStore hands such a value on
/// as it is (`get_run` returns the str 'abc' as a metric value) and its server then fails the
/// whole request when serializing it (`Metric.to_proto`: "must be real number, not str"); here
/// the row is left out, or the field read as absent, never shown as 0, and `SQLTrackingStore` warns
/// once per column with what one such cell held.
struct BadCells {
    struct Problem {
        var held: String
        var expected: String
        var run: String?
        var outcome: String
    }

    /// "table.column" -> the first such cell seen.
    private(set) var found: [String: Problem] = [:]

    mutating func note(_ column: String, _ row: SQLRow, _ c: SQLColumn, expected: String, run: String?, outcome: String) {
        guard found[column] == nil else { return }
        found[column] = Problem(held: row.describe(c), expected: expected, run: run, outcome: outcome)
    }

    /// A metric row's value, timestamp, step and is_nan (columns of `table`), or nil when one of
    /// them is not a number or an integer as MLflow writes them (`value` FLOAT NOT NULL, the
    /// others BIGINT / BOOLEAN NOT NULL). Old schemas select literals for missing columns.
    mutating func metric(_ row: SQLRow, _ c: MetricColumns, _ table: String, run: String) -> HistoryBoundaries.Row? {
        let outcome = "such metric rows are left out"
        guard let v = row.number(c.value) else {
            note(table + ".value", row, c.value, expected: "a number", run: run, outcome: outcome)
            return nil
        }
        guard let t = row.integer(c.timestamp) else {
            note(table + ".timestamp", row, c.timestamp, expected: "an integer", run: run, outcome: outcome)
            return nil
        }
        guard let s = row.integer(c.step) else {
            note(table + ".step", row, c.step, expected: "an integer", run: run, outcome: outcome)
            return nil
        }
        guard let n = row.integer(c.isNaN), n == 0 || n == 1 else {
            note(table + ".is_nan", row, c.isNaN, expected: "0 or 1", run: run, outcome: outcome)
            return nil
        }
        return HistoryBoundaries.Row(value: v, timestamp: t, step: s, isNaN: n != 0)
    }

    /// A NOT NULL text cell (params.value), or nil when it is NULL or not text.
    mutating func text(_ row: SQLRow, _ c: SQLColumn, _ column: String, run: String?) -> String? {
        if let text = row.textCell(c) { return text }
        note(column, row, c, expected: "text", run: run, outcome: "such rows are left out")
        return nil
    }

    /// A nullable text cell (tags.value): NULL reads as "" as before; a blob or a number, which
    /// MLflow never writes there, leaves the row out.
    mutating func tagValue(_ row: SQLRow, _ c: SQLColumn, _ column: String, run: String? = nil) -> String? {
        if row.isNull(c) { return "" }
        return text(row, c, column, run: run)
    }

    /// A nullable BIGINT (times): nil when NULL, and nil with a note when not an integer.
    mutating func optionalInteger(_ row: SQLRow, _ c: SQLColumn, _ column: String, run: String? = nil) -> Int64? {
        if row.isNull(c) { return nil }
        if let value = row.integer(c) { return value }
        note(column, row, c, expected: "an integer or NULL", run: run, outcome: "read as absent")
        return nil
    }

    /// runs.status, one of the names MLflow's CHECK constraint allows; RUNNING, with a note, else.
    mutating func status(_ row: SQLRow, _ c: SQLColumn, run: String) -> RunStatus {
        if row.isText(c), let status = RunStatus(rawValue: row.text(c)) { return status }
        note("runs.status", row, c, expected: "one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED", run: run,
             outcome: "read as RUNNING")
        return .running
    }

    /// `lifecycle_stage` of runs or experiments: active or deleted; active, with a note, else.
    mutating func stage(_ row: SQLRow, _ c: SQLColumn, _ table: String, run: String? = nil) -> LifecycleStage {
        if row.isText(c), let stage = LifecycleStage(rawValue: row.text(c)) { return stage }
        // Very old rows may hold NULL (the column has no NOT NULL): MLflow reads them as active too.
        if row.isNull(c) { return .active }
        note(table + ".lifecycle_stage", row, c, expected: "'active' or 'deleted'", run: run, outcome: "read as active")
        return .active
    }
}
