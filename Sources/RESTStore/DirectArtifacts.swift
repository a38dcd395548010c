import Artifacts
import Foundation
import Tracking

/// Which runs' artifacts this machine reads itself instead of through the server, as MLflow's
/// client does (`artifact_repository_registry.py` `get_artifact_repository`, by URI scheme):
/// `mlflow-artifacts:` through the proxy endpoints, `s3://` with AWS credentials in the
/// environment. Everything else (a path local to the server, s3 without credentials here, other
/// clouds) goes through the server's artifacts/list and /get-artifact.
extension RESTStore {
    func directArtifacts(runID: String) async throws -> (any ArtifactRepository)? {
        let uri: String
        if let known = artifactURIs.uri(runID) {
            uri = known
        } else {
            // Unknown run URI (runs/get failed): the server's own routes answer, or report the error.
            guard let run = try? await getRun(id: runID) else { return nil }
            uri = run.info.artifactURI
            artifactURIs.store(runID, uri)
        }
        let lower = uri.lowercased()
        let environment = ProcessInfo.processInfo.environment
        if lower.hasPrefix("s3://"), environment["AWS_ACCESS_KEY_ID"]?.isEmpty == false {
            return try artifactRepository(for: uri, trackingURI: .rest(url: baseURL), environment: environment, client: client)
        }
        if lower.hasPrefix("mlflow-artifacts:") {
            var headers: [String] = []
            if let credentials = configuration.credentials { headers.append(credentials.headerLine) }
            return try artifactRepository(for: uri, trackingURI: .rest(url: baseURL), environment: environment,
                                          client: client, trackingHeaders: headers)
        }
        return nil
    }
}

/// Run id -> artifact URI; a run's artifact URI never changes.
final class ArtifactURICache: Sendable {
    private let uris = Locked([String: String]())
    func uri(_ runID: String) -> String? { uris.withLock { $0[runID] } }
    func store(_ runID: String, _ uri: String) { uris.withLock { $0[runID] = uri } }
}
