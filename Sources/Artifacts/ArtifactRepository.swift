import Foundation
import HTTPClient
import Tracking

/// Where a run's artifacts live, chosen from its artifact URI as MLflow chooses an artifact
/// repository (`artifact_repository_registry.py` `get_artifact_repository`). Paths are relative to
/// the run's artifact root.
public protocol ArtifactRepository: Sendable {
    /// The artifact URI this repository reads, for display and errors.
    var rootURI: String { get }
    /// Entries directly under `path` (nil = the root), in `artifacts/list` shape: relative to
    /// the root, `path` prefix included, sorted by path, directories without size. A file or a
    /// missing path lists nothing.
    func list(path: String?) async throws -> [ArtifactEntry]
    /// Random access to one file.
    func open(path: String) async throws -> any ArtifactContent
}

/// The repository for a run's artifact URI, or a clear error naming the URI and what is missing.
/// - `trackingURI`: needed for `mlflow-artifacts:/` without a host (the tracking server proxies).
/// - `trackingHeaders`: auth headers of the tracking server, sent to its proxy endpoints.
public func artifactRepository(for artifactURI: String, trackingURI: TrackingURI?,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               client: HTTPClient? = nil, trackingHeaders: [String] = []) throws -> any ArtifactRepository {
    if let local = LocalArtifacts.localPath(of: artifactURI) { return LocalArtifacts(root: local) }
    let lower = artifactURI.lowercased()
    if lower.hasPrefix("mlflow-artifacts:") {
        return try ProxiedArtifacts(artifactURI: artifactURI, trackingURI: trackingURI,
                                    client: client ?? HTTPClient(), headers: trackingHeaders)
    }
    if lower.hasPrefix("s3://") {
        return try S3Artifacts(artifactURI: artifactURI, environment: environment, client: client ?? HTTPClient())
    }
    if lower.hasPrefix("http://") || lower.hasPrefix("https://"), artifactURI.contains("/api/2.0/mlflow-artifacts/artifacts") {
        // An explicit artifacts-only host (`mlflow server --artifacts-only`;
        // `HttpArtifactRepository`).
        return try ProxiedArtifacts(explicitURL: artifactURI, client: client ?? HTTPClient(), headers: trackingHeaders)
    }
    let scheme = artifactURI.split(separator: ":", maxSplits: 1).first.map(String.init) ?? artifactURI
    throw MLflowError(.notImplemented,
                      "artifacts at '\(artifactURI)': the '\(scheme):' artifact store is not supported by mltui; open the tracking server's URI (http://...) to read them through the server")
}

extension ArtifactRepository {
    /// Every file under `path` (a folder, or the root), depth first, as the Python client's
    /// directory download does (`ArtifactRepository.download_artifacts`,
    /// `_iter_artifacts_recursive`).
    func allFiles(under path: String?) async throws -> [ArtifactEntry] {
        var files: [ArtifactEntry] = []
        var pending = [path]
        while let next = pending.popLast() {
            for entry in try await list(path: next) {
                if entry.isDir { pending.append(entry.path) } else { files.append(entry) }
            }
        }
        return files.sorted { $0.path < $1.path }
    }
}

/// Shared by the HTTP repositories: the first window read at open proves the file exists and
/// tells its size; later reads are Range requests (both mlflow server and S3 answer 206).
final class RangedHTTPContent: ArtifactContent, Sendable {
    static let firstWindow = 256 * 1024
    typealias Fetch = @Sendable (ByteWindow) async throws -> (bytes: [UInt8], total: Int64?)

    let size: Int64?
    private let head: [UInt8]
    private let fetch: Fetch

    private init(size: Int64?, head: [UInt8], fetch: @escaping Fetch) {
        self.size = size
        self.head = head
        self.fetch = fetch
    }

    static func open(fetch: @escaping Fetch) async throws -> RangedHTTPContent {
        let (bytes, total) = try await fetch(ByteWindow(offset: 0, count: firstWindow))
        let size = total ?? (bytes.count < firstWindow ? Int64(bytes.count) : nil)
        return RangedHTTPContent(size: size, head: bytes, fetch: fetch)
    }

    func read(offset: Int64, count: Int) async throws -> [UInt8] {
        guard count > 0, offset >= 0 else { return [] }
        if let size, offset >= size { return [] }
        let end = offset + Int64(count)
        if end <= Int64(head.count) || size == Int64(head.count) {
            let upper = min(end, Int64(head.count))
            return offset < upper ? Array(head[Int(offset)..<Int(upper)]) : []
        }
        return try await fetch(ByteWindow(offset: offset, count: count)).bytes
    }

    /// Interprets one ranged answer; a 416 (offset at or past the end, or an empty file) is an
    /// empty read. Other statuses go to `failure`.
    static func interpret(_ response: HTTPResponse, failure: (HTTPResponse) -> MLflowError) throws -> (bytes: [UInt8], total: Int64?) {
        switch response.status {
        case 206: return (response.body, response.contentRangeTotal)
        case 200:
            let length = response.headers["content-length"].flatMap { Int64($0) }
            return (response.body, response.headers["content-encoding"] == nil ? length : nil)
        case 416: return ([], response.contentRangeTotal ?? 0)
        default: throw failure(response)
        }
    }
}

/// A transport failure as a one-line MLflowError naming the URI.
func unreachableError(_ uri: String, _ error: Error) -> MLflowError {
    if let error = error as? MLflowError { return error }
    if let error = error as? HTTPTransportError {
        return MLflowError(.temporarilyUnavailable, "cannot reach artifacts at '\(uri)' (network): \(error.message)")
    }
    return MLflowError.internal("artifacts at '\(uri)': \(error)")
}

/// Percent-encodes a path for a URL, keeping `/` (RFC 3986 unreserved characters stay as-is,
/// which is also SigV4's canonical form).
func encodePath(_ path: String) -> String {
    var out = ""
    for byte in path.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += String(format: "%%%02X", byte)
        }
    }
    return out
}

func encodeQueryValue(_ value: String) -> String {
    encodePath(value).replacingOccurrences(of: "/", with: "%2F")
}
