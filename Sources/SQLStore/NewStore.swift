import Foundation
import Tracking

/// A new SQL tracking store as MLflow 3.17.2 makes one on first use (`SqlAlchemyStore.__init__`:
/// `_initialize_tables` runs every migration, then `_create_default_experiment`): MLflow's
/// schema at its alembic head, the `default` workspace row the migrations insert, and the
/// Default experiment (id 0) with its artifacts under `<root>/0`.
enum NewStore {
    static func create(at path: String, artifactRoot: String, busyTimeoutMs: Int32) throws -> SQLiteConnection {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        // MLflow makes the database's parent folders (`_make_parent_dirs_if_sqlite`).
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Built in a temporary file and renamed into place, so a reader (or a crash) never meets
        // a half-made store, and two starts racing leave one whole store.
        let temporary = folder + "/." + URL(fileURLWithPath: path).lastPathComponent + ".mltui-new-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let db = try SQLiteConnection(readWritePath: temporary, create: true, busyTimeoutMs: busyTimeoutMs)
            try db.execute("BEGIN IMMEDIATE")
            try db.executeScript(MLflowSchema.statements.joined(separator: ";\n") + ";")
            try insertFirstRows(db, head: MLflowSchema.alembicHead, artifactRoot: artifactRoot)
            try db.execute("COMMIT")
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        // link(2) fails when the store appeared meanwhile: then the other one stands.
        if link(temporary, path) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw MLflowError(.internalError, "cannot create \(path): \(reason)")
        }
        try? FileManager.default.removeItem(atPath: temporary)
        return try SQLiteConnection(readWritePath: path, create: false, busyTimeoutMs: busyTimeoutMs)
    }

    /// Makes MLflow's schema in a PostgreSQL database that has none (no `alembic_version` or
    /// `experiments` on the search path), in one transaction: a reader never sees half a schema.
    /// Replicas starting together on an empty database queue on an advisory lock; the first makes
    /// the store and the others find it made.
    static func createIfEmpty(_ db: PostgresConnection, artifactRoot: String) throws {
        try db.transaction("BEGIN") {
            try db.execute("SELECT pg_advisory_xact_lock(\(postgresCreationLock))")
            // MLflow's tables without alembic_version are not an empty database: the schema check
            // reports them, rather than this failing half-way on a table that exists.
            let present = try db.values("SELECT to_regclass('alembic_version') IS NOT NULL OR to_regclass('experiments') IS NOT NULL") { $0.int($1) }.first == 1
            guard !present else { return }
            for statement in MLflowPostgresSchema.statements { try db.execute(statement) }
            try insertFirstRows(db, head: MLflowPostgresSchema.alembicHead, artifactRoot: artifactRoot)
        }
    }

    /// The advisory lock key new-store creation holds (any number, the same in every mltui).
    static let postgresCreationLock: Int64 = 0x6d6c_7475_6900

    /// The rows a new store starts with: its alembic revision, the `default` workspace and the
    /// Default experiment.
    private static func insertFirstRows(_ db: any SQLWriteConnection, head: String, artifactRoot: String) throws {
        try db.run("INSERT INTO alembic_version (version_num) VALUES (?)", [.text(head)])
        try db.run("INSERT INTO workspaces (name, description) VALUES ('default', 'Default workspace for legacy resources')")
        let now = SQLWriter.now()
        try db.run("""
            INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
            VALUES (0, 'Default', ?, 'active', ?, ?, 'default')
            """, [.text(SQLWriter.appendToURIPath(artifactRoot, "0")), .int(now), .int(now)])
    }
}
