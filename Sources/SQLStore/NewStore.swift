import Foundation
import Tracking

/// A new SQLite tracking store as MLflow 3.17.2 makes one on first use (`SqlAlchemyStore.__init__`:
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
            try db.run("INSERT INTO alembic_version (version_num) VALUES (?)", [.text(MLflowSchema.alembicHead)])
            try db.run("INSERT INTO workspaces (name, description) VALUES ('default', 'Default workspace for legacy resources')")
            let now = SQLiteWriter.now()
            try db.run("""
                INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
                VALUES (0, 'Default', ?, 'active', ?, ?, 'default')
                """, [.text(SQLiteWriter.appendToURIPath(artifactRoot, "0")), .int(now), .int(now)])
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
}
