import CSQLite
import Tracking

/// Reads an MLflow SQLite database (reference §3), read-only.
public final class SQLiteStore: @unchecked Sendable {
    public let path: String
    public init(path: String, warn: @escaping @Sendable (String) -> Void) throws { self.path = path }
}

// Placeholder until the reader lands; replaced wholesale by its branch.
extension SQLiteStore: TrackingStore {
    public var uri: String { "" }
    private var missing: MLflowError { MLflowError(.notImplemented, "SQLiteStore not built yet") }
    public func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> { throw missing }
    public func getExperiment(id: String) async throws -> Experiment { throw missing }
    public func getExperimentByName(_ name: String) async throws -> Experiment { throw missing }
    public func searchRuns(_ request: RunSearch) async throws -> Page<Run> { throw missing }
    public func getRun(id: String) async throws -> Run { throw missing }
    public func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> { throw missing }
    public func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing { throw missing }
    public func openArtifact(runID: String, path: String) async throws -> any ArtifactContent { throw missing }
}
