import Foundation
import Tracking
import FileStore
import SQLiteStore
import RESTStore

/// Opens the store a resolved tracking URI names. Warnings about skipped files (a corrupt
/// meta.yaml, a truncated metrics line) go to `warn`, one line each.
public func openStore(_ uri: TrackingURI, warn: @escaping @Sendable (String) -> Void) throws -> any TrackingStore {
    switch uri {
    case .fileStore(let path):
        // MLflow takes any plain path for a file store; a path naming an SQLite file can only
        // mean that database, so open it rather than fail (`mltui demo/sqlite/mlflow.db`).
        if LocalFiles.isSQLiteFile(path) { return try SQLiteStore(path: path, warn: warn) }
        return try FileStore(root: path, warn: warn,
                             cacheDirectory: FileStore.defaultCacheDirectory(environment: ProcessInfo.processInfo.environment))
    case .sqlite(let path):
        return try SQLiteStore(path: path, warn: warn)
    case .rest(let url):
        // Auth, TLS, timeouts and retries from MLflow's environment variables
        // (`mlflow/environment_variables.py`; see `RESTConfiguration`).
        return RESTStore(url: url, configuration: try RESTConfiguration.current())
    }
}

/// The tracking URI from the argument, MLFLOW_TRACKING_URI or the current directory, as MLflow resolves it.
public func resolveTrackingURI(_ argument: String?, environment: [String: String], cwd: String) throws -> TrackingURI {
    try TrackingURI.resolve(argument: argument, environment: environment, cwd: cwd,
                            fileExists: LocalFiles.exists, directoryEntries: LocalFiles.entries)
}
