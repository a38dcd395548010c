import Foundation
import Tracking

/// The columns of a run a write checks.
struct RunRow {
    var runID: String
    var experimentID: Int64
    var status: String
    var endTime: Int64?
    var lifecycleStage: String
}

/// Run writes (`SqlAlchemyStore.create_run` … `delete_tag`).
extension SQLWriter {
    public func createRun(_ request: RunCreation) async throws -> Run {
        let runID = Self.newID()
        return try await write { db in
            let experiment = try Self.activeExperiment(request.experimentID, db)
            let artifactURI = Self.appendToURIPath(experiment.artifactLocation, runID, "artifacts")
            var tags = request.tags
            let tagName = tags.first { $0.key == "mlflow.runName" }?.value
            let given = request.runName.flatMap { $0.isEmpty ? nil : $0 }
            if let given, let tagName, !tagName.isEmpty, given != tagName {
                throw MLflowError.invalidParameter(
                    "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values "
                        + "(run_name='\(given)', mlflow.runName='\(tagName)').")
            }
            let name = given ?? tagName.flatMap { $0.isEmpty ? nil : $0 } ?? GeneratedNames.random()
            if (tagName ?? "").isEmpty { tags.append(Tag("mlflow.runName", name)) }
            try db.run("""
                INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                                  end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
                VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)
                """, [.text(runID), .text(name), .text(request.userID), request.startTime.map(SQLValue.int) ?? .null,
                      .text(artifactURI), .int(experiment.id)])
            // A key given twice (or an empty `mlflow.runName` besides the name MLflow adds) breaks
            // the tags key, as in MLflow.
            for tag in tags {
                try db.run("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
                           [.text(tag.key), .text(tag.value), .text(runID)])
            }
            let info = RunInfo(runID: runID, experimentID: String(experiment.id), runName: name, userID: request.userID,
                               status: .running, startTime: request.startTime, endTime: nil, artifactURI: artifactURI,
                               lifecycleStage: .active)
            return Run(info: info, data: RunData(tags: tags))
        }
    }

    public func updateRun(id: String, status: RunStatus?, endTime: Int64?, runName: String?) async throws -> RunInfo {
        try await write { db in
            let run = try Self.activeRun(id, db)
            try Self.updateRunInfo(run, status: status?.rawValue, endTime: endTime, runName: runName, db)
        }
        return try await store.getRun(id: id).info
    }

    /// `update_run_info`: nil leaves a field; an empty name changes nothing, as in MLflow.
    static func updateRunInfo(_ run: RunRow, status: String?, endTime: Int64?, runName: String?, _ db: any SQLWriteConnection) throws {
        if let status { try db.run("UPDATE runs SET status = ? WHERE run_uuid = ?", [.text(status), .text(run.runID)]) }
        if let endTime { try db.run("UPDATE runs SET end_time = ? WHERE run_uuid = ?", [.int(endTime), .text(run.runID)]) }
        if let runName, !runName.isEmpty {
            try db.run("UPDATE runs SET name = ? WHERE run_uuid = ?", [.text(runName), .text(run.runID)])
            try upsertTag(Tag("mlflow.runName", runName), runID: run.runID, db)
        }
    }

    /// Deleting a run that is already deleted sets its deletion time again, as MLflow does.
    public func deleteRun(id: String) async throws {
        try await write { db in
            let run = try Self.run(id, db)
            try Self.markRunDeleted(run.runID, at: Self.now(), db)
        }
    }

    public func restoreRun(id: String) async throws {
        try await write { db in
            let run = try Self.run(id, db)
            try db.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?", [.text(run.runID)])
        }
    }

    public func setTag(runID: String, tag: Tag) async throws {
        let tag = try WriteValidation.tag(tag)
        try await write { db in
            let run = try Self.activeRun(runID, db)
            try Self.setTags([tag], on: run, db)
        }
    }

    /// `_set_tags`: `mlflow.runName` renames the run (`update_run_info`); other keys are upserted,
    /// a key given twice keeping its last value.
    static func setTags(_ tags: [Tag], on run: RunRow, _ db: any SQLWriteConnection) throws {
        for tag in tags {
            if tag.key == "mlflow.runName" {
                try updateRunInfo(run, status: nil, endTime: nil, runName: tag.value, db)
            } else {
                try upsertTag(tag, runID: run.runID, db)
            }
        }
    }

    /// `session.merge` of a tag: its row updated in place when the key is there, else inserted.
    static func upsertTag(_ tag: Tag, runID: String, _ db: any SQLWriteConnection) throws {
        try db.run("""
            INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)
            ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value
            """, [.text(tag.key), .text(tag.value), .text(runID)])
    }

    public func deleteTag(runID: String, key: String) async throws {
        try await write { db in
            let run = try Self.activeRun(runID, db)
            let deleted = try db.run("DELETE FROM tags WHERE run_uuid = ? AND key = ?", [.text(run.runID), .text(key)])
            guard deleted > 0 else { throw MLflowError.notFound("No tag with name: \(key) in run with id \(runID)") }
        }
    }

    // MARK: checks

    /// `_get_run`: the run in any stage, else RESOURCE_DOES_NOT_EXIST.
    static func run(_ id: String, _ db: any SQLWriteConnection) throws -> RunRow {
        let found = try db.query(
            "SELECT run_uuid, experiment_id, status, end_time, lifecycle_stage FROM runs WHERE run_uuid = ?", [.text(id)],
            columns: { c in (try c["run_uuid"], try c["experiment_id"], try c["status"], try c["end_time"], try c["lifecycle_stage"]) }
        ) { row, c in
            RunRow(runID: row.text(c.0), experimentID: row.int(c.1), status: row.text(c.2), endTime: row.optionalInt(c.3),
                   lifecycleStage: row.text(c.4))
        }
        guard let run = found.first else { throw MLflowError.notFound("Run with id=\(id) not found") }
        return run
    }

    /// A run that must be active (`_check_run_is_active`).
    static func activeRun(_ id: String, _ db: any SQLWriteConnection) throws -> RunRow {
        let run = try run(id, db)
        guard run.lifecycleStage == "active" else {
            throw MLflowError.invalidParameter(
                "The run \(run.runID) must be in the 'active' state. Current state is \(run.lifecycleStage).")
        }
        return run
    }
}
