import Tracking

extension SQLTrackingStore {
    /// Best-of summaries read set-wise from MLflow's `metrics` table instead of one history per
    /// run: the least and greatest value per run in one aggregate query, the rows at the asked
    /// steps in another, both in one read transaction. The answer is the one
    /// `MetricSummary(history:)` gives over `metricHistory`: NaN is stored as 0 with `is_nan = 1`
    /// and skipped, ±inf as the ±1.7976931348623157e308 MLflow writes and reads back
    /// (`SqlAlchemyStore._get_metric_value_details`).
    ///
    /// Two plans, measured on the 10,000-run benchmark store (BENCHMARKS.md): a few runs (the
    /// rows on screen) are sought 500 at a time through the (run_uuid, key, step) index, ~45 µs
    /// of CPU per run of 10 points; from a quarter of the store's runs on, one scan of the key's
    /// rows in the (key, …) primary key, which covers every column read, is cheaper (~1 µs per
    /// row, 4× faster than seeking all 10,000 runs).
    public func metricSummaries(runIDs: [String], key: String, steps: Set<Int64>) async throws -> [String: MetricSummary] {
        var seen = Set<String>()
        let unique = runIDs.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return [:] }
        let read = try await BlockingWork.run { try self.summaries(runIDs: unique, key: key, steps: steps) }
        guard !read.damaged.isEmpty else { return read.found }
        // A run holding a row MLflow would not write (`BadCells`) is read as its history is,
        // which leaves such rows out and warns about them.
        var result = read.found
        for (id, summary) in try await summariesFromHistories(runIDs: read.damaged, key: key, steps: steps, concurrency: 8) {
            result[id] = summary
        }
        return result
    }

    private struct SummarySQL {
        var aggregate: String
        var atSteps: String?
        var steps: Set<Int64> = []
    }

    /// The two statements, with `runFilter` (an SQL condition on run_uuid, or "") added.
    private func summarySQL(steps: Set<Int64>, runFilter: String) -> SummarySQL {
        let dialect = features.dialect
        let isNaN = features.metricIsNaN ? "is_nan" : dialect == .sqlite ? "0" : "false"
        let step = features.metricStep ? "step" : "0"
        // Rows `BadCells.metric` would leave out of a history page. PostgreSQL keeps every cell
        // to its column's declared type, so there a row cannot be damaged that way.
        let damagedRow = dialect == .postgres ? "0" : """
            typeof(value) NOT IN ('real', 'integer') OR typeof(timestamp) != 'integer' \
            OR typeof(\(step)) != 'integer' OR typeof(\(isNaN)) != 'integer' OR \(isNaN) NOT IN (0, 1)
            """
        let aggregate = """
            SELECT run_uuid, min(CASE WHEN \(dialect.isFalse(isNaN)) THEN value END) AS low,
                   max(CASE WHEN \(dialect.isFalse(isNaN)) THEN value END) AS high, max(\(damagedRow)) AS damaged
            FROM metrics WHERE "key" = ?\(runFilter) GROUP BY run_uuid
            """
        guard !steps.isEmpty else { return SummarySQL(aggregate: aggregate) }
        // Steps are integers: written into the statement, they never count against the
        // bound-parameter limit however many are asked.
        let stepList = steps.sorted().map(String.init).joined(separator: ", ")
        return SummarySQL(aggregate: aggregate, atSteps: """
            SELECT run_uuid, value, timestamp, \(step) AS step, \(isNaN) AS is_nan
            FROM metrics WHERE "key" = ?\(runFilter) AND \(step) IN (\(stepList))
            """, steps: steps)
    }

    private func summaries(runIDs: [String], key: String, steps: Set<Int64>) throws -> (found: [String: MetricSummary], damaged: [String]) {
        var found: [String: MetricSummary] = [:]
        var damaged: [String] = []
        let storeRuns = try read { db, _ in try db.values("SELECT count(*) FROM runs") { $0.int($1) }.first ?? 0 }
        if runIDs.count * 4 >= storeRuns {
            let wanted = Set(runIDs)
            try read { db, bad in
                try collect(summarySQL(steps: steps, runFilter: ""), [.text(key)], key: key, wanted: wanted,
                            db, &bad, into: &found, damaged: &damaged)
            }
            return (found, damaged)
        }
        for chunk in chunked(runIDs.map { SQLValue.text($0) }) {
            let sql = summarySQL(steps: steps, runFilter: " AND run_uuid IN (\(marks(chunk.count)))")
            try read { db, bad in
                try collect(sql, [.text(key)] + chunk, key: key, wanted: nil, db, &bad, into: &found, damaged: &damaged)
            }
        }
        return (found, damaged)
    }

    /// Runs `sql` and adds the summaries of the runs in `wanted` (all when nil) to `found`.
    private func collect(_ sql: SummarySQL, _ bindings: [SQLValue], key: String, wanted: Set<String>?,
                         _ db: any SQLConnection, _ bad: inout BadCells,
                         into found: inout [String: MetricSummary], damaged: inout [String]) throws {
        var summaries: [String: MetricSummary] = [:]
        _ = try db.query(sql.aggregate, bindings, columns: { try (run: $0["run_uuid"], low: $0["low"], high: $0["high"], damaged: $0["damaged"]) }) { row, c in
            let run = row.text(c.run)
            guard wanted?.contains(run) ?? true else { return }
            if row.int(c.damaged) != 0 {
                damaged.append(run)
            } else {
                // Only NaN points: min and max are NaN, as over the history.
                summaries[run] = MetricSummary(min: row.number(c.low) ?? .nan, max: row.number(c.high) ?? .nan)
            }
        }
        if let atSteps = sql.atSteps, !summaries.isEmpty {
            var points: [String: [Metric]] = [:]
            _ = try db.query(atSteps, bindings, columns: { try ($0["run_uuid"], MetricColumns($0)) }) { row, c in
                let run = row.text(c.0)
                guard summaries[run] != nil, let point = bad.metric(row, c.1, "metrics", run: run) else { return }
                points[run, default: []].append(Metric(key: key, value: point.isNaN ? .nan : point.value,
                                                       timestamp: point.timestamp, step: point.step))
            }
            // The value MLflow calls latest at each step, by the rule a whole history is read with.
            for (run, points) in points { summaries[run]?.atStep = MetricSummary(history: points, steps: sql.steps).atStep }
        }
        found.merge(summaries) { $1 }
    }
}
