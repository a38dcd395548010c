import Tracking

/// What the database offers beyond the columns every supported schema has. Older MLflow
/// schemas lack some columns (added by `mlflow/store/db_migrations/versions/`); we read around
/// them rather than refuse.
struct SchemaFeatures: Equatable {
    var runName = true          // runs.name (NULL in rows written by MLflow <= 1.29)
    var metricIsNaN = true      // metrics.is_nan, latest_metrics.is_nan
    var metricStep = true       // metrics.step
    var experimentTimes = true  // experiments.creation_time, last_update_time
    var datasets = true         // datasets, inputs, input_tags tables
    var inputStep = true        // inputs.step (model outputs)
    var workspace = true        // experiments.workspace (MLflow 3.x multi-tenancy)
    var loggedModels = true     // logged_models and its tags, params, metrics (MLflow 3.0)
    var registry = true         // registered_models, model_versions and their tags
    var registryWorkspace = true  // registered_models.workspace and the other registry tables'
    var aliases = true          // registered_model_aliases (MLflow 2.3)
    /// An index of `metrics` led by run_uuid, for one run's history. Without ANALYZE statistics
    /// SQLite prefers the (key, …) primary key, which scans that key's rows of every run.
    var metricHistoryIndex: String?
    /// The engine the SQL is written for (where SQLite's and PostgreSQL's differ).
    var dialect = SQLDialect.sqlite
}

/// Reads `alembic_version` and the columns we query, and decides whether this reader may
/// answer for the database. An unknown revision is refused: we would risk wrong answers.
enum SchemaCheck {
    static let head = "dc11669786a5"

    /// Every revision in MLflow 3.17.2's `store/db_migrations/versions`, oldest first.
    static let knownRevisions = [
        "451aebb31d03", "90e64c465722", "181f10493468", "df50e92ffc5e", "7ac759974ad8",
        "89d4b8295536", "2b4d017a5e9b", "cfd24bdc0731", "0a8213491aaa", "728d730b5ebd",
        "27a6a02d2cf1", "84291f40a231", "a8c4a736bde6", "39d1c3be5f05", "c48cb773bb87",
        "bd07f7e963c5", "0c779009ac13", "cc1f77228345", "97727af70f4d", "3500859a5d39",
        "7f2a7d5fae7d", "2d6e25af4d3e", "acf3f17fdcc7", "867495a8f9d4", "5b0e9adcef9c",
        "4465047574b1", "f5a4f2784254", "0584bdc529eb", "400f98739977", "6953534de441",
        "bda7b8c39065", "cbc13b556ace", "770bee3ae1dd", "a1b2c3d4e5f6", "de4033877273",
        "1a0cddfcaa16", "534353b11cbc", "71994744cf8e", "3da73c924c2f", "bf29a5ff90ea",
        "1bd49d398cd23", "b7c8d9e0f1a2", "5d2d30f0abce", "c9d4e5f6a7b8", "2c33131f4dae",
        "d3e4f5a6b7c8", "d0e1f2a3b4c5", "c8d9e0f1a2b3", "1b5f0d9ad7c1", "e1f2a3b4c5d6",
        "76601a5f987d", "c3d6457b6d8a", "a5b4c3d2e1f0", "ae8bbe7743c9", "7d34483879f0",
        "da6fb0208061", "89d3d66ed43f", "b7e4c1a90f23", "a8b9c0d1e2f3", "c1d2e3f4a5b6",
        "c3d9e7f1a2b4", "6f8d9c3b2a1e", "1971f2d9a75b", "17e22815139b", "b7e2c1a4d9f3",
        "75868b020152", "dc11669786a5",
    ]

    /// Columns without which no answer can be right.
    static let required: [String: [String]] = [
        "experiments": ["experiment_id", "name", "artifact_location", "lifecycle_stage"],
        "experiment_tags": ["key", "value", "experiment_id"],
        "runs": ["run_uuid", "experiment_id", "user_id", "status", "start_time", "end_time",
                 "artifact_uri", "lifecycle_stage"],
        "tags": ["key", "value", "run_uuid"],
        "params": ["key", "value", "run_uuid"],
        "metrics": ["key", "value", "timestamp", "run_uuid"],
        "latest_metrics": ["key", "value", "timestamp", "step", "is_nan", "run_uuid"],
    ]

    /// The revision that created each required table not in MLflow's first schema
    /// (`store/db_migrations/versions/df50e92ffc5e_add_experiment_tags_table.py`,
    /// `89d4b8295536_create_latest_metrics_table.py`): a database older than that lacks it
    /// rightly; a newer one that lacks it, or any table of the first schema, is damaged.
    static let createdAt = ["experiment_tags": "df50e92ffc5e", "latest_metrics": "89d4b8295536"]

    static func check(_ db: any SQLConnection, uri: String) throws -> (SchemaFeatures, String) {
        let tables = Set(try tableNames(db))
        guard tables.contains("alembic_version") || tables.contains("runs") || tables.contains("experiments") else {
            let engine = db.dialect == .sqlite ? "an SQLite" : "a PostgreSQL"
            throw MLflowError.invalidParameter("\(uri) is \(engine) database but not an MLflow tracking store (no alembic_version/runs/experiments tables)")
        }
        for table in ["alembic_version", "experiments", "runs"] where !tables.contains(table) {
            throw MLflowError(.invalidState, "\(uri) has no table '\(table)': not an MLflow tracking store, or a damaged one")
        }
        let versions = try db.values("SELECT version_num FROM alembic_version") { $0.text($1) }
        guard let version = versions.first, versions.count == 1 else {
            throw MLflowError(.invalidState, "\(uri) has \(versions.count) rows in alembic_version; expected one MLflow schema version")
        }
        guard knownRevisions.contains(version) else {
            throw MLflowError(.invalidState, "unknown MLflow schema version '\(version)' in \(uri) (mltui knows up to \(head), MLflow 3.17.2)")
        }
        var columns: [String: Set<String>] = [:]
        for table in tables { columns[table] = Set(try columnNames(table, db)) }
        let age = knownRevisions.firstIndex(of: version)!
        for (table, needed) in required.sorted(by: { $0.key < $1.key }) {
            guard let have = columns[table] else {
                if let since = createdAt[table], age < knownRevisions.firstIndex(of: since)! {
                    throw MLflowError(.invalidState, "schema version \(version) of \(uri) is older than mltui supports (no table '\(table)'); run 'mlflow db upgrade \(uri)'")
                }
                throw MLflowError(.invalidState, "\(uri) has no table '\(table)', which its MLflow schema version \(version) has: the database is damaged")
            }
            let missing = needed.filter { !have.contains($0) }
            if !missing.isEmpty {
                throw MLflowError(.invalidState, "table '\(table)' of \(uri) has no column \(missing.map { "'\($0)'" }.joined(separator: ", ")), which its MLflow schema version \(version) has: the database is damaged")
            }
        }
        var features = SchemaFeatures()
        features.runName = columns["runs"]!.contains("name")
        features.metricIsNaN = columns["metrics"]!.contains("is_nan")
        features.metricStep = columns["metrics"]!.contains("step")
        features.experimentTimes = columns["experiments"]!.isSuperset(of: ["creation_time", "last_update_time"])
        features.workspace = columns["experiments"]!.contains("workspace")
        features.datasets = ["datasets", "inputs", "input_tags"].allSatisfy(tables.contains)
        features.inputStep = columns["inputs"]?.contains("step") ?? false
        features.loggedModels = ["logged_models", "logged_model_tags", "logged_model_params", "logged_model_metrics"].allSatisfy(tables.contains)
        features.registry = ["registered_models", "model_versions", "registered_model_tags", "model_version_tags"].allSatisfy(tables.contains)
        features.registryWorkspace = ["registered_models", "model_versions", "registered_model_tags", "model_version_tags"]
            .allSatisfy { columns[$0]?.contains("workspace") ?? false }
        features.aliases = tables.contains("registered_model_aliases")
        features.dialect = db.dialect
        if db.dialect == .sqlite {
            let indexes = Set(try db.values("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'metrics'") { $0.text($1) })
            features.metricHistoryIndex = ["index_metrics_run_uuid_key_step", "index_metrics_run_uuid"].first(where: indexes.contains)
        }
        return (features, version)
    }

    /// The tables of the database (PostgreSQL: those its search_path makes visible, as
    /// SQLAlchemy finds them).
    private static func tableNames(_ db: any SQLConnection) throws -> [String] {
        switch db.dialect {
        case .sqlite:
            return try db.values("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text($1) }
        case .postgres:
            // The tables the store's unqualified names resolve to: those visible on search_path.
            return try db.values("SELECT c.relname::text FROM pg_class c WHERE c.relkind IN ('r', 'p', 'v') AND pg_table_is_visible(c.oid)") { $0.text($1) }
        }
    }

    private static func columnNames(_ table: String, _ db: any SQLConnection) throws -> [String] {
        switch db.dialect {
        case .sqlite:
            // Table names come from sqlite_master, not from input; PRAGMA takes no parameters.
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            return try db.query("PRAGMA table_info(\(quoted))", columns: { try $0["name"] }) { $0.text($1) }
        case .postgres:
            return try db.values("""
                SELECT a.attname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relname = ? AND pg_table_is_visible(c.oid) AND a.attnum > 0 AND NOT a.attisdropped
                """, [.text(table)]) { $0.text($1) }
        }
    }
}
