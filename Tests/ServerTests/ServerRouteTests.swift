import Foundation
import Hummingbird
import HummingbirdTesting
import Tracking
import XCTest
@testable import Server

/// Routes, shapes and refusals through Hummingbird's in-process test client, over `MemoryStore`.
final class ServerRouteTests: XCTestCase {
    var scratch: ScratchDirectory!
    var log: LogLines!

    override func setUp() async throws {
        scratch = try ScratchDirectory()
        log = LogLines()
        try scratch.write("runs/r1/artifacts/dir/hello.txt", Array("hello world\n".utf8))
        try scratch.write("runs/r1/artifacts/empty.txt", [])
        try scratch.write("secret/passwd", Array("top secret".utf8))
        try scratch.symlink("runs/r1/artifacts/escape", to: scratch.path + "/secret")
        try scratch.write("dest/1/r2/artifacts/model/weights.bin", (0..<3_000_000).map { UInt8($0 % 251) })
        try scratch.symlink("dest/1/r2/artifacts/leak", to: scratch.path + "/secret/passwd")
    }

    override func tearDown() async throws { scratch.remove() }

    func store() -> MemoryStore {
        let exp = Experiment(experimentID: "1", name: "h\u{e9}llo \u{2713}", artifactLocation: "/x/1", creationTime: 5,
                             lastUpdateTime: 6, tags: [Tag("team", "ml")], workspace: "default")
        let deleted = Experiment(experimentID: "2", name: "gone", lifecycleStage: .deleted, workspace: "default")
        let r1 = Run(info: RunInfo(runID: "r1", experimentID: "1", runName: "first", status: .finished, startTime: 10,
                                   endTime: 20, artifactURI: scratch.path + "/runs/r1/artifacts"),
                     data: RunData(metrics: [Metric(key: "loss", value: .nan, timestamp: 11, step: 2)]))
        let r2 = Run(info: RunInfo(runID: "r2", experimentID: "1", runName: "second", startTime: 30,
                                   artifactURI: "mlflow-artifacts:/1/r2/artifacts"))
        let history = (0..<5).map { Metric(key: "loss", value: Double($0) / 10, timestamp: Int64(100 + $0), step: Int64($0)) }
        return MemoryStore(experiments: [exp, deleted], runs: [r1, r2], histories: ["r1/loss": history])
    }

    func withServer(credentials: Credentials? = nil, maxBodyBytes: Int = 1_000_000,
                    _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let log = self.log!
        let configuration = ServerConfiguration(credentials: credentials, artifactsDestination: scratch.path + "/dest",
                                                maxBodyBytes: maxBodyBytes, accessLog: { log.append($0) })
        let app = MLflowServer.application(store: store(), configuration: configuration)
        try await app.test(.router, body)
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    func testHealthAndVersion() async throws {
        try await withServer { client in
            try await client.execute(uri: "/health", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(String(buffer: r.body), "OK")
            }
            try await client.execute(uri: "/version", method: .get) { r in
                XCTAssertEqual(String(buffer: r.body), "3.17.2")
            }
        }
    }

    func testReadEndpointsAnswerMLflowShapesUnderBothPrefixes() async throws {
        let expected = RESTResponse.experiment(try await store().getExperiment(id: "1")).string
        try await withServer { client in
            for prefix in ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"] {
                try await client.execute(uri: prefix + "/experiments/get?experiment_id=1", method: .get) { r in
                    XCTAssertEqual(r.status, .ok)
                    XCTAssertEqual(r.headers[.contentType], "application/json")
                    XCTAssertEqual(String(buffer: r.body), expected)
                    XCTAssertTrue(String(buffer: r.body).contains("h\\u00e9llo \\u2713"))
                }
            }
            try await client.execute(uri: "/api/2.0/mlflow/experiments/get-by-name?experiment_name=h%C3%A9llo+%E2%9C%93", method: .get) { r in
                XCTAssertEqual(String(buffer: r.body), expected)
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/get?run_uuid=r1", method: .get) { r in
                XCTAssertTrue(String(buffer: r.body).contains("\"value\": \"NaN\""))
            }
        }
    }

    func testSearchesTakeQueryParametersAndJSONBodies() async throws {
        try await withServer { client in
            let get = try await client.execute(uri: "/api/2.0/mlflow/experiments/search?max_results=1&view_type=ALL", method: .get) { String(buffer: $0.body) }
            let post = try await client.execute(uri: "/api/2.0/mlflow/experiments/search", method: .post, headers: Self.json,
                                                body: ByteBuffer(string: #"{"max_results": "1", "view_type": 3}"#)) { String(buffer: $0.body) }
            XCTAssertEqual(get, post)
            XCTAssertTrue(get.contains("\"next_page_token\": \"eyJvZmZzZXQiOiAxfQ==\""))
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"experiment_ids": ["1"], "max_results": 1}"#)) { r in
                let json = try JSONValue.parse(String(buffer: r.body))
                XCTAssertEqual(json["runs"]?.arrayValue?.count, 1)
                XCTAssertNotNil(json["next_page_token"]?.stringValue)
            }
            // MLflow answers an empty search, numeric ids and malformed JSON all with `{}`.
            for body in ["{}", #"{"experiment_ids": [1]}"#, "{bad"] {
                try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { r in
                    XCTAssertEqual(r.status, .ok)
                    XCTAssertEqual(String(buffer: r.body), "{}")
                }
            }
            try await client.execute(uri: "/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=loss&max_results=2", method: .get) { r in
                let json = try JSONValue.parse(String(buffer: r.body))
                XCTAssertEqual(json["metrics"]?.arrayValue?.count, 2)
                XCTAssertEqual(json["next_page_token"]?.stringValue, PageToken.encode(offset: 2))
            }
            try await client.execute(uri: "/api/2.0/mlflow/logged-models/search", method: .post, headers: Self.json, body: ByteBuffer(string: "{}")) { r in
                XCTAssertEqual(String(buffer: r.body), "{}")
            }
        }
    }

    func testErrorsAreMLflowBodiesWithTheirStatus() async throws {
        try await withServer { client in
            try await client.execute(uri: "/api/2.0/mlflow/experiments/get?experiment_id=9", method: .get) { r in
                XCTAssertEqual(r.status, .notFound)
                XCTAssertEqual(String(buffer: r.body), #"{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "No Experiment with id=9 exists", "sqlstate": "KAM00", "error_class": "RESOURCE_NOT_FOUND"}"#)
            }
            try await client.execute(uri: "/api/2.0/mlflow/experiments/search", method: .get) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(String(buffer: r.body).contains("Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"))
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/get", method: .get) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(String(buffer: r.body).contains("Missing value for required parameter 'run_id'"))
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, body: ByteBuffer(string: "{}")) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(String(buffer: r.body).contains("Bad Request. Content-Type header is missing."))
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, headers: [.contentType: "text/plain"],
                                     body: ByteBuffer(string: "{}")) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(String(buffer: r.body).contains("Content-Type must be one of ['application/json']"))
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"experiment_ids": ["1"], "filter": "a OR b"}"#)) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(String(buffer: r.body).hasPrefix(#"{"error_code": "INVALID_PARAMETER_VALUE""#))
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"experiment_ids": ["1"], "max_results": 50001}"#)) { r in
                XCTAssertEqual(r.status, .badRequest)
            }
            try await client.execute(uri: "/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=loss&max_results=0", method: .get) { r in
                XCTAssertEqual(r.status, .badRequest)
            }
        }
    }

    func testUnknownPathsAndMethodsGetFlaskHTMLPages() async throws {
        try await withServer { client in
            for uri in ["/api/2.0/mlflow/no/such", "/nope", "/api/9.9/x"] {
                try await client.execute(uri: uri, method: .get) { r in
                    XCTAssertEqual(r.status, .notFound)
                    XCTAssertEqual(r.headers[.contentType], "text/html; charset=utf-8")
                    XCTAssertTrue(String(buffer: r.body).contains("<title>404 Not Found</title>"))
                }
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .get) { r in
                XCTAssertEqual(r.status, .methodNotAllowed)
                XCTAssertEqual(r.headers[.allow], "OPTIONS, POST")
            }
        }
    }

    func testWritesAreRefusedAsByAReadOnlyServer() async throws {
        try await withServer { [scratch] client in
            for endpoint in TrackingEndpoints.writes.keys.sorted() {
                try await client.execute(uri: "/api/2.0/mlflow/" + endpoint, method: .post, headers: Self.json,
                                         body: ByteBuffer(string: #"{"experiment_id": "1", "name": "x"}"#)) { r in
                    XCTAssertEqual(r.status, .forbidden, endpoint)
                    XCTAssertTrue(String(buffer: r.body).contains("\"error_code\": \"PERMISSION_DENIED\""), endpoint)
                }
            }
            try await client.execute(uri: "/api/2.0/mlflow/logged-models/m-1", method: .patch, headers: Self.json, body: ByteBuffer(string: "{}")) { r in
                XCTAssertEqual(r.status, .forbidden)
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/1/r2/artifacts/new.txt", method: .put, body: ByteBuffer(string: "data")) { r in
                XCTAssertEqual(r.status, .forbidden)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: scratch!.path + "/dest/1/r2/artifacts/new.txt"))
        }
    }

    func testArtifactPathsCannotEscapeTheirRoot() async throws {
        try await withServer { client in
            for path in ["..", "../secret", "dir/../../secret", "/etc", "%2e%2e/secret", "escape", "escape/passwd"] {
                let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                try await client.execute(uri: "/api/2.0/mlflow/artifacts/list?run_id=r1&path=" + encoded, method: .get) { r in
                    XCTAssertEqual(r.status, .badRequest, path)
                    XCTAssertTrue(String(buffer: r.body).contains("Invalid path"), path)
                }
                try await client.execute(uri: "/get-artifact?run_uuid=r1&path=" + encoded, method: .get) { r in
                    XCTAssertEqual(r.status, .badRequest, path)
                    XCTAssertFalse(String(buffer: r.body).contains("top secret"), path)
                }
            }
            // The symlink out of the root is not listed at all.
            try await client.execute(uri: "/api/2.0/mlflow/artifacts/list?run_id=r1", method: .get) { r in
                let body = String(buffer: r.body)
                XCTAssertFalse(body.contains("escape"))
                XCTAssertTrue(body.contains("\"path\": \"dir\""))
                XCTAssertTrue(body.contains("\"path\": \"empty.txt\""))
            }
            for uri in ["/api/2.0/mlflow-artifacts/artifacts/1/r2/artifacts/leak",
                        "/api/2.0/mlflow-artifacts/artifacts/1/%2e%2e/%2e%2e/secret/passwd",
                        "/api/2.0/mlflow-artifacts/artifacts?path=../secret",
                        "/api/2.0/mlflow-artifacts/artifacts?path=/etc"] {
                try await client.execute(uri: uri, method: .get) { r in
                    XCTAssertEqual(r.status, .badRequest, uri)
                    XCTAssertFalse(String(buffer: r.body).contains("top secret"), uri)
                }
            }
        }
    }

    func testArtifactsListAndDownloadStreamed() async throws {
        let weights = (0..<3_000_000).map { UInt8($0 % 251) }
        try await withServer { [scratch] client in
            try await client.execute(uri: "/api/2.0/mlflow/artifacts/list?run_id=r1&path=dir", method: .get) { r in
                let json = try JSONValue.parse(String(buffer: r.body))
                XCTAssertEqual(json["root_uri"]?.stringValue, scratch!.path + "/runs/r1/artifacts")
                XCTAssertEqual(json["files"]?.arrayValue?.first?["path"]?.stringValue, "dir/hello.txt")
                XCTAssertEqual(json["files"]?.arrayValue?.first?["file_size"]?.int64Value, 12)
            }
            // A proxied run (mlflow-artifacts:/) is listed from the artifacts destination.
            try await client.execute(uri: "/api/2.0/mlflow/artifacts/list?run_id=r2", method: .get) { r in
                let json = try JSONValue.parse(String(buffer: r.body))
                XCTAssertEqual(json["root_uri"]?.stringValue, "mlflow-artifacts:/1/r2/artifacts")
                XCTAssertEqual(json["files"]?.arrayValue?.compactMap { $0["path"]?.stringValue }, ["model"])
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts?path=1/r2/artifacts/model", method: .get) { r in
                XCTAssertEqual(String(buffer: r.body), "{\n  \"files\": [\n    {\n      \"path\": \"weights.bin\",\n      \"is_dir\": false,\n      \"file_size\": 3000000\n    }\n  ]\n}")
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts?path=1/none", method: .get) { r in
                XCTAssertEqual(String(buffer: r.body), "{}")
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/1/r2/artifacts/model/weights.bin", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.headers[.contentLength], "3000000")
                XCTAssertEqual(r.headers[.contentDisposition], "attachment; filename=weights.bin")
                XCTAssertEqual(Array(buffer: r.body), weights)
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/1/r2/artifacts/model", method: .get) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(String(buffer: r.body).hasPrefix("{\"detail\":"))
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/1/r2/artifacts/nope.txt", method: .get) { r in
                XCTAssertEqual(r.status, .notFound)
                XCTAssertTrue(String(buffer: r.body).contains("No such artifact: '1/r2/artifacts/nope.txt'"))
            }
            try await client.execute(uri: "/get-artifact?run_uuid=r1&path=dir/hello.txt", method: .get) { r in
                XCTAssertEqual(String(buffer: r.body), "hello world\n")
                XCTAssertEqual(r.headers[.contentType], "text/plain")
            }
        }
    }

    func testOversizedBodiesAreRefused() async throws {
        try await withServer(maxBodyBytes: 100) { client in
            let big = String(repeating: " ", count: 1000) + #"{"experiment_ids": ["1"]}"#
            try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, headers: Self.json, body: ByteBuffer(string: big)) { r in
                XCTAssertEqual(r.status, .contentTooLarge)
                XCTAssertTrue(String(buffer: r.body).contains("exceeds the limit of 100 bytes"))
            }
        }
    }

    func testAccessLogHasOneLinePerRequestWithoutCredentials() async throws {
        let line = Credentials.authFileLine(user: "ann", password: "s3cret", iterations: 1000)
        let credentials = try Credentials(authFileText: line, token: nil)
        let auth = "Basic " + Data("ann:s3cret".utf8).base64EncodedString()
        try await withServer(credentials: credentials) { client in
            try await client.execute(uri: "/api/2.0/mlflow/runs/get?run_id=r1", method: .get, headers: [.authorization: auth]) { _ in }
            try await client.execute(uri: "/api/2.0/mlflow/runs/get?run_id=r1", method: .get) { _ in }
        }
        let lines = log.lines
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].contains("\"GET /api/2.0/mlflow/runs/get\" 200 "), lines[0])
        XCTAssertTrue(lines[0].range(of: #" \d+B \d+\.\dms$"#, options: .regularExpression) != nil, lines[0])
        XCTAssertTrue(lines[1].contains("\" 401 "), lines[1])
        for l in lines {
            XCTAssertFalse(l.contains("s3cret") || l.contains(auth) || l.contains("run_id=r1"), l)
        }
    }
}

final class LogLines: Sendable {
    private let stored = Locked<[String]>([])
    var lines: [String] { stored.current }
    func append(_ line: String) { stored.withLock { $0.append(line) } }
}

/// A store whose `getRun` meets a half-written file the first `failures` times.
struct HalfWrittenStore: TrackingStore {
    let inner: MemoryStore
    let failures: Int
    let calls = LogLines()
    var uri: String { inner.uri }
    func searchExperiments(_ r: ExperimentSearch) async throws -> Page<Experiment> { try await inner.searchExperiments(r) }
    func getExperiment(id: String) async throws -> Experiment { try await inner.getExperiment(id: id) }
    func getExperimentByName(_ n: String) async throws -> Experiment { try await inner.getExperimentByName(n) }
    func searchRuns(_ r: RunSearch) async throws -> Page<Run> { try await inner.searchRuns(r) }
    func getRun(id: String) async throws -> Run {
        calls.append(id)
        if calls.lines.count <= failures { throw MLflowError(.invalidState, "Run '\(id)' metadata is in invalid state") }
        return try await inner.getRun(id: id)
    }
    func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        try await inner.metricHistory(runID: runID, key: key, maxResults: maxResults, pageToken: pageToken)
    }
    func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing { try await inner.listArtifacts(runID: runID, path: path) }
    func openArtifact(runID: String, path: String) async throws -> any ArtifactContent { try await inner.openArtifact(runID: runID, path: path) }
}

final class TransientErrorTests: XCTestCase {
    /// A store error (here a half-written file the store itself already retried) reaches the
    /// client once, as MLflow's one-line error body: the server adds no retry of its own.
    func testStoreErrorsAreReportedOnceAsMLflowErrorBodies() async throws {
        let memory = MemoryStore(experiments: [], runs: [Run(info: RunInfo(runID: "r", experimentID: "0"))], histories: [:])
        let store = HalfWrittenStore(inner: memory, failures: 1)
        let app = MLflowServer.application(store: store, configuration: ServerConfiguration())
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/2.0/mlflow/runs/get?run_id=r", method: .get) { r in
                XCTAssertEqual(r.status, .internalServerError)
                XCTAssertTrue(String(buffer: r.body).hasPrefix(#"{"error_code": "INVALID_STATE""#))
            }
            try await client.execute(uri: "/api/2.0/mlflow/runs/get?run_id=r", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
            }
        }
        XCTAssertEqual(store.calls.lines.count, 2)
    }
}
