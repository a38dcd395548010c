import Foundation
import Hummingbird
import HummingbirdTesting
import Tracking
import XCTest
@testable import Server

/// How `mltui serve` decodes MLflow's write requests and answers them, through Hummingbird's
/// in-process client over a `WriteRecorder`: proto JSON conventions, `handlers.py`'s schema
/// messages, response shapes, artifact uploads, and who may write.
final class WriteRouteTests: XCTestCase {
    var scratch: ScratchDirectory!

    override func setUp() async throws { scratch = try ScratchDirectory() }
    override func tearDown() async throws { scratch.remove() }

    func recorder() -> WriteRecorder {
        let exp = Experiment(experimentID: "1", name: "exp", artifactLocation: "mlflow-artifacts:/1",
                             tags: (0..<50).map { Tag("mlflow.customView.view\($0)", "{}") })
        let run = Run(info: RunInfo(runID: "r1", experimentID: "1", runName: "first", artifactURI: "mlflow-artifacts:/1/r1/artifacts"))
        return WriteRecorder(reads: MemoryStore(experiments: [exp], runs: [run], histories: [:]))
    }

    func withServer(_ store: any TrackingStore, credentials: Credentials? = nil, readOnly: Bool = false,
                    _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let configuration = ServerConfiguration(credentials: credentials, readOnly: readOnly,
                                                artifactsDestination: scratch.path + "/dest")
        try await MLflowServer.application(store: store, configuration: configuration).test(.router, body)
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @discardableResult
    static func post(_ client: any TestClientProtocol, _ endpoint: String, _ body: String, headers: HTTPFields = json,
              method: HTTPRequest.Method = .post) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/api/2.0/mlflow/" + endpoint, method: method, headers: headers,
                                 body: ByteBuffer(string: body)) { ($0.status, String(buffer: $0.body)) }
    }

    func testWritesReachTheStoreAsMLflowDecodesThem() async throws {
        let store = recorder()
        try await withServer(store) { client in
            var (status, body) = try await Self.post(client, "experiments/create", #"{"name": "e", "tags": [{"key": "a", "value": "b"}]}"#)
            XCTAssertEqual(status, .ok)
            XCTAssertEqual(body, "{\n  \"experiment_id\": \"7\"\n}")
            try await Self.post(client, "experiments/update", #"{"experiment_id": "1", "new_name": "f"}"#)
            try await Self.post(client, "experiments/set-experiment-tag", #"{"experiment_id": "1", "key": "k"}"#)
            (status, body) = try await Self.post(client, "runs/create", #"{"experiment_id": "1", "start_time": "1700000000002", "tags": [{"key": "mlflow.user", "value": "u"}]}"#)
            XCTAssertTrue(body.hasPrefix("{\n  \"run\": {\n    \"info\": {"), body)
            (status, body) = try await Self.post(client, "runs/update", #"{"run_uuid": "r1", "status": 3, "end_time": 9.0}"#)
            XCTAssertTrue(body.contains("\"run_info\": {") && body.contains("\"status\": \"FINISHED\""), body)
            // An enum name the proto does not know is ignored, as protobuf's parser ignores it.
            try await Self.post(client, "runs/update", #"{"run_id": "r1", "status": "DONE", "run_name": "renamed"}"#)
            try await Self.post(client, "runs/log-metric", #"{"run_id": "r1", "key": "loss", "value": "NaN", "timestamp": "12", "step": "3"}"#)
            try await Self.post(client, "runs/log-metric", #"{"run_id": "r1", "key": "up", "value": "-Infinity", "timestamp": 1, "model_id": "m-1"}"#)
            try await Self.post(client, "runs/log-parameter", #"{"run_uuid": "r1", "key": "alpha", "value": "0.5"}"#)
            try await Self.post(client, "runs/set-tag", #"{"run_id": "r1", "key": "t", "value": "v"}"#)
            (status, _) = try await Self.post(client, "runs/log-batch", #"{"run_id": "r1", "metrics": [{"key": "a", "value": 1, "timestamp": 5, "step": 2}], "params": [{"key": "p", "value": "x"}]}"#)
            XCTAssertEqual(status, .ok)
            try await Self.post(client, "runs/log-inputs", #"{"run_id": "r1", "datasets": [{"tags": [{"key": "mlflow.data.context", "value": "eval"}], "dataset": {"name": "d", "digest": "1", "source_type": "code", "source": "{}"}}]}"#)
            try await Self.post(client, "runs/outputs", #"{"run_id": "r1", "models": [{"model_id": "m-1", "step": 4}]}"#)
            try await Self.post(client, "runs/delete-tag", #"{"run_id": "r1", "key": "t"}"#)
            try await Self.post(client, "runs/delete", #"{"run_id": "r1"}"#)
            try await Self.post(client, "runs/restore", #"{"run_id": "r1"}"#)
        }
        XCTAssertEqual(store.recorded, [
            .createExperiment("e", nil, [Tag("a", "b")]),
            .renameExperiment("1", "f"),
            .setExperimentTag("1", Tag("k", "")),
            .createRun(RunCreation(experimentID: "1", userID: "", startTime: 1_700_000_000_002, tags: [Tag("mlflow.user", "u")])),
            .updateRun("r1", .finished, 9, nil),
            .updateRun("r1", nil, nil, "renamed"),
            .logMetric("r1", Metric(key: "loss", value: .nan, timestamp: 12, step: 3, runID: "r1")),
            .logMetric("r1", Metric(key: "up", value: -.infinity, timestamp: 1, step: 0, runID: "r1", modelID: "m-1")),
            .logParam("r1", Param("alpha", "0.5")),
            .setTag("r1", Tag("t", "v")),
            .logBatch("r1", [Metric(key: "a", value: 1, timestamp: 5, step: 2)], [Param("p", "x")], []),
            .logInputs("r1", [DatasetInput(tags: [Tag("mlflow.data.context", "eval")],
                                           dataset: Dataset(name: "d", digest: "1", sourceType: "code", source: "{}"))], []),
            .logOutputs("r1", [ModelIO(modelID: "m-1", step: 4)]),
            .deleteTag("r1", "t"),
            .deleteRun("r1"),
            .restoreRun("r1"),
        ])
    }

    func testMalformedRequestsGetMLflowsSchemaMessages() async throws {
        let store = recorder()
        let hint = " See the API docs for more information about request parameters."
        try await withServer(store) { client in
            let cases: [(String, String, String)] = [
                ("runs/log-metric", #"{"key": "k", "value": 1, "timestamp": 1}"#, "Missing value for required parameter 'run_id'." + hint),
                ("runs/log-metric", #"{"run_id": "r1", "key": "k", "value": 1}"#, "Missing value for required parameter 'timestamp'." + hint),
                ("runs/log-metric", #"{"run_id": "r1", "key": "k", "value": "abc", "timestamp": 1}"#,
                 "Invalid value \"abc\" for parameter 'value' supplied:  Hint: Value was of type 'str'." + hint),
                ("runs/set-tag", #"{"run_id": "r1", "key": 5}"#, "Invalid value 5 for parameter 'key' supplied:  Hint: Value was of type 'int'." + hint),
                ("runs/log-batch", #"{"run_id": "r1", "metrics": [{"key": "a", "value": 1, "timestamp": 1}, {"key": "b", "value": 2}]}"#,
                 "Missing value for required parameter 'metrics[1].timestamp'." + hint),
                ("runs/log-batch", #"{"run_id": "r1", "params": {"key": "a"}}"#,
                 "Invalid value {\"key\":\"a\"} for parameter 'params' supplied:  Hint: Value was of type 'dict'." + hint),
                ("experiments/create", #"{"name": ""}"#, "Missing value for required parameter 'name'." + hint),
                ("experiments/create", #"{"name": "x", "artifact_location": "runs:/abc"}"#, "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc'"),
                ("experiments/create", #"{"name": "x", "artifact_location": "http://elsewhere/a"}"#,
                 "'artifact_location' cannot use the 'http' scheme: the 'http' scheme addresses a host other than the tracking server's configured artifact storage, so the server would connect to the host named in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it."),
                ("experiments/set-experiment-tag", #"{"experiment_id": "1", "key": "mlflow.customView.view99", "value": "{}"}"#,
                 "Unable to create another custom view for experiment 1; the maximum number of custom views per experiment is 50. Delete an existing custom view before creating a new one."),
            ]
            for (endpoint, body, message) in cases {
                let (status, answer) = try await Self.post(client, endpoint, body)
                XCTAssertEqual(status, .badRequest, endpoint + " " + body)
                XCTAssertEqual(try JSONValue.parse(answer)["message"]?.stringValue, message, endpoint + " " + body)
                XCTAssertEqual(try JSONValue.parse(answer)["error_code"]?.stringValue, "INVALID_PARAMETER_VALUE")
            }
            let (status, answer) = try await Self.post(client, "runs/set-tag", #"{"run_id": "r1", "key": "k"}"#, headers: [:])
            XCTAssertEqual(status, .badRequest)
            XCTAssertTrue(answer.contains("Bad Request. Content-Type header is missing."), answer)
            // A store's refusal reaches the client as the store worded it.
            store.failure.withLock { $0 = MLflowError.invalidParameter("The run r1 must be in the 'active' state. Current state is deleted.") }
            let (refused, text) = try await Self.post(client, "runs/set-tag", #"{"run_id": "r1", "key": "k", "value": "v"}"#)
            XCTAssertEqual(refused, .badRequest)
            XCTAssertTrue(text.contains("Current state is deleted."), text)
        }
        XCTAssertEqual(store.recorded, [])
    }

    func testLoggedModelRoutes() async throws {
        let store = recorder()
        try await withServer(store) { client in
            var (status, body) = try await Self.post(client, "logged-models", #"{"experiment_id": "1", "name": "model", "source_run_id": "r1", "tags": [{"key": "t", "value": "v"}]}"#)
            XCTAssertEqual(status, .ok)
            let info = try JSONValue.parse(body)["model"]?["info"]
            XCTAssertEqual(info?["model_id"]?.stringValue, "m-1")
            XCTAssertEqual(info?["status"]?.stringValue, "LOGGED_MODEL_PENDING")
            XCTAssertEqual(info?["artifact_uri"]?.stringValue, "mlflow-artifacts:/1/models/m-1/artifacts")
            (status, body) = try await Self.post(client, "logged-models/m-1", "", headers: [:], method: .get)
            XCTAssertEqual(status, .ok)
            XCTAssertNotNil(try JSONValue.parse(body)["model"]?["data"])
            (status, body) = try await Self.post(client, "logged-models/m-1", #"{"model_id": "m-1", "status": "LOGGED_MODEL_READY"}"#, headers: [:], method: .patch)
            XCTAssertTrue(body.contains("LOGGED_MODEL_READY"), body)
            try await Self.post(client, "logged-models/m-1/tags", #"{"tags": [{"key": "a", "value": "b"}]}"#, method: .patch)
            try await Self.post(client, "logged-models/m-1/tags/a", "", headers: [:], method: .delete)
            try await Self.post(client, "logged-models/m-1/params", #"{"model_id": "m-1", "params": [{"key": "lr", "value": "0.1"}]}"#)
        }
        XCTAssertEqual(store.recorded, [
            .createLoggedModel(LoggedModelCreation(experimentID: "1", name: "model", sourceRunID: "r1", tags: [Tag("t", "v")], modelType: "")),
            .finalizeLoggedModel("m-1", .ready),
            .setLoggedModelTags("m-1", [Tag("a", "b")]),
            .deleteLoggedModelTag("m-1", "a"),
            .logLoggedModelParams("m-1", [Param("lr", "0.1")]),
        ])
    }

    func testArtifactUploadsLandWholeAndDeletesRemove() async throws {
        let dest = scratch.path + "/dest"
        let payload = (0..<3_000_000).map { UInt8($0 % 253) }
        try await withServer(recorder()) { client in
            let uri = "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/deep/er/weights.bin"
            try await client.execute(uri: uri, method: .put, headers: [.contentType: "application/octet-stream"],
                                     body: ByteBuffer(bytes: payload)) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.body.readableBytes, 0)
            }
            try await client.execute(uri: uri, method: .get) { r in XCTAssertEqual(Array(buffer: r.body), payload) }
            for bad in ["1/../../escape.txt", "%2e%2e/escape.txt", "1/r1/artifacts/dir/"] {
                try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/" + bad, method: .put, body: ByteBuffer(string: "x")) { r in
                    XCTAssertEqual(r.status, .badRequest, bad)
                }
            }
            try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/deep", method: .delete) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(String(buffer: r.body), "{}")
            }
        }
        let left = try FileManager.default.subpathsOfDirectory(atPath: dest)
        XCTAssertEqual(left.sorted(), ["1", "1/r1", "1/r1/artifacts"], "no staging file, nothing outside the destination")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path + "/escape.txt"))
    }

    func testUploadsWithoutServedArtifactsAnswerAsMLflow() async throws {
        let configuration = ServerConfiguration(artifactsDestination: nil)
        try await MLflowServer.application(store: recorder(), configuration: configuration).test(.router) { client in
            let uri = "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/a.txt"
            try await client.execute(uri: uri, method: .put, body: ByteBuffer(string: "x")) { r in
                XCTAssertEqual(r.status, .serviceUnavailable)
                XCTAssertEqual(String(buffer: r.body), #"{"detail":"Artifact serving is disabled. Run `mlflow server` with `--serve-artifacts` to enable."}"#)
            }
            try await client.execute(uri: uri, method: .delete) { r in
                XCTAssertEqual(r.status, .serviceUnavailable)
                XCTAssertTrue(String(buffer: r.body).hasPrefix("Endpoint: /api/2.0/mlflow-artifacts/artifacts/<path:artifact_path> disabled"))
            }
        }
    }

    func testReadOnlyUsersAndServersAreRefusedWrites() async throws {
        let reader = Credentials.authFileLine(user: "ro", password: "pw", iterations: 100)
        let writer = Credentials.authFileLine(user: "rw", password: "pw", iterations: 100, access: .write)
        let legacy = String(Credentials.authFileLine(user: "old", password: "pw", iterations: 100).dropLast(3))
        XCTAssertTrue(reader.hasSuffix(" ro") && writer.hasSuffix(" rw") && !legacy.hasSuffix("ro"))
        let credentials = try Credentials(authFileText: [reader, writer, legacy].joined(separator: "\n"), token: nil)
        XCTAssertThrowsError(try Credentials(authFileText: writer + " extra", token: nil))
        @Sendable func auth(_ user: String) -> HTTPFields {
            [.contentType: "application/json", .authorization: "Basic " + Data("\(user):pw".utf8).base64EncodedString()]
        }
        let store = recorder()
        try await withServer(store, credentials: credentials) { client in
            for user in ["ro", "old"] {
                var (status, body) = try await Self.post(client, "runs/set-tag", #"{"run_id": "r1", "key": "k", "value": "v"}"#, headers: auth(user))
                XCTAssertEqual(status, .forbidden)
                XCTAssertEqual(body, "Permission denied")
                (status, _) = try await Self.post(client, "runs/get?run_id=r1", "", headers: auth(user), method: .get)
                XCTAssertEqual(status, .ok)
                try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/a.txt", method: .put,
                                         headers: auth(user), body: ByteBuffer(string: "x")) { r in XCTAssertEqual(r.status, .forbidden) }
            }
            let (status, _) = try await Self.post(client, "runs/set-tag", #"{"run_id": "r1", "key": "k", "value": "v"}"#, headers: auth("rw"))
            XCTAssertEqual(status, .ok)
        }
        XCTAssertEqual(store.recorded, [.setTag("r1", Tag("k", "v"))])

        let untouched = recorder()
        try await withServer(untouched, readOnly: true) { client in
            let (status, body) = try await Self.post(client, "runs/set-tag", #"{"run_id": "r1", "key": "k", "value": "v"}"#)
            XCTAssertEqual(status, .forbidden)
            XCTAssertTrue(body.contains("PERMISSION_DENIED"), body)
        }
        XCTAssertEqual(untouched.recorded, [])
    }
}
