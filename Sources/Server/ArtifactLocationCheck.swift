import Artifacts
import Foundation
import Tracking

/// The checks `experiments/create` makes on a client's `artifact_location` before the store sees
/// it (`handlers.py` `_validate_storage_location_uri`): no fragment or params, no `..` in the
/// query, no scheme that would make the server connect to a host the client names
/// (`mlflow/store/artifact/host_policy.py` `rejected_host_addressed_scheme`; allowed by
/// `MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES`), then `WriteValidation`'s `runs:/` and
/// length checks.
enum ArtifactLocationCheck {
    static let hostAddressedSchemes: Set<String> = ["ftp", "sftp", "hdfs", "viewfs", "http", "https", "mlflow-artifacts", "r2", "b2", "abfss"]

    static func validate(_ location: String, field: String,
                         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let url = PythonURL(location)
        if !url.fragment.isEmpty || !url.params.isEmpty {
            throw MLflowError.invalidParameter("'\(field)' URL can't include fragments or params.")
        }
        if ArtifactPath.decoded(url.query)?.contains("..") ?? true {
            throw MLflowError.invalidParameter("Invalid query string")
        }
        if let scheme = rejectedScheme(url, environment: environment) {
            throw MLflowError.invalidParameter("'\(field)' cannot use the '\(scheme)' scheme: the '\(scheme)' scheme addresses a host other than the tracking server's configured artifact storage, so the server would connect to the host named in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it.")
        }
        try WriteValidation.experimentArtifactLocation(location)
        try WriteValidation.experimentArtifactLocationLength(location)
    }

    /// mltui serve keeps no artifact storage on another host, so every host-addressed scheme
    /// is refused unless the operator allows it; `mlflow-artifacts:/path` (no host) is the
    /// server itself.
    private static func rejectedScheme(_ url: PythonURL, environment: [String: String]) -> String? {
        let scheme = url.scheme
        guard hostAddressedSchemes.contains(scheme), !(scheme == "mlflow-artifacts" && url.netloc.isEmpty) else { return nil }
        let allowed = (environment["MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return allowed.contains(scheme) ? nil : scheme
    }
}
