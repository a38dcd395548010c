import Foundation
import RESTStore
import TestSupport
import Tracking
import XCTest

/// The REST client's writes against a real `mlflow server`: the same operations, done once by
/// mltui's `RESTStore` and once by MLflow's own `RestStore`, each through its own server over a
/// fresh SQLite store, leave stores the real MLflow reads back equal; error answers carry the
/// codes and messages the Python client receives for the same calls.
final class RESTWriterTests: XCTestCase {
    /// Both servers, each over its own fresh SQLite store in `scratch`: `ours` written by mltui,
    /// `theirs` by MLflow's client, once for the whole class.
    struct Fixture: Sendable {
        var scratch: URL
        var ours: MLflowServer
        var theirs: MLflowServer
        var created: Created
        /// What the real MLflow read from each store right after the scenario, before other
        /// tests of the class wrote more.
        var oursDump = "", theirsDump = ""
        func database(_ name: String) -> String { "sqlite:///" + scratch.appendingPathComponent(name).path }
    }

    /// The ids our scenario created: experiments, runs, the logged model.
    struct Created: Sendable {
        var experiments: [String]
        var runs: [String]
        var model: String
    }

    static let shared = Locked<Fixture?>(nil)
    static let base: Int64 = 1_735_689_600_000

    override class func tearDown() {
        shared.withLock { fixture in
            fixture?.ours.stop()
            fixture?.theirs.stop()
            if let scratch = fixture?.scratch { try? FileManager.default.removeItem(at: scratch) }
            fixture = nil
        }
        super.tearDown()
    }

    func fixture() async throws -> Fixture {
        if let fixture = Self.shared.current { return fixture }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-rest-writes-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        func database(_ name: String) -> String { "sqlite:///" + scratch.appendingPathComponent(name).path }
        // Started side by side: each takes seconds to come up.
        let started = [database("ours.db"), database("theirs.db")].map { uri in
            Task.detached { try MLflowServer(arguments: ["--backend-store-uri", uri], directory: scratch) }
        }
        var servers: [MLflowServer] = []
        var failure: (any Error)?
        for task in started {
            do { servers.append(try await task.value) } catch { failure = error }
        }
        if let failure {
            servers.forEach { $0.stop() }
            throw failure
        }
        let (ours, theirs) = (servers[0], servers[1])
        var fixture = Fixture(scratch: scratch, ours: ours, theirs: theirs, created: Created(experiments: [], runs: [], model: ""))
        Self.shared.withLock { $0 = fixture }  // tearDown stops the servers even when a write below fails
        // The two clients write side by side, each to its own server; then both stores are read.
        let theirURL = theirs.url
        let python = Task.detached { try RESTWriterTests.python(writeScenario, [theirURL], in: scratch) }
        let created = try await Self.scenario(RESTStore(url: ours.url, configuration: RESTConfiguration()))
        _ = try await python.value
        fixture.created = created
        let dumps = [database("ours.db"), database("theirs.db")].map { uri in
            Task.detached { try StoreDump.text(uri: uri, maskPrefixes: ["mlflow-artifacts:/"]) }
        }
        fixture.oursDump = try await dumps[0].value
        fixture.theirsDump = try await dumps[1].value
        Self.shared.withLock { $0 = fixture }
        return fixture
    }

    func testEveryWriteReadsBackAsMLflowsOwn() async throws {
        let f = try await fixture()
        XCTAssertTrue(f.oursDump.contains("\"exp-renamed\""), f.oursDump)
        XCTAssertEqual(f.oursDump, f.theirsDump)
    }

    func testAnswersOfTheWritesAreParsed() async throws {
        let f = try await fixture()
        let created = f.created
        let store = RESTStore(url: f.ours.url, configuration: RESTConfiguration())
        let model = try await store.getLoggedModel(id: created.model)
        XCTAssertEqual(model.name, "model")
        XCTAssertEqual(model.status, .ready)
        XCTAssertEqual(model.sourceRunID, created.runs[0])
        XCTAssertEqual(model.modelType, "Agent")
        XCTAssertEqual(model.params.count, 151)
        XCTAssertEqual(Set(model.tags.map(\.key)), ["flavor", "stage"])
        let info = try await store.updateRun(id: created.runs[1], status: nil, endTime: nil, runName: "second-renamed")
        XCTAssertEqual(info.runName, "second-renamed")
        XCTAssertEqual(info.status, .running)
        XCTAssertEqual(info.lifecycleStage, .active)
        let run = try await store.getRun(id: created.runs[0])
        XCTAssertEqual(run.info.status, .finished)
        XCTAssertEqual(run.outputs.modelOutputs, [ModelIO(modelID: created.model, step: 3)])
    }

    /// Failing writes: our client's code and message equal those MLflow's client gets for the
    /// same call on the same server.
    func testErrorAnswersCarryMLflowsCodeAndMessage() async throws {
        let f = try await fixture()
        let created = f.created
        var configuration = RESTConfiguration()
        configuration.retry.maxRetries = 0  // as the Python side's MLFLOW_HTTP_REQUEST_MAX_RETRIES=0
        let store = RESTStore(url: f.ours.url, configuration: configuration)
        let (r1, r3) = (created.runs[0], created.runs[2])
        let missingRun = String(repeating: "0", count: 32)
        let ops: [(String, () async throws -> Void)] = [
            ("param change", { try await store.logParam(runID: r1, param: Param("lr", "0.02")) }),
            ("bad key", { try await store.setTag(runID: r1, tag: Tag("bad key!", "v")) }),
            ("deleted run", { try await store.setTag(runID: r3, tag: Tag("k", "v")) }),
            ("unknown run", { try await store.logMetric(runID: missingRun, metric: Metric(key: "m", value: 1, timestamp: 1, step: 0)) }),
            ("duplicate experiment", { _ = try await store.createExperiment(name: "writes", artifactLocation: nil, tags: []) }),
            ("unknown model", { _ = try await store.getLoggedModel(id: "m-" + missingRun) }),
            ("missing tag", { try await store.deleteTag(runID: r1, key: "nope") }),
            ("batch param change", { try await store.logBatch(runID: r1, metrics: [], params: [Param("lr", "9")], tags: []) }),
        ]
        var answers: [String] = []
        for (name, op) in ops {
            do {
                try await op()
                answers.append("\(name): ok")
            } catch let error as MLflowError {
                // The first line: SQLAlchemy's details after it hold the time of the attempt.
                answers.append("\(name): \(error.code.rawValue) \(error.message.split(separator: "\n").first ?? "")")
            }
        }
        let expected = try Self.python(errorScenario, [f.ours.url, r1, r3], in: f.scratch)
        XCTAssertEqual(answers.joined(separator: "\n") + "\n", expected)
        XCTAssertFalse(answers.contains { $0.hasSuffix(": ok") }, answers.joined(separator: "\n"))
    }

    /// The operations of `writeScenario`, through mltui's client.
    static func scenario(_ s: RESTStore) async throws -> Created {
        let t = base
        let a = try await s.createExperiment(name: "writes", artifactLocation: nil, tags: [Tag("team", "ml"), Tag("nested/key", "v/1")])
        let b = try await s.createExperiment(name: "to-rename", artifactLocation: nil, tags: [])
        try await s.renameExperiment(id: b, newName: "exp-renamed")
        try await s.setExperimentTag(experimentID: b, key: "stage", value: "dev")
        try await s.setExperimentTag(experimentID: b, key: "gone", value: "x")
        try await s.deleteExperimentTag(experimentID: b, key: "gone")
        try await s.deleteExperiment(id: b)
        try await s.restoreExperiment(id: b)
        let c = try await s.createExperiment(name: "doomed", artifactLocation: nil, tags: [])
        try await s.deleteExperiment(id: c)

        let r1 = try await s.createRun(RunCreation(experimentID: a, userID: "alice", startTime: t,
                                                   tags: [Tag("mlflow.source.name", "train.py")], runName: "first")).info.runID
        let r2 = try await s.createRun(RunCreation(experimentID: a, userID: "bob", startTime: t + 1000,
                                                   tags: [Tag("mlflow.runName", "second")])).info.runID
        let r3 = try await s.createRun(RunCreation(experimentID: a, startTime: t + 2000, runName: "third")).info.runID
        for (step, value) in [0.5, .nan, .infinity, -.infinity].enumerated() {
            try await s.logMetric(runID: r1, metric: Metric(key: "loss", value: value, timestamp: t + 1 + Int64(step), step: Int64(step)))
        }
        try await s.logParam(runID: r1, param: Param("lr", "0.01"))
        try await s.logParam(runID: r1, param: Param("lr", "0.01"))
        try await s.setTag(runID: r1, tag: Tag("stage", "dev"))
        try await s.setTag(runID: r1, tag: Tag("temp", "x"))
        try await s.deleteTag(runID: r1, key: "temp")
        try await s.setTag(runID: r1, tag: Tag("mlflow.note.content", "# Notes\nline 2"))
        try await s.logBatch(runID: r2, metrics: (0..<5).map { Metric(key: "acc", value: 0.1 * Double($0), timestamp: t + 10 + Int64($0), step: Int64($0)) },
                             params: [Param("layers", "3"), Param("empty", "")], tags: [Tag("k/with slash", "v w")])
        let dataset = Dataset(name: "ds", digest: "abc123", sourceType: "local", source: "file:///data", schema: "{}")
        try await s.logInputs(runID: r2, datasets: [DatasetInput(tags: [Tag("mlflow.data.context", "training")], dataset: dataset)], models: [])
        _ = try await s.updateRun(id: r1, status: .finished, endTime: t + 5000, runName: nil)
        _ = try await s.updateRun(id: r2, status: nil, endTime: nil, runName: "second-renamed")
        try await s.deleteRun(id: r3)
        try await s.restoreRun(id: r3)
        try await s.deleteRun(id: r3)

        let model = try await s.createLoggedModel(LoggedModelCreation(
            experimentID: a, name: "model", sourceRunID: r1, tags: [Tag("flavor", "sklearn")],
            params: (0..<150).map { Param(String(format: "p%03d", $0), String($0)) }, modelType: "Agent"))
        XCTAssertEqual(model.params.count, 150)
        let m = model.modelID
        let ready = try await s.finalizeLoggedModel(id: m, status: .ready)
        XCTAssertEqual(ready.status, .ready)
        try await s.setLoggedModelTags(id: m, tags: [Tag("stage", "prod"), Tag("temp", "x")])
        try await s.deleteLoggedModelTag(id: m, key: "temp")
        try await s.logLoggedModelParams(id: m, params: [Param("extra", "1")])
        try await s.logMetric(runID: r1, metric: Metric(key: "model_acc", value: 0.9, timestamp: t + 6, step: 0,
                                                         datasetName: "ds", datasetDigest: "abc123", modelID: m))
        try await s.logOutputs(runID: r1, models: [ModelIO(modelID: m, step: 3)])
        try await s.logInputs(runID: r2, datasets: [], models: [ModelIO(modelID: m)])
        return Created(experiments: [a, b, c], runs: [r1, r2, r3], model: m)
    }

    /// Runs a Python script with the venv's MLflow; its stdout, or a failure with its stderr.
    static func python(_ script: String, _ arguments: [String], in scratch: URL) throws -> String {
        let file = scratch.appendingPathComponent("script-\(UUID().uuidString.prefix(6)).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [file.path] + arguments,
                                           environment: environment, cwd: scratch, timeout: 120)
        guard result.status == 0 else { throw SupportError("python failed (\(result.status)):\n\(result.stderrText.suffix(3000))") }
        return result.stdoutText
    }
}

/// `scenario` through MLflow's own `RestStore` (the store the Python client uses for http URIs).
private let writeScenario = #"""
import sys
from mlflow.tracking._tracking_service.utils import _get_store
from mlflow.entities import (Metric, Param, RunTag, ExperimentTag, DatasetInput, Dataset, InputTag,
                             LoggedModelInput, LoggedModelOutput, LoggedModelStatus, LoggedModelTag,
                             LoggedModelParameter)
s = _get_store(sys.argv[1])
T = 1735689600000
a = s.create_experiment("writes", None, [ExperimentTag("team", "ml"), ExperimentTag("nested/key", "v/1")])
b = s.create_experiment("to-rename", None, [])
s.rename_experiment(b, "exp-renamed")
s.set_experiment_tag(b, ExperimentTag("stage", "dev"))
s.set_experiment_tag(b, ExperimentTag("gone", "x"))
s.delete_experiment_tag(b, "gone")
s.delete_experiment(b)
s.restore_experiment(b)
c = s.create_experiment("doomed", None, [])
s.delete_experiment(c)
r1 = s.create_run(a, "alice", T, [RunTag("mlflow.source.name", "train.py")], "first").info.run_id
r2 = s.create_run(a, "bob", T + 1000, [RunTag("mlflow.runName", "second")], None).info.run_id
r3 = s.create_run(a, "", T + 2000, [], "third").info.run_id
for step, value in enumerate([0.5, float("nan"), float("inf"), float("-inf")]):
    s.log_metric(r1, Metric("loss", value, T + 1 + step, step))
s.log_param(r1, Param("lr", "0.01"))
s.log_param(r1, Param("lr", "0.01"))
s.set_tag(r1, RunTag("stage", "dev"))
s.set_tag(r1, RunTag("temp", "x"))
s.delete_tag(r1, "temp")
s.set_tag(r1, RunTag("mlflow.note.content", "# Notes\nline 2"))
s.log_batch(r2, [Metric("acc", 0.1 * i, T + 10 + i, i) for i in range(5)],
            [Param("layers", "3"), Param("empty", "")], [RunTag("k/with slash", "v w")])
dataset = Dataset("ds", "abc123", "local", "file:///data", "{}", None)
s.log_inputs(r2, [DatasetInput(dataset, [InputTag("mlflow.data.context", "training")])], [])
s.update_run_info(r1, "FINISHED", T + 5000, None)
s.update_run_info(r2, None, None, "second-renamed")
s.delete_run(r3)
s.restore_run(r3)
s.delete_run(r3)
m = s.create_logged_model(a, "model", r1, [LoggedModelTag("flavor", "sklearn")],
                          [LoggedModelParameter("p%03d" % i, str(i)) for i in range(150)], "Agent").model_id
s.finalize_logged_model(m, LoggedModelStatus.READY)
s.set_logged_model_tags(m, [LoggedModelTag("stage", "prod"), LoggedModelTag("temp", "x")])
s.delete_logged_model_tag(m, "temp")
s.log_logged_model_params(m, [LoggedModelParameter("extra", "1")])
s.log_metric(r1, Metric("model_acc", 0.9, T + 6, 0, model_id=m, dataset_name="ds", dataset_digest="abc123"))
s.log_outputs(r1, [LoggedModelOutput(m, 3)])
s.log_inputs(r2, [], [LoggedModelInput(m)])
print(a, b, c, r1, r2, r3, m)
"""#

/// The failing calls of `testErrorAnswersCarryMLflowsCodeAndMessage`, through MLflow's client.
private let errorScenario = #"""
import sys
from mlflow.exceptions import MlflowException, RestException
from mlflow.tracking._tracking_service.utils import _get_store
from mlflow.entities import Metric, Param, RunTag
s = _get_store(sys.argv[1])
r1, r3 = sys.argv[2:4]
missing = "0" * 32
ops = [
    ("param change", lambda: s.log_param(r1, Param("lr", "0.02"))),
    ("bad key", lambda: s.set_tag(r1, RunTag("bad key!", "v"))),
    ("deleted run", lambda: s.set_tag(r3, RunTag("k", "v"))),
    ("unknown run", lambda: s.log_metric(missing, Metric("m", 1, 1, 0))),
    ("duplicate experiment", lambda: s.create_experiment("writes", None, [])),
    ("unknown model", lambda: s.get_logged_model("m-" + missing)),
    ("missing tag", lambda: s.delete_tag(r1, "nope")),
    ("batch param change", lambda: s.log_batch(r1, [], [Param("lr", "9")], [])),
]
for name, op in ops:
    try:
        op()
        print(f"{name}: ok")
    except RestException as e:
        print(f"{name}: {e.json['error_code']} {e.json['message'].splitlines()[0]}")
"""#
