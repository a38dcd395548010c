import Foundation
import Tracking

/// Logged models (`SqlAlchemyStore.create_logged_model` … `delete_logged_model_tag`): what
/// MLflow 3.x's client writes when a model is logged.
extension SQLWriter {
    public func createLoggedModel(_ request: LoggedModelCreation) async throws -> LoggedModel {
        try WriteValidation.loggedModelName(request.name)
        let modelID = "m-" + Self.newID()
        try await write { db in
            let experiment = try Self.activeExperiment(request.experimentID, db)
            let now = Self.now()
            try db.run("""
                INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
                                           last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL)
                """, [.text(modelID), .int(experiment.id), .text(request.name ?? GeneratedNames.random()),
                      .text(Self.appendToURIPath(experiment.artifactLocation, "models", modelID, "artifacts")),
                      .int(now), .int(now), .int(LoggedModelStatus.pending.number), request.modelType.map(SQLValue.text) ?? .null,
                      request.sourceRunID.map(SQLValue.text) ?? .null])
            try Self.insertModelParams(request.params, modelID: modelID, experimentID: experiment.id, db)
            for tag in request.tags {
                try db.run("INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)",
                           [.text(modelID), .int(experiment.id), .text(tag.key), .text(tag.value)])
            }
        }
        return try await loggedModel(modelID, includeDeleted: true)
    }

    public func getLoggedModel(id: String) async throws -> LoggedModel {
        try await loggedModel(id, includeDeleted: false)
    }

    public func finalizeLoggedModel(id: String, status: LoggedModelStatus) async throws -> LoggedModel {
        try await write { db in
            _ = try Self.loggedModelExperiment(id, db)
            try db.run("UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?",
                       [.int(status.number), .int(Self.now()), .text(id)])
        }
        return try await loggedModel(id, includeDeleted: true)
    }

    public func deleteLoggedModel(id: String) async throws {
        try await write { db in
            _ = try Self.loggedModelExperiment(id, db)
            try db.run("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ?",
                       [.int(Self.now()), .text(id)])
        }
    }

    /// A key given twice keeps its last value.
    public func setLoggedModelTags(id: String, tags: [Tag]) async throws {
        try await write { db in
            let experimentID = try Self.loggedModelExperiment(id, db)
            for tag in tags {
                try db.run("""
                    INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)
                    ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value
                    """,
                           [.text(id), .int(experimentID), .text(tag.key), .text(tag.value)])
            }
        }
    }

    public func deleteLoggedModelTag(id: String, key: String) async throws {
        try await write { db in
            _ = try Self.loggedModelExperiment(id, db)
            let deleted = try db.run("DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?", [.text(id), .text(key)])
            guard deleted > 0 else {
                throw MLflowError.notFound("No tag with key \(PythonText.repr(key)) found for model with ID \(PythonText.repr(id)).")
            }
        }
    }

    public func logLoggedModelParams(id: String, params: [Param]) async throws {
        try await write { db in
            let experimentID = try Self.loggedModelExperiment(id, db)
            try Self.insertModelParams(params, modelID: id, experimentID: experimentID, db)
        }
    }

    // MARK: rows

    static func insertModelParams(_ params: [Param], modelID: String, experimentID: Int64, _ db: any SQLWriteConnection) throws {
        for p in params {
            try db.run("INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)",
                       [.text(modelID), .int(experimentID), .text(p.key), .text(p.value)])
        }
    }

    /// `_get_logged_model_record`: the model's experiment; deleted models count too.
    static func loggedModelExperiment(_ id: String, _ db: any SQLWriteConnection) throws -> Int64 {
        guard let experimentID = try db.values("SELECT experiment_id FROM logged_models WHERE model_id = ?", [.text(id)],
                                               { $0.int($1) }).first else {
            throw MLflowError.notFound("Logged model with ID '\(id)' not found.")
        }
        return experimentID
    }

    /// `get_logged_model` (`SqlLoggedModel.to_mlflow_entity`): the model with its tags, params
    /// and metrics, read on the writer's connection so it includes the write just made.
    func loggedModel(_ id: String, includeDeleted: Bool) async throws -> LoggedModel {
        try await readBack { db in try SQLTrackingStore.loggedModel(id, allowDeleted: includeDeleted, db) }
    }
}

/// The columns of a `logged_models` row, by name.
struct LoggedModelColumns {
    let id, experimentID, name, artifactLocation, created, updated, status, modelType, sourceRunID, statusMessage: SQLColumn

    init(_ c: SQLColumns) throws {
        id = try c["model_id"]; experimentID = try c["experiment_id"]; name = try c["name"]
        artifactLocation = try c["artifact_location"]; created = try c["creation_timestamp_ms"]
        updated = try c["last_updated_timestamp_ms"]; status = try c["status"]; modelType = try c["model_type"]
        sourceRunID = try c["source_run_id"]; statusMessage = try c["status_message"]
    }

    func model(_ row: SQLRow) -> LoggedModel {
        LoggedModel(modelID: row.text(id), experimentID: String(row.int(experimentID)), name: row.text(name),
                    artifactLocation: row.text(artifactLocation), creationTimestamp: row.int(created),
                    lastUpdatedTimestamp: row.int(updated), modelType: row.optionalText(modelType),
                    sourceRunID: row.optionalText(sourceRunID), status: LoggedModelStatus(number: row.int(status)),
                    statusMessage: row.optionalText(statusMessage))
    }
}
