import Foundation
import HTTPClient
import RESTStore
import TestSupport
import Tracking
import XCTest

/// What the REST client's writes put on the wire, against a stub server that records requests:
/// the same method, path and JSON body as MLflow's `RestStore` for the same call, and retries
/// only where a repetition cannot record a write twice.
final class RESTWriteRequestTests: XCTestCase {
    static let server = Locked<StubServer?>(nil)

    override class func tearDown() {
        server.withLock { $0?.stop(); $0 = nil }
        super.tearDown()
    }

    func stub() throws -> StubServer {
        if let stub = Self.server.current { return stub }
        let stub = try StubServer()
        Self.server.withLock { $0 = stub }
        return stub
    }

    func store(_ mode: String, retries: Int = 0) throws -> RESTStore {
        var retry = RetryPolicy()
        retry.maxRetries = retries
        retry.backoffFactor = 0.01
        retry.jitter = 0
        return RESTStore(url: "\(try stub().url)/\(mode)", configuration: RESTConfiguration(http: HTTPOptions(timeout: 5), retry: retry))
    }

    func ask(_ path: String) async throws -> JSONValue {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(try stub().url)/x/\(path)"))
        return try JSONValue.parse(response.body)
    }

    /// Each call, then the request the stub recorded as `METHOD PATH BODY` (body with sorted keys).
    func testRequestsAreThoseOfMLflowsClient() async throws {
        let m = "m-0123456789abcdef0123456789abcdef"
        let dataset = DatasetInput(tags: [Tag("mlflow.data.context", "train")],
                                   dataset: Dataset(name: "n", digest: "d", sourceType: "local", source: "src", schema: "sch", profile: "prof"))
        let calls: [(RESTStore) async throws -> Void] = [
            { _ = try await $0.createExperiment(name: "e", artifactLocation: nil, tags: [Tag("a", "b")]) },
            { try await $0.renameExperiment(id: "1", newName: "n") },
            { try await $0.deleteExperiment(id: "1") },
            { try await $0.restoreExperiment(id: "1") },
            { try await $0.setExperimentTag(experimentID: "1", key: "k", value: "v") },
            { try await $0.deleteExperimentTag(experimentID: "1", key: "k") },
            { _ = try await $0.createRun(RunCreation(experimentID: "1", userID: "u", startTime: 123, tags: [Tag("a", "b")], runName: "nm")) },
            { _ = try await $0.createRun(RunCreation(experimentID: "1")) },
            { _ = try await $0.updateRun(id: "r", status: .finished, endTime: 5, runName: nil) },
            { _ = try await $0.updateRun(id: "r", status: nil, endTime: nil, runName: "x") },
            { try await $0.deleteRun(id: "r") },
            { try await $0.restoreRun(id: "r") },
            { try await $0.logMetric(runID: "r", metric: Metric(key: "m", value: .nan, timestamp: 1, step: 2)) },
            { try await $0.logMetric(runID: "r", metric: Metric(key: "m", value: .infinity, timestamp: 1, step: 0,
                                                                 datasetName: "d", datasetDigest: "g", modelID: "mid")) },
            { try await $0.logParam(runID: "r", param: Param("p", "1")) },
            { try await $0.setTag(runID: "r", tag: Tag("t", "v")) },
            { try await $0.deleteTag(runID: "r", key: "t") },
            { try await $0.logBatch(runID: "r", metrics: [Metric(key: "m", value: -.infinity, timestamp: 1, step: 2),
                                                          Metric(key: "n", value: 1.5, timestamp: 1, step: 0, modelID: "mm")],
                                    params: [Param("p", "v")], tags: [Tag("t", "v")]) },
            { try await $0.logInputs(runID: "r", datasets: [dataset], models: [ModelIO(modelID: "mid")]) },
            { try await $0.logOutputs(runID: "r", models: [ModelIO(modelID: "mid", step: 3)]) },
            { _ = try await $0.createLoggedModel(LoggedModelCreation(experimentID: "1", name: "nm", sourceRunID: "r",
                                                                     tags: [Tag("a", "b")], params: [Param("p", "v")], modelType: "mt")) },
            { _ = try await $0.createLoggedModel(LoggedModelCreation(experimentID: "1")) },
            { _ = try await $0.getLoggedModel(id: m) },
            { _ = try await $0.finalizeLoggedModel(id: m, status: .ready) },
            { try await $0.setLoggedModelTags(id: m, tags: [Tag("a", "b")]) },
            { try await $0.deleteLoggedModelTag(id: m, key: "a") },
            { try await $0.logLoggedModelParams(id: m, params: [Param("p", "v")]) },
            { try await $0.deleteLoggedModel(id: m) },
            { try await $0.recordLoggedModel(runID: "r", modelJSON: #"{"run_id": "r", "artifact_path": "p", "utc_time_created": "t", "model_uuid": "u", "flavors": {}}"#) },
        ]
        var ours: [String] = []
        for (index, call) in calls.enumerated() {
            let mode = "echo-\(UUID().uuidString.prefix(8))"
            // The stub answers {}, which calls expecting an entity refuse: the request was sent.
            try? await call(try store(mode))
            let last = try await ask("last?\(mode)")
            let body = last["body"]?.stringValue ?? ""
            let json = body.isEmpty ? "null" : Self.sorted(try JSONValue.parse(body)).serialized(pretty: false)
            ours.append("\(index) \(last["method"]?.stringValue ?? "?") \(last["path"]?.stringValue ?? "?") \(json)")
        }
        let theirs = try Self.mlflowRequests(model: m)
        XCTAssertEqual(ours.joined(separator: "\n") + "\n", theirs)
    }

    /// A write a repetition could record twice is not sent again after an answer from a server
    /// that may have acted on it (a 502 from a proxy); one whose repetition is harmless is
    /// retried as MLflow retries; a 503 (not acted on) is retried for both.
    func testWritesThatCouldRepeatAreRetriedOnlyWhenUndelivered() async throws {
        let point = Metric(key: "m", value: 1, timestamp: 1, step: 0)
        func count(_ mode: String) async throws -> Int { Int(try await ask("count?\(mode)")["count"]?.int64Value ?? -1) }

        let metricMode = "broken-\(UUID().uuidString.prefix(8))"
        await XCTAssertThrowsAsync { try await self.store(metricMode, retries: 2).logMetric(runID: "r", metric: point) }
        let tagMode = "broken-\(UUID().uuidString.prefix(8))"
        await XCTAssertThrowsAsync { try await self.store(tagMode, retries: 2).setTag(runID: "r", tag: Tag("k", "v")) }
        let downMode = "down-\(UUID().uuidString.prefix(8))"
        await XCTAssertThrowsAsync { try await self.store(downMode, retries: 2).logMetric(runID: "r", metric: point) }
        let metricCount = try await count(metricMode), tagCount = try await count(tagMode), downCount = try await count(downMode)
        XCTAssertEqual(metricCount, 1)
        XCTAssertEqual(tagCount, 3)
        XCTAssertEqual(downCount, 3)
    }

    /// Objects with their keys sorted, so bodies compare whatever order their writers chose.
    static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): return .object(members.map { ($0.0, sorted($0.1)) }.sorted { $0.0 < $1.0 })
        case .array(let items): return .array(items.map(sorted))
        default: return value
        }
    }

    /// MLflow's `RestStore` making the same calls, its requests caught before they leave.
    static func mlflowRequests(model: String) throws -> String {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-rest-requests-\(UUID().uuidString.prefix(8)).py")
        try mlflowRequestsScript.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script.path, model], timeout: 120)
        guard result.status == 0 else { throw SupportError("python failed:\n\(result.stderrText.suffix(3000))") }
        return result.stdoutText
    }
}

func XCTAssertThrowsAsync(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async {
    do {
        try await body()
        XCTFail("expected an error", file: file, line: line)
    } catch {}
}

private let mlflowRequestsScript = #"""
import json, sys
import mlflow.utils.rest_utils as rest_utils
from mlflow.store.tracking.rest_store import RestStore
from mlflow.utils.rest_utils import MlflowHostCreds
from mlflow.models import Model
from mlflow.entities import (Metric, Param, RunTag, ExperimentTag, DatasetInput, Dataset, InputTag,
                             LoggedModelInput, LoggedModelOutput, LoggedModelStatus, LoggedModelTag,
                             LoggedModelParameter)
index = 0
class Answer:
    status_code = 200
    text = "{}"
def caught(**request):
    body = request.get("json")
    path = request["endpoint"]
    print(index, request["method"], path, "null" if body is None else json.dumps(body, sort_keys=True, separators=(",", ":")))
    return Answer()
rest_utils.http_request = caught
s = RestStore(lambda: MlflowHostCreds("http://stub"))
m = sys.argv[1]
calls = [
    lambda: s.create_experiment("e", None, [ExperimentTag("a", "b")]),
    lambda: s.rename_experiment("1", "n"),
    lambda: s.delete_experiment("1"),
    lambda: s.restore_experiment("1"),
    lambda: s.set_experiment_tag("1", ExperimentTag("k", "v")),
    lambda: s.delete_experiment_tag("1", "k"),
    lambda: s.create_run("1", "u", 123, [RunTag("a", "b")], "nm"),
    lambda: s.create_run("1", "", None, [], None),
    lambda: s.update_run_info("r", "FINISHED", 5, None),
    lambda: s.update_run_info("r", None, None, "x"),
    lambda: s.delete_run("r"),
    lambda: s.restore_run("r"),
    lambda: s.log_metric("r", Metric("m", float("nan"), 1, 2)),
    lambda: s.log_metric("r", Metric("m", float("inf"), 1, 0, model_id="mid", dataset_name="d", dataset_digest="g")),
    lambda: s.log_param("r", Param("p", "1")),
    lambda: s.set_tag("r", RunTag("t", "v")),
    lambda: s.delete_tag("r", "t"),
    lambda: s.log_batch("r", [Metric("m", float("-inf"), 1, 2), Metric("n", 1.5, 1, 0, model_id="mm")], [Param("p", "v")], [RunTag("t", "v")]),
    lambda: s.log_inputs("r", [DatasetInput(Dataset("n", "d", "local", "src", "sch", "prof"), [InputTag("mlflow.data.context", "train")])],
                         [LoggedModelInput("mid")]),
    lambda: s.log_outputs("r", [LoggedModelOutput("mid", 3)]),
    lambda: s.create_logged_model("1", "nm", "r", [LoggedModelTag("a", "b")], [LoggedModelParameter("p", "v")], "mt"),
    lambda: s.create_logged_model("1"),
    lambda: s.get_logged_model(m),
    lambda: s.finalize_logged_model(m, LoggedModelStatus.READY),
    lambda: s.set_logged_model_tags(m, [LoggedModelTag("a", "b")]),
    lambda: s.delete_logged_model_tag(m, "a"),
    lambda: s.log_logged_model_params(m, [LoggedModelParameter("p", "v")]),
    lambda: s.delete_logged_model(m),
    lambda: s.record_logged_model("r", Model(artifact_path="p", run_id="r", utc_time_created="t", model_uuid="u", flavors={})),
]
for index, call in enumerate(calls):
    try:
        call()
    except Exception:
        pass  # an empty answer where an entity was expected: the request was caught already
"""#
