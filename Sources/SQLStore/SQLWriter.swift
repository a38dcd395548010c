import CSQLite
import Foundation
import Tracking

/// An MLflow SQL store (SQLite or PostgreSQL) opened for writing, with `SqlAlchemyStore`'s
/// semantics (rows, defaults, validation, errors). Reads go through a read-only
/// `SQLTrackingStore`; writes through one read-write connection opened only here, in short
/// transactions that writes arriving together share (`WriteQueue`), so a reader (mltui's or
/// MLflow's) never sees half of a write. The SQL is one text for both engines (upserts as
/// `ON CONFLICT`, new ids by `RETURNING`, Booleans bound as `SQLValue.bool`).
/// SQLite readers' caches key on `PRAGMA data_version`, which every commit of another connection
/// bumps, so nothing stale is served after a write; PostgreSQL readers cache nothing.
public final class SQLWriter: TrackingWriter, Sendable {
    public let store: SQLTrackingStore
    /// The root new experiments keep artifacts under: `<root>/<experiment id>`.
    public let defaultArtifactRoot: String
    private let queue: WriteQueue

    /// How long a write waits for another writer's lock. MLflow's pysqlite waits 5 s and then
    /// fails with "database is locked"; many clients of one server and a training job writing the
    /// same file at once can queue longer than that, and a write that waits is better than one
    /// that is lost, so this waits up to 60 s. Each transaction itself stays short.
    static let busyTimeoutMs: Int32 = 60_000

    public var uri: String { store.uri }

    /// Opens the database at `path` to write. `create`: a missing file becomes a new store with
    /// MLflow's schema and the Default experiment (`mlflow server`'s first start).
    /// `defaultArtifactRoot` nil: `./mlruns` under the current directory, as MLflow's client
    /// resolves it when it writes an `sqlite:///` store directly.
    public init(path: String, create: Bool = false, defaultArtifactRoot: String? = nil,
                warn: @escaping @Sendable (String) -> Void) throws {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let root = Self.resolveIfLocal(defaultArtifactRoot ?? "./mlruns")
        self.defaultArtifactRoot = root
        let db: SQLiteConnection
        do {
            if create && !FileManager.default.fileExists(atPath: absolute) {
                db = try NewStore.create(at: absolute, artifactRoot: root, busyTimeoutMs: Self.busyTimeoutMs)
            } else {
                guard FileManager.default.fileExists(atPath: absolute) else {
                    throw MLflowError.notFound("no MLflow database at \(absolute): file does not exist")
                }
                db = try SQLiteConnection(readWritePath: absolute, create: false, busyTimeoutMs: Self.busyTimeoutMs)
            }
            try Self.prepare(db)
        } catch {
            throw SQLTrackingStore.mlflowError(error, path: absolute)
        }
        queue = WriteQueue(db) {
            let db = try SQLiteConnection(readWritePath: absolute, create: false, busyTimeoutMs: Self.busyTimeoutMs)
            try Self.prepare(db)
            return db
        }
        store = try SQLTrackingStore(path: absolute, warn: warn)
        try Self.requireHead(store)
    }

    /// MLflow runs these on every SQLite session (`_get_managed_session_maker`); they change this
    /// connection only: LIKE as MLflow compares, and foreign keys enforced as MLflow's writes see them.
    private static func prepare(_ db: SQLiteConnection) throws {
        try db.execute("PRAGMA case_sensitive_like = ON")
        try db.execute("PRAGMA foreign_keys = ON")
        db.keepStatementsPrepared()
    }

    /// Opens MLflow's PostgreSQL database at `target` to write. `create`: a database without
    /// MLflow's tables gets MLflow's schema and the Default experiment, as `mlflow server` makes
    /// them on first start (the database itself must exist, as for MLflow). Replicas starting
    /// together make it once (`NewStore.createIfEmpty`).
    public init(postgres target: PostgresTarget, create: Bool = false, defaultArtifactRoot: String? = nil,
                warn: @escaping @Sendable (String) -> Void) throws {
        let root = Self.resolveIfLocal(defaultArtifactRoot ?? "./mlruns")
        self.defaultArtifactRoot = root
        let db: PostgresConnection
        do {
            db = try PostgresConnection(target)
            if create { try NewStore.createIfEmpty(db, artifactRoot: root) }
        } catch {
            throw Self.writeError(error, path: target.redacted)
        }
        queue = WriteQueue(db) { try PostgresConnection(target) }
        store = try SQLTrackingStore(postgres: target, warn: warn)
        try Self.requireHead(store)
    }

    /// MLflow refuses to write a database its migrations have not brought to the head
    /// (`mlflow/store/db/utils.py` `_verify_schema`); so does this, in MLflow's words.
    private static func requireHead(_ store: SQLTrackingStore) throws {
        guard store.schemaVersion != MLflowSchema.alembicHead else { return }
        throw MLflowError(.internalError,
            "Detected out-of-date database schema (found version \(store.schemaVersion), but expected "
                + "\(MLflowSchema.alembicHead)). Take a backup of your database, then run 'mlflow db upgrade "
                + "<database_uri>' to migrate your database to the latest version. NOTE: schema migration may "
                + "result in database downtime - please consult your database's documentation for more detail.")
    }

    /// Runs `body` in a write transaction on the writer's connection, off the caller's thread,
    /// possibly together with other callers' writes (`WriteQueue`: group commit).
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLWriteConnection) throws -> T) async throws -> T {
        let path = store.path
        return try await queue.write(body, mapError: { Self.writeError($0, path: path) })
    }

    /// Reads on the writer's connection (what a write just returned), in its turn among the writes.
    func readBack<T: Sendable>(_ body: @escaping @Sendable (any SQLWriteConnection) throws -> T) async throws -> T {
        try await write(body)
    }

    /// What MLflow's managed session makes of a database error (`mlflow/store/db/utils.py`
    /// `_get_managed_session_maker`): a broken constraint is BAD_REQUEST with the driver's words;
    /// on PostgreSQL an `OperationalError` (connection, timeout, deadlock) is
    /// TEMPORARILY_UNAVAILABLE and any other database error BAD_REQUEST.
    static func writeError(_ error: Error, path: String) -> MLflowError {
        if let e = error as? PostgresError {
            if e.isOperational { return MLflowError(.temporarilyUnavailable, "writing \(path) failed: \(e.message)") }
            return MLflowError(.badRequest, "(\(e.psycopgName)) \(e.serverMessage)")
        }
        if let e = error as? SQLiteError, e.isConstraint {
            return MLflowError(.badRequest, "(sqlite3.IntegrityError) \(e.message)")
        }
        if let e = error as? SQLiteError, e.isBusy {
            return MLflowError(.temporarilyUnavailable, "\(path) stayed locked by another writer for over \(busyTimeoutMs / 1000) s; try again")
        }
        if let e = error as? SQLiteError, !e.isNotADatabase, e.code & 0xff != SQLITE_CANTOPEN {
            return MLflowError(.internalError, "writing \(path) failed: \(e.message)")
        }
        return SQLTrackingStore.mlflowError(error, path: path)
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `uuid.uuid4().hex`: MLflow's run and dataset ids.
    static func newID() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

    // MARK: reads, through the read-only store

    public func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> { try await store.searchExperiments(request) }
    public func getExperiment(id: String) async throws -> Experiment { try await store.getExperiment(id: id) }
    public func getExperimentByName(_ name: String) async throws -> Experiment { try await store.getExperimentByName(name) }
    public func searchRuns(_ request: RunSearch) async throws -> Page<Run> { try await store.searchRuns(request) }
    public func getRun(id: String) async throws -> Run { try await store.getRun(id: id) }
    public func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        try await store.metricHistory(runID: runID, key: key, maxResults: maxResults, pageToken: pageToken)
    }
    public func metricHistoryTail(runID: String, key: String, after held: HistoryHeld) async throws -> [Metric]? {
        try await store.metricHistoryTail(runID: runID, key: key, after: held)
    }
    public func metricSummaries(runIDs: [String], key: String, steps: Set<Int64>) async throws -> [String: MetricSummary] {
        try await store.metricSummaries(runIDs: runIDs, key: key, steps: steps)
    }
    public func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
        try await store.listArtifacts(runID: runID, path: path)
    }
    public func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
        try await store.openArtifact(runID: runID, path: path)
    }
    public func refresh() { store.refresh() }

    // MARK: URIs

    /// `mlflow/utils/uri.py` `resolve_uri_if_local`: a relative local path becomes absolute
    /// under the current directory; URIs with a scheme stay as they are.
    static func resolveIfLocal(_ uri: String) -> String {
        if uri.hasPrefix("/") || uri.contains(":") { return uri }
        let cwd = FileManager.default.currentDirectoryPath
        // pathlib's joinpath drops "." parts and repeated slashes.
        let parts = uri.split(separator: "/").filter { $0 != "." }
        return ([cwd == "/" ? "" : cwd] + parts.map(String.init)).joined(separator: "/")
    }

    /// `mlflow/utils/uri.py` `append_to_uri_path`: POSIX parts joined onto the path of `uri`,
    /// its query and fragment kept after them.
    static func appendToURIPath(_ uri: String, _ parts: String...) -> String {
        var base = Substring(uri), tail = Substring("")
        if uri.contains(":"), let cut = uri.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            base = uri[..<cut]
            tail = uri[cut...]
        }
        var path = String(base)
        for part in parts {
            let suffix = part.drop(while: { $0 == "/" })
            // A scheme with no path (`mlflow-artifacts:`) takes the part as its relative path.
            if path.isEmpty || path.hasSuffix("/") || path.hasSuffix(":") { path += suffix } else { path += "/" + suffix }
        }
        return path + tail
    }
}

