import Foundation
import Tracking

/// The columns of an experiment a write checks.
struct ExperimentRow {
    var id: Int64
    var artifactLocation: String
    var lifecycleStage: String
}

/// Experiment writes (`SqlAlchemyStore.create_experiment` … `delete_experiment_tag`).
extension SQLWriter {
    public func createExperiment(name: String, artifactLocation: String?, tags: [Tag]) async throws -> String {
        try WriteValidation.experimentName(name)
        var location = artifactLocation.flatMap { $0.isEmpty ? nil : $0 }
        if let given = location {
            location = Self.resolveIfLocal(given)
            try WriteValidation.experimentArtifactLocationLength(location!)
        }
        for tag in tags { try WriteValidation.experimentTag(tag) }
        let root = defaultArtifactRoot, chosen = location
        return try await write { db in
            let now = Self.now()
            do {
                // SQLite's next rowid; PostgreSQL's experiments_experiment_id_seq.
                guard let id = try db.values("""
                    INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
                    VALUES (?, ?, 'active', ?, ?, 'default') RETURNING experiment_id
                    """, [.text(name), chosen.map(SQLValue.text) ?? .null, .int(now), .int(now)], { $0.int($1) }).first else {
                    throw MLflowError(.internalError, "creating experiment \(name) returned no id")
                }
                if chosen == nil {
                    try db.run("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
                               [.text(Self.appendToURIPath(root, String(id))), .int(id)])
                }
                for tag in tags {
                    try db.run("INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)",
                               [.text(tag.key), .text(tag.value), .int(id)])
                }
                return String(id)
            } catch let error as SQLiteError where error.isConstraint {
                // SqlAlchemyStore.create_experiment turns the IntegrityError into this.
                throw MLflowError(.resourceAlreadyExists,
                                  "Experiment(name=\(name)) already exists. Error: (sqlite3.IntegrityError) \(error.message)")
            } catch let error as PostgresError where error.sqlState?.hasPrefix("23") == true {
                throw MLflowError(.resourceAlreadyExists,
                                  "Experiment(name=\(name)) already exists. Error: (\(error.psycopgName)) \(error.serverMessage)")
            }
        }
    }

    public func renameExperiment(id: String, newName: String) async throws {
        try WriteValidation.experimentName(newName)
        try await write { db in
            let experiment = try Self.experiment(id, stages: ["active", "deleted"], db)
            guard experiment.lifecycleStage == "active" else {
                throw MLflowError(.invalidState, "Cannot rename a non-active experiment.")
            }
            // A name taken by another experiment breaks a constraint: BAD_REQUEST, as in MLflow.
            try db.run("UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
                       [.text(newName), .int(Self.now()), .int(experiment.id)])
        }
    }

    /// Deletes the experiment and marks every run in it deleted (`_mark_run_deleted`).
    public func deleteExperiment(id: String) async throws {
        try await write { db in
            let experiment = try Self.experiment(id, stages: ["active"], db)
            let now = Self.now()
            try db.run("UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?",
                       [.int(now), .int(experiment.id)])
            let runs = try db.values("SELECT run_uuid FROM runs WHERE experiment_id = ?", [.int(experiment.id)]) { $0.text($1) }
            for run in runs { try Self.markRunDeleted(run, at: now, db) }
        }
    }

    public func restoreExperiment(id: String) async throws {
        try await write { db in
            let experiment = try Self.experiment(id, stages: ["deleted"], db)
            try db.run("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?",
                       [.int(Self.now()), .int(experiment.id)])
            try db.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ?",
                       [.int(experiment.id)])
        }
    }

    public func setExperimentTag(experimentID: String, key: String, value: String) async throws {
        try WriteValidation.experimentTag(Tag(key, value))
        try await write { db in
            let experiment = try Self.activeExperiment(experimentID, db)
            try db.run("""
                INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)
                ON CONFLICT (key, experiment_id) DO UPDATE SET value = excluded.value
                """,
                       [.text(key), .text(value), .int(experiment.id)])
        }
    }

    public func deleteExperimentTag(experimentID: String, key: String) async throws {
        try await write { db in
            let experiment = try Self.activeExperiment(experimentID, db)
            let deleted = try db.run("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?",
                                     [.int(experiment.id), .text(key)])
            guard deleted > 0 else {
                throw MLflowError.notFound("No tag with name: \(key) in experiment with id \(experimentID)")
            }
        }
    }

    // MARK: checks

    /// `_get_experiment`: the experiment in one of `stages`, else RESOURCE_DOES_NOT_EXIST. An
    /// empty id means the Default experiment, as in MLflow.
    static func experiment(_ id: String, stages: [String], _ db: any SQLWriteConnection) throws -> ExperimentRow {
        let number = try parseExperimentID(id.isEmpty ? "0" : id)
        let placeholders = stages.map { _ in "?" }.joined(separator: ", ")
        let found = try db.query(
            "SELECT experiment_id, artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ? AND lifecycle_stage IN (\(placeholders))",
            [.int(number)] + stages.map(SQLValue.text),
            columns: { c in (try c["experiment_id"], try c["artifact_location"], try c["lifecycle_stage"]) }
        ) { row, c in ExperimentRow(id: row.int(c.0), artifactLocation: row.text(c.1), lifecycleStage: row.text(c.2)) }
        guard let experiment = found.first else { throw MLflowError.notFound("No Experiment with id=\(number) exists") }
        return experiment
    }

    /// An experiment of any stage that must be active (`_check_experiment_is_active`).
    static func activeExperiment(_ id: String, _ db: any SQLWriteConnection) throws -> ExperimentRow {
        let experiment = try experiment(id, stages: ["active", "deleted"], db)
        guard experiment.lifecycleStage == "active" else {
            throw MLflowError.invalidParameter(
                "The experiment \(experiment.id) must be in the 'active' state. Current state is \(experiment.lifecycleStage).")
        }
        return experiment
    }

    /// `_mark_run_deleted`: the run and the assessments it is the source of.
    static func markRunDeleted(_ runID: String, at time: Int64, _ db: any SQLWriteConnection) throws {
        try db.run("DELETE FROM assessments WHERE assessment_metadata LIKE ?",
                   [.text("%\"mlflow.assessment.sourceRunId\": \"\(runID)\"%")])
        try db.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?",
                   [.int(time), .text(runID)])
    }
}
