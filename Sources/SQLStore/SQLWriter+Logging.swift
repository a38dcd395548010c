import Foundation
import Tracking

/// Metrics, params, batches, inputs and outputs (`SqlAlchemyStore.log_metric` … `log_outputs`).
/// A batch is one transaction: MLflow writes its params, metrics and tags in turn and refuses
/// the whole batch on a changed param before writing any, so the end state is the same.
extension SQLWriter {
    public func logMetric(runID: String, metric: Metric) async throws {
        if metric.modelID == nil { try WriteValidation.metric(metric) }
        try await write { db in
            let run = try Self.activeRun(runID, db)
            // With a model id MLflow checks the run first, then the metric (`log_metric`).
            if metric.modelID != nil { try WriteValidation.metric(metric) }
            try Self.logModelMetrics([metric], run: run, db)
            try Self.insertMetrics([metric], runID: run.runID, db)
        }
    }

    public func logParam(runID: String, param: Param) async throws {
        let param = try WriteValidation.param(param)
        try await write { db in
            let run = try Self.activeRun(runID, db)
            if let old = try Self.params(of: run.runID, db)[param.key] {
                guard old == param.value else {
                    throw MLflowError.invalidParameter(
                        "Changing param values is not allowed. Param with key='\(param.key)' was already logged with "
                            + "value='\(old)' for run ID='\(run.runID)'. Attempted logging new value '\(param.value)'.")
                }
                return
            }
            try db.run("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
                       [.text(param.key), .text(param.value), .text(run.runID)])
        }
    }

    public func logBatch(runID: String, metrics: [Metric], params: [Param], tags: [Tag]) async throws {
        let (params, tags) = try WriteValidation.logBatch(runID: runID, metrics: metrics, params: params, tags: tags)
        try await write { db in
            let run = try Self.activeRun(runID, db)
            try Self.insertParams(params, run: run, db)
            try Self.insertMetrics(metrics, runID: run.runID, db)
            try Self.logModelMetrics(metrics, run: run, db)
            try Self.setTags(tags, on: run, db)
        }
    }

    public func logInputs(runID: String, datasets: [DatasetInput], models: [ModelIO]) async throws {
        try WriteValidation.runID(runID)
        try WriteValidation.datasetInputs(datasets)
        try await write { db in
            let run = try Self.activeRun(runID, db)
            var seen = Set<[String]>()
            // Two inputs of one dataset (name and digest): the first one counts.
            for input in datasets where seen.insert([input.dataset.name, input.dataset.digest]).inserted {
                let datasetID = try Self.dataset(input.dataset, experimentID: run.experimentID, db)
                let linked = try db.values("""
                    SELECT COUNT(*) FROM inputs WHERE source_type = 'DATASET' AND source_id = ?
                      AND destination_type = 'RUN' AND destination_id = ?
                    """, [.text(datasetID), .text(run.runID)]) { $0.int($1) }.first ?? 0
                guard linked == 0 else { continue }
                let inputID = Self.newID()
                try db.run("""
                    INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id)
                    VALUES (?, 'DATASET', ?, 'RUN', ?)
                    """, [.text(inputID), .text(datasetID), .text(run.runID)])
                for tag in input.tags {
                    try db.run("INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?)",
                               [.text(inputID), .text(tag.key), .text(tag.value)])
                }
            }
            for model in models {
                // `session.merge` on the inputs key: a model logged as input again keeps one row.
                try db.run("""
                    INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id)
                    VALUES (?, 'RUN_INPUT', ?, 'MODEL_INPUT', ?)
                    ON CONFLICT (source_type, source_id, destination_type, destination_id) DO UPDATE SET input_uuid = excluded.input_uuid
                    """, [.text(Self.newID()), .text(run.runID), .text(model.modelID)])
            }
        }
    }

    public func logOutputs(runID: String, models: [ModelIO]) async throws {
        try await write { db in
            let run = try Self.activeRun(runID, db)
            for model in models {
                try db.run("""
                    INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step)
                    VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?)
                    """, [.text(Self.newID()), .text(run.runID), .text(model.modelID), .int(model.step ?? 0)])
            }
        }
    }

    public func recordLoggedModel(runID: String, modelJSON: String) async throws {
        let entry = try LoggedModelHistory.entry(modelJSON: modelJSON)
        try await write { db in
            let run = try Self.activeRun(runID, db)
            let previous = try db.values("SELECT value FROM tags WHERE run_uuid = ? AND key = ?",
                                         [.text(run.runID), .text(LoggedModelHistory.tagKey)]) { $0.text($1) }.first
            let value = try LoggedModelHistory.appending(entry, to: previous)
            // `record_logged_model` validates the tag (a long one is refused only when truncation is
            // off) but stores the value whole, not the truncated one.
            _ = try WriteValidation.tag(Tag(LoggedModelHistory.tagKey, value))
            try Self.upsertTag(Tag(LoggedModelHistory.tagKey, value), runID: run.runID, db)
        }
    }

    // MARK: rows

    static func params(of runID: String, _ db: any SQLWriteConnection) throws -> [String: String] {
        let rows = try db.query("SELECT key, value FROM params WHERE run_uuid = ?", [.text(runID)],
                                columns: { c in (try c["key"], try c["value"]) }) { row, c in (row.text(c.0), row.text(c.1)) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// `_log_params`: new keys are inserted; a key logged before with another value refuses the
    /// whole batch, listing every such key as Python prints the list of dicts.
    static func insertParams(_ params: [Param], run: RunRow, _ db: any SQLWriteConnection) throws {
        guard !params.isEmpty else { return }
        let existing = try self.params(of: run.runID, db)
        let changed = params.compactMap { p in existing[p.key].flatMap { $0 == p.value ? nil : (p, $0) } }
        if !changed.isEmpty {
            let list = changed.map { p, old in
                "{'key': \(PythonText.repr(p.key)), 'old_value': \(PythonText.repr(old)), 'new_value': \(PythonText.repr(p.value))}"
            }
            throw MLflowError.invalidParameter(
                "Changing param values is not allowed. Params were already logged='[\(list.joined(separator: ", "))]' for run ID='\(run.runID)'.")
        }
        for p in params where existing[p.key] == nil {
            try db.run("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", [.text(p.key), .text(p.value), .text(run.runID)])
        }
    }

    /// SQL cannot hold NaN or infinities: NaN is stored as 0 with is_nan, ±inf as ±max double
    /// (`SqlAlchemyStore.sanitize_metric_value`).
    static func sanitized(_ value: Double) -> (isNaN: Bool, value: Double) {
        if value.isNaN { return (true, 0) }
        if value.isInfinite { return (false, value > 0 ? Double.greatestFiniteMagnitude : -Double.greatestFiniteMagnitude) }
        return (false, value)
    }

    /// `_log_metrics_once`: every value into `metrics` (one already there is skipped, as MLflow
    /// skips it after its IntegrityError), and `latest_metrics` moved to the greatest
    /// (step, timestamp, value) per key (`_update_latest_metrics_if_necessary`). The comparison
    /// with the stored row is part of the upsert (one statement for the batch's keys), so two
    /// writers (two replicas) logging the same key at once cannot move it backwards; keys go in
    /// sorted order, as MLflow locks them, so two such writers never wait on each other in a cycle.
    static func insertMetrics(_ metrics: [Metric], runID: String, _ db: any SQLWriteConnection) throws {
        guard !metrics.isEmpty else { return }
        try db.insertRows("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)", metrics.map { m in
            let (isNaN, value) = sanitized(m.value)
            return [.text(m.key), .double(value), .int(m.timestamp), .text(runID), .int(m.step), .bool(isNaN)]
        }, "ON CONFLICT DO NOTHING")
        var latest: [String: LatestMetric] = [:]
        for m in metrics {
            let (isNaN, value) = sanitized(m.value)
            let candidate = LatestMetric(step: m.step, timestamp: m.timestamp, value: value, isNaN: isNaN)
            if let current = latest[m.key], !candidate.isLater(than: current) { continue }
            latest[m.key] = candidate
        }
        try db.insertRows("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)", latest.keys.sorted().map { key in
            let l = latest[key]!
            return [.text(key), .double(l.value), .int(l.timestamp), .int(l.step), .bool(l.isNaN), .text(runID)]
        }, """
            ON CONFLICT (key, run_uuid) DO UPDATE
            SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
            WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
            """)
    }

    /// `_log_model_metrics`: values logged with a model id also go to `logged_model_metrics`. A
    /// value already there (same key, time, step and run) is skipped, as MLflow skips it after its
    /// IntegrityError; one there with another value or dataset is inserted anyway, so the engine
    /// refuses it as it refuses MLflow's second attempt (BAD_REQUEST with the engine's words),
    /// as does a model id that does not exist (its foreign key).
    static func logModelMetrics(_ metrics: [Metric], run: RunRow, _ db: any SQLWriteConnection) throws {
        for m in metrics {
            guard let modelID = m.modelID else { continue }
            let value = sanitized(m.value).value
            let existing = try db.query("""
                SELECT metric_value, dataset_name, dataset_digest FROM logged_model_metrics
                WHERE model_id = ? AND metric_name = ? AND metric_timestamp_ms = ? AND metric_step = ? AND run_id = ?
                """, [.text(modelID), .text(m.key), .int(m.timestamp), .int(m.step), .text(run.runID)],
                columns: { c in (try c["metric_value"], try c["dataset_name"], try c["dataset_digest"]) }) { row, c in
                (row.isNull(c.0) ? nil : row.double(c.0), row.optionalText(c.1), row.optionalText(c.2))
            }.first
            if let existing, existing.0 == value, existing.1 == m.datasetName, existing.2 == m.datasetDigest { continue }
            try db.run("""
                INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value,
                                                  experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
                """, [.text(modelID), .text(m.key), .int(m.timestamp), .int(m.step), .double(value),
                      .int(run.experimentID), .text(run.runID), m.datasetName.map(SQLValue.text) ?? .null,
                      m.datasetDigest.map(SQLValue.text) ?? .null])
        }
    }

    /// The id of the experiment's dataset with this name and digest, inserting it when new.
    static func dataset(_ d: Dataset, experimentID: Int64, _ db: any SQLWriteConnection) throws -> String {
        if let id = try db.values("SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?",
                                  [.int(experimentID), .text(d.name), .text(d.digest)], { $0.text($1) }).first {
            return id
        }
        let id = newID()
        try db.run("""
            INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .int(experimentID), .text(d.name), .text(d.digest), .text(d.sourceType), .text(d.source),
                  d.schema.map(SQLValue.text) ?? .null, d.profile.map(SQLValue.text) ?? .null])
        return id
    }
}

/// A `latest_metrics` row as MLflow compares it: by (step, timestamp, value), NaN stored as 0.
struct LatestMetric {
    var step: Int64
    var timestamp: Int64
    var value: Double
    var isNaN: Bool

    func isLater(than other: LatestMetric) -> Bool {
        (step, timestamp, value) > (other.step, other.timestamp, other.value)
    }
}
