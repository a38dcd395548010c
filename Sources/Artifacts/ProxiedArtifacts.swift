import Foundation
import HTTPClient
import Tracking

/// `mlflow-artifacts:/...` read through the tracking server's proxy endpoints, as
/// `mlflow_artifacts_repo.py` `MlflowArtifactsRepository` does: list = `GET
/// .../mlflow-artifacts/artifacts?path=<p>` (basenames), read = `GET
/// .../mlflow-artifacts/artifacts/<p>` with Range (the server sends `Accept-Ranges: bytes`).
struct ProxiedArtifacts: ArtifactRepository {
    public let rootURI: String
    /// `<scheme>://<host>[/prefix]/api/2.0/mlflow-artifacts/artifacts`, userinfo stripped.
    let endpoint: String
    /// The run's root under the server's artifacts destination, e.g. `1/<run>/artifacts`.
    let rootPath: [String]
    let client: HTTPClient
    let headers: [String]

    static let base = "/api/2.0/mlflow-artifacts/artifacts"

    /// As MLflow's MlflowArtifactsRepository.resolve_uri: a host in the URI wins, else the
    /// tracking server's scheme, host and path prefix; the tracking URI must be http(s).
    public init(artifactURI: String, trackingURI: TrackingURI?, client: HTTPClient, headers: [String] = []) throws {
        guard case .rest(let tracking)? = trackingURI,
              let track = URLComponents(string: tracking), let scheme = track.scheme else {
            throw MLflowError(.notImplemented,
                              "artifacts at '\(artifactURI)' are proxied by an MLflow tracking server; open the server's URI (http://...) or set MLFLOW_TRACKING_URI to read them")
        }
        guard let parsed = URLComponents(string: artifactURI) else {
            throw MLflowError.invalidParameter("invalid artifact URI '\(artifactURI)'")
        }
        var authority = track.host ?? ""
        if let port = track.port { authority += ":\(port)" }
        if let host = parsed.host, !host.isEmpty {
            authority = host + (parsed.port.map { ":\($0)" } ?? "")
        } else if parsed.port != nil {
            throw MLflowError.invalidParameter("artifact URI '\(artifactURI)' has a port but no host")
        } else if let user = track.percentEncodedUser {
            // Same server: keep the tracking URI's userinfo (libcurl sends it as Basic auth).
            authority = user + (track.percentEncodedPassword.map { ":" + $0 } ?? "") + "@" + authority
        }
        let prefix = track.path.hasSuffix("/") ? String(track.path.dropLast()) : track.path
        self.rootURI = artifactURI
        self.endpoint = "\(scheme)://\(authority)\(prefix)\(ProxiedArtifacts.base)"
        self.rootPath = parsed.percentEncodedPath.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        self.client = client
        self.headers = headers
    }

    /// An explicit `http(s)://host/api/2.0/mlflow-artifacts/artifacts/<path>` location.
    public init(explicitURL: String, client: HTTPClient, headers: [String] = []) throws {
        guard let range = explicitURL.range(of: ProxiedArtifacts.base) else {
            throw MLflowError.invalidParameter("invalid artifact URI '\(explicitURL)'")
        }
        rootURI = explicitURL
        endpoint = String(explicitURL[..<range.upperBound])
        rootPath = explicitURL[range.upperBound...].split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        self.client = client
        self.headers = headers
    }

    public func list(path: String?) async throws -> [ArtifactEntry] {
        let parts = try LocalArtifacts.components(of: path)
        let serverPath = (rootPath + parts).joined(separator: "/")
        let url = endpoint + (serverPath.isEmpty ? "" : "?path=" + encodeQueryValue(serverPath))
        let response = try await send(HTTPRequest(url: url, headers: headers))
        guard response.status == 200 else { throw failure(response, path: path ?? "") }
        guard let json = try? JSONValue.parse(response.body) else {
            throw MLflowError.internal("artifacts at '\(rootURI)': the server's listing is not JSON")
        }
        let prefix = parts.joined(separator: "/")
        var entries: [ArtifactEntry] = []
        for item in json["files"]?.arrayValue ?? [] {
            // Basenames from the server are checked like any path: one safe component each.
            guard let name = item["path"]?.stringValue, let safe = try? LocalArtifacts.components(of: name),
                  safe.count == 1 else { continue }
            let relative = prefix.isEmpty ? safe[0] : prefix + "/" + safe[0]
            let isDir = item["is_dir"]?.boolValue ?? false
            entries.append(ArtifactEntry(path: relative, isDir: isDir, fileSize: isDir ? nil : item["file_size"]?.int64Value))
        }
        return entries.sorted { $0.path < $1.path }
    }

    public func open(path: String) async throws -> any ArtifactContent {
        let parts = try LocalArtifacts.components(of: path)
        guard !parts.isEmpty else { throw LocalArtifacts.notAFile(path) }
        let url = endpoint + "/" + encodePath((rootPath + parts).joined(separator: "/"))
        let client = client, headers = headers, this = self
        return try await RangedHTTPContent.open { window in
            let response = try await this.send(HTTPRequest(url: url, headers: headers, window: window), client: client)
            return try RangedHTTPContent.interpret(response) { this.failure($0, path: path) }
        }
    }

    private func send(_ request: HTTPRequest, client: HTTPClient? = nil) async throws -> HTTPResponse {
        do { return try await (client ?? self.client).send(request) } catch { throw unreachableError(rootURI, error) }
    }

    /// The server's error as an MLflowError: its JSON error_code/message, FastAPI's `detail`,
    /// or the status (503 = the server runs with --no-serve-artifacts).
    func failure(_ response: HTTPResponse, path: String) -> MLflowError {
        let json = try? JSONValue.parse(response.body)
        let label = "artifact '\(path)' at '\(rootURI)'"
        if let message = json?["message"]?.stringValue {
            let code = json?["error_code"]?.stringValue.flatMap(ErrorCode.init(rawValue:)) ?? ErrorCode(httpStatus: response.status)
            return MLflowError(code, "\(label): \(message)")
        }
        if let detail = json?["detail"]?.stringValue {
            return MLflowError(ErrorCode(httpStatus: response.status), "\(label): \(detail)")
        }
        if response.status == 503 {
            return MLflowError(.temporarilyUnavailable, "\(label): the server does not serve artifacts (started with --no-serve-artifacts?)")
        }
        if response.status == 401 || response.status == 403 {
            return MLflowError(ErrorCode(httpStatus: response.status), "\(label): the server refused the credentials (HTTP \(response.status))")
        }
        return MLflowError(ErrorCode(httpStatus: response.status), "\(label): HTTP \(response.status)")
    }
}
