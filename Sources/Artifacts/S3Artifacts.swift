import Foundation
import HTTPClient
import Tracking

/// `s3://bucket/key` read directly, signed by libcurl's AWS SigV4 (CURLOPT_AWS_SIGV4), with the
/// environment boto3 and MLflow read (`s3_artifact_repo.py` `_get_s3_client`): AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION / AWS_REGION, and
/// MLFLOW_S3_ENDPOINT_URL for MinIO and other S3-compatible stores (addressed path-style).
struct S3Artifacts: ArtifactRepository {
    public let rootURI: String
    let bucket: String
    /// The key prefix of the run's root, without a trailing slash ("" = the bucket root).
    let rootKey: String
    /// `scheme://host[:port]/bucket` (path-style) or `https://bucket.s3.<region>.amazonaws.com`.
    let bucketURL: String
    let signing: AWSSigV4
    let sessionToken: String?
    let client: HTTPClient

    public init(artifactURI: String, environment: [String: String], client: HTTPClient) throws {
        let rest = artifactURI.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        guard !bucket.isEmpty else { throw MLflowError.invalidParameter("invalid S3 artifact URI '\(artifactURI)': no bucket") }
        var key = String(rest.dropFirst(bucket.count))
        while key.hasPrefix("/") { key.removeFirst() }
        while key.hasSuffix("/") { key.removeLast() }
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let accessKey = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw MLflowError(.unauthenticated,
                              "artifacts at '\(artifactURI)': no AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and MLFLOW_S3_ENDPOINT_URL for an S3-compatible store), or open the tracking server's URI to read them through the server")
        }
        let region = value("AWS_DEFAULT_REGION") ?? value("AWS_REGION") ?? "us-east-1"
        if let endpoint = value("MLFLOW_S3_ENDPOINT_URL") {
            var base = endpoint
            while base.hasSuffix("/") { base.removeLast() }
            guard base.lowercased().hasPrefix("http://") || base.lowercased().hasPrefix("https://") else {
                throw MLflowError.invalidParameter("MLFLOW_S3_ENDPOINT_URL '\(endpoint)' is not an http(s) URL")
            }
            bucketURL = base + "/" + encodePath(bucket)
        } else {
            bucketURL = "https://\(bucket).s3.\(region).amazonaws.com"
        }
        self.rootURI = artifactURI
        self.bucket = bucket
        self.rootKey = key
        self.signing = AWSSigV4(accessKeyID: accessKey, secretAccessKey: secret, region: region)
        self.sessionToken = value("AWS_SESSION_TOKEN")
        self.client = client
    }

    /// As MLflow's S3ArtifactRepository.list_artifacts: ListObjectsV2 with delimiter "/",
    /// common prefixes are folders, directory markers skipped, sorted by path.
    public func list(path: String?) async throws -> [ArtifactEntry] {
        let parts = try LocalArtifacts.components(of: path)
        let directory = ([rootKey] + parts).filter { !$0.isEmpty }.joined(separator: "/")
        let prefix = directory.isEmpty ? "" : directory + "/"
        let rootPrefix = rootKey.isEmpty ? "" : rootKey + "/"
        var entries: [ArtifactEntry] = []
        var token: String?
        repeat {
            // Query parameters in SigV4's canonical (sorted) order.
            var query: [(String, String)] = []
            if let token { query.append(("continuation-token", token)) }
            query += [("delimiter", "/"), ("list-type", "2"), ("prefix", prefix)]
            let url = bucketURL + "/?" + query.map { "\($0.0)=\(encodeQueryValue($0.1))" }.joined(separator: "&")
            let response = try await send(request(url: url))
            guard response.status == 200 else { throw failure(response, what: "listing '\(path ?? "")'") }
            let page = S3ListPage(xml: response.body)
            for folder in page.commonPrefixes {
                if let relative = relativePath(folder, rootPrefix: rootPrefix, prefix: prefix) {
                    entries.append(ArtifactEntry(path: relative.hasSuffix("/") ? String(relative.dropLast()) : relative, isDir: true))
                }
            }
            for object in page.contents where !(object.key.hasSuffix("/") && object.size == 0) {
                if let relative = relativePath(object.key, rootPrefix: rootPrefix, prefix: prefix) {
                    entries.append(ArtifactEntry(path: relative, isDir: false, fileSize: object.size))
                }
            }
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return entries.sorted { $0.path < $1.path }
    }

    /// A listed key relative to the run's root, or nil when it is not a safe path directly
    /// under the listed folder (a store is never trusted: `..`, empty parts, backslashes).
    private func relativePath(_ key: String, rootPrefix: String, prefix: String) -> String? {
        guard key.hasPrefix(prefix), key.hasPrefix(rootPrefix) else { return nil }
        let relative = String(key.dropFirst(rootPrefix.count))
        let trimmed = relative.hasSuffix("/") ? String(relative.dropLast()) : relative
        guard let parts = try? LocalArtifacts.components(of: trimmed), !parts.isEmpty,
              parts.joined(separator: "/") == trimmed else { return nil }
        return relative
    }

    public func open(path: String) async throws -> any ArtifactContent {
        let parts = try LocalArtifacts.components(of: path)
        guard !parts.isEmpty else { throw LocalArtifacts.notAFile(path) }
        let key = ([rootKey] + parts).filter { !$0.isEmpty }.joined(separator: "/")
        let url = bucketURL + "/" + encodePath(key)
        let this = self
        return try await RangedHTTPContent.open { window in
            let response = try await this.send(this.request(url: url, window: window))
            return try RangedHTTPContent.interpret(response) { this.failure($0, what: "'\(path)'") }
        }
    }

    private func request(url: String, window: ByteWindow? = nil) -> HTTPRequest {
        // UNSIGNED-PAYLOAD: a GET has no body; libcurl signs this header's value as the payload hash.
        var headers = ["x-amz-content-sha256: UNSIGNED-PAYLOAD"]
        if let sessionToken { headers.append("x-amz-security-token: \(sessionToken)") }
        return HTTPRequest(url: url, headers: headers, window: window, awsSigV4: signing)
    }

    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do { return try await client.send(request) } catch { throw unreachableError(rootURI, error) }
    }

    /// S3's XML error (Code, Message) as an MLflowError naming the URI.
    func failure(_ response: HTTPResponse, what: String) -> MLflowError {
        let error = S3ErrorBody(xml: response.body)
        let label = "S3 \(what) at '\(rootURI)'"
        let detail = [error.code, error.message].compactMap { $0 }.joined(separator: ": ")
        let suffix = detail.isEmpty ? "HTTP \(response.status)" : detail
        switch (response.status, error.code) {
        case (404, "NoSuchBucket"): return MLflowError.notFound("\(label): no bucket '\(bucket)'")
        case (404, _): return MLflowError.notFound("\(label): no such artifact (\(suffix))")
        case (401, _), (403, _):
            return MLflowError(.permissionDenied, "\(label): access denied, check the AWS credentials and region (\(suffix))")
        default: return MLflowError(ErrorCode(httpStatus: response.status), "\(label): \(suffix)")
        }
    }
}
