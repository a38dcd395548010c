import CSQLite
import Tracking

/// Reads an MLflow SQLite database (reference §3), read-only.
public final class SQLiteStore: @unchecked Sendable {
    public let path: String
    public init(path: String) { self.path = path }
}
