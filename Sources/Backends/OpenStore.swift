import Foundation
import Tracking
import FileStore
import SQLStore
import RESTStore

/// Opens the store a resolved tracking URI names. Warnings about skipped files (a corrupt
/// meta.yaml, a truncated metrics line) go to `warn`, one line each.
public func openStore(_ uri: TrackingURI, warn: @escaping @Sendable (String) -> Void) throws -> any TrackingStore {
    switch uri {
    case .fileStore(let path):
        // MLflow takes any plain path for a file store; a path naming an SQLite file can only
        // mean that database, so open it rather than fail (`mltui demo/sqlite/mlflow.db`).
        if LocalFiles.isSQLiteFile(path) { return try SQLTrackingStore(path: path, warn: warn) }
        return try FileStore(root: path, warn: warn,
                             cacheDirectory: FileStore.defaultCacheDirectory(environment: ProcessInfo.processInfo.environment))
    case .sqlite(let path):
        return try SQLTrackingStore(path: path, warn: warn)
    case .postgres(let uri):
        return try SQLTrackingStore(postgres: PostgresTarget(uri: uri), warn: warn)
    case .rest(let url):
        // Auth, TLS, timeouts and retries from MLflow's environment variables
        // (`mlflow/environment_variables.py`; see `RESTConfiguration`).
        return RESTStore(url: url, configuration: try RESTConfiguration.current())
    }
}

/// The URI as it will be opened: a plain path naming an SQLite file is that database (`openStore`).
public func openedForm(_ uri: TrackingURI) -> TrackingURI {
    if case .fileStore(let path) = uri, LocalFiles.isSQLiteFile(path) { return .sqlite(path: path) }
    return uri
}

/// The tracking URI from the argument, MLFLOW_TRACKING_URI or the current directory, as MLflow
/// resolves it, else `configured` (the config file's store), with where it came from.
public func resolveTrackingURI(_ argument: String?, environment: [String: String], cwd: String,
                               configured: (() throws -> String?)? = nil) throws -> (uri: TrackingURI, origin: TrackingURI.Origin) {
    try TrackingURI.resolveWithOrigin(argument: argument, environment: environment, cwd: cwd, configured: configured,
                                      fileExists: LocalFiles.exists, directoryEntries: LocalFiles.entries)
}

/// How a store is opened for writing: `existing` refuses a store that is not there;
/// `createIfMissing` makes it as `mlflow server` does on first start (for SQLite, and for an
/// existing PostgreSQL database without MLflow's tables, MLflow's schema at its alembic head and
/// the Default experiment; for a file store, the Default experiment).
public enum WriteOpening: Sendable {
    case existing
    case createIfMissing
}

/// Opens the store a resolved tracking URI names for writing, only because the user asked to
/// change it (an edit, a CLI write command, `mltui serve` without `--read-only`).
/// `defaultArtifactRoot` is where new experiments keep artifacts when none is given: nil means
/// MLflow's default for a client writing that store directly.
public func openWriter(_ uri: TrackingURI, opening: WriteOpening = .existing, defaultArtifactRoot: String? = nil,
                       warn: @escaping @Sendable (String) -> Void) throws -> any TrackingWriter {
    switch uri {
    case .fileStore(let path):
        // A path naming an SQLite file means that database, as in `openStore`.
        if LocalFiles.isSQLiteFile(path) {
            return try openWriter(.sqlite(path: path), opening: opening, defaultArtifactRoot: defaultArtifactRoot, warn: warn)
        }
        return try FileStore.openForWriting(root: path, createIfMissing: opening == .createIfMissing,
                                            artifactRoot: defaultArtifactRoot, warn: warn,
                                            cacheDirectory: FileStore.defaultCacheDirectory(environment: ProcessInfo.processInfo.environment))
    case .sqlite(let path):
        return try SQLWriter(path: path, create: opening == .createIfMissing, defaultArtifactRoot: defaultArtifactRoot,
                                warn: warn)
    case .postgres(let uri):
        return try SQLWriter(postgres: PostgresTarget(uri: uri), create: opening == .createIfMissing,
                             defaultArtifactRoot: defaultArtifactRoot, warn: warn)
    case .rest(let url):
        // The server creates what is missing and owns the artifact root: `opening` and
        // `defaultArtifactRoot` are its business, not the client's.
        return RESTStore(url: url, configuration: try RESTConfiguration.current())
    }
}
