import Foundation
import Tracking

/// A PostgreSQL database named by an MLflow tracking URI. MLflow hands the URI to SQLAlchemy,
/// which takes `postgresql://` and `postgresql+DRIVER://`; libpq takes `postgresql://` and
/// `postgres://`. Past the scheme the two read the same URI (user, password, host, port, database,
/// `?sslmode=…` and libpq's other parameters), so the driver part is dropped and libpq reads the
/// rest, with `PGPASSWORD`, `~/.pgpass`, `PGSSLMODE` and the other `PG*` variables as psql does.
public struct PostgresTarget: Sendable, Equatable {
    /// The URI as given (it names the store in `uri` and to MLflow).
    public let uri: String
    /// The same URI with a scheme libpq reads.
    let libpqURI: String

    public init(uri: String) throws {
        guard let schemeEnd = uri.range(of: "://") else {
            throw MLflowError.invalidParameter("Invalid PostgreSQL URI '\(TrackingURI.redactingPassword(uri))': expected postgresql://user:password@host:port/database")
        }
        let scheme = uri[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgresql" || scheme == "postgres" || scheme.hasPrefix("postgresql+") else {
            throw MLflowError.invalidParameter("'\(scheme)' is not a PostgreSQL URI scheme")
        }
        self.uri = uri
        libpqURI = "postgresql" + uri[schemeEnd.lowerBound...]
    }

    /// The URI with its password hidden, for messages.
    public var redacted: String { TrackingURI.redactingPassword(uri) }

    /// `text` with the URI's password, as written and percent-decoded, replaced by `***`.
    func hidingPassword(_ text: String) -> String {
        guard let range = TrackingURI.passwordRange(uri), !range.isEmpty else { return text }
        let written = String(uri[range])
        var out = text.replacingOccurrences(of: written, with: "***")
        if let decoded = written.removingPercentEncoding, !decoded.isEmpty { out = out.replacingOccurrences(of: decoded, with: "***") }
        return out
    }
}
