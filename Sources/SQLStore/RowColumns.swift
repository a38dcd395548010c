/// The columns each kind of row is read from, found by name once per statement
/// (`SQLConnection.query`'s `columns:`); the names are those of MLflow's tables
/// (`mlflow/store/tracking/dbmodels/models.py`) or the AS aliases of the SELECTs here.

/// `experiments` (`SqlExperiment`).
struct ExperimentColumns {
    let id, name, artifactLocation, stage, creationTime, lastUpdateTime, workspace: SQLColumn

    init(_ c: SQLColumns) throws {
        (id, name, artifactLocation, stage) = try (c["experiment_id"], c["name"], c["artifact_location"], c["lifecycle_stage"])
        (creationTime, lastUpdateTime, workspace) = try (c["creation_time"], c["last_update_time"], c["workspace"])
    }
}

/// `runs` as `RunSearchSQL.runColumns` selects them (`SqlRun`).
struct RunInfoColumns {
    let runID, name, experimentID, userID, status, startTime, endTime, artifactURI, stage: SQLColumn

    init(_ c: SQLColumns) throws {
        (runID, name, experimentID, userID, status) = try (c["run_uuid"], c["name"], c["experiment_id"], c["user_id"], c["status"])
        (startTime, endTime, artifactURI, stage) = try (c["start_time"], c["end_time"], c["artifact_uri"], c["lifecycle_stage"])
    }
}

/// A metric's value, timestamp, step and is_nan (`metrics`, `latest_metrics`).
struct MetricColumns {
    let value, timestamp, step, isNaN: SQLColumn

    init(_ c: SQLColumns) throws {
        (value, timestamp, step, isNaN) = try (c["value"], c["timestamp"], c["step"], c["is_nan"])
    }
}

/// A run's key-value rows (`params`, `tags`).
struct KeyValueColumns {
    let run, key, value: SQLColumn

    init(_ c: SQLColumns) throws {
        (run, key, value) = try (c["run_uuid"], c["key"], c["value"])
    }
}

/// A run's dataset inputs with their tags (`inputs` joined to `datasets` and `input_tags`).
struct DatasetColumns {
    let run, uuid, name, digest, sourceType, source, schema, profile, tagKey, tagValue: SQLColumn

    init(_ c: SQLColumns) throws {
        (run, uuid, name, digest, sourceType) = try (c["destination_id"], c["dataset_uuid"], c["name"], c["digest"], c["dataset_source_type"])
        (source, schema, profile, tagKey, tagValue) = try (c["dataset_source"], c["dataset_schema"], c["dataset_profile"], c["tag_key"], c["tag_value"])
    }
}
