import Foundation
import HTTPClient
import RESTStore
import Tracking
import XCTest

/// The REST backend against a misbehaving server: every failure is one MLflowError line naming
/// the server and the endpoint, within bounded time, never a crash or a hang.
final class FaultTests: XCTestCase {
    /// The class's stub server, started in setUp and stopped in tearDown.
    static let server = Locked<StubServer?>(nil)

    override class func setUp() {
        server.withLock { $0 = try? StubServer() }
    }

    override class func tearDown() {
        server.withLock { $0?.stop(); $0 = nil }
    }

    var stub: StubServer {
        get throws {
            guard let stub = FaultTests.server.current else { XCTFail("no stub server (needs \(StubServer.python))"); throw XCTSkip("no stub server (needs \(StubServer.python))") }
            return stub
        }
    }

    /// Small timeouts and quick retries so faults resolve in seconds (MLflow's defaults are 120 s, 7 retries).
    func configuration(retries: Int = 2, timeout: Int = 1, credentials: RESTConfiguration.Credentials? = nil) -> RESTConfiguration {
        var retry = RetryPolicy()
        retry.maxRetries = retries
        retry.backoffFactor = 0.05
        retry.jitter = 0
        return RESTConfiguration(http: HTTPOptions(timeout: timeout), credentials: credentials, retry: retry)
    }

    func store(_ mode: String, _ configuration: RESTConfiguration? = nil) throws -> RESTStore {
        RESTStore(url: "\(try stub.url)/\(mode)", configuration: configuration ?? self.configuration())
    }

    func unique(_ kind: String) -> String { "\(kind)-\(UUID().uuidString.prefix(8))" }

    /// The error a call throws, failing the test when it succeeds or throws something else.
    func failure<T>(_ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async -> MLflowError {
        do {
            _ = try await body()
            XCTFail("expected an error", file: file, line: line)
            return MLflowError(.internalError, "")
        } catch let error as MLflowError {
            XCTAssertFalse(error.message.contains("\n"), "one line: \(error.message)", file: file, line: line)
            return error
        } catch {
            XCTFail("not an MLflowError: \(error)", file: file, line: line)
            return MLflowError(.internalError, "")
        }
    }

    func requestCount(_ mode: String) async throws -> Int {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(try stub.url)/x/count?\(mode)"))
        return Int(try JSONValue.parse(response.body)["count"]?.int64Value ?? -1)
    }

    func testRefusedConnectionNamesServerAndEndpoint() async throws {
        let url = "http://127.0.0.1:\(StubServer.closedPort())"
        let store = RESTStore(url: url, configuration: configuration(retries: 1))
        let error = await failure { try await store.getExperiment(id: "1") }
        XCTAssertEqual(error.code, .temporarilyUnavailable)
        XCTAssertTrue(error.message.contains(url), error.message)
        XCTAssertTrue(error.message.contains("GET /api/2.0/mlflow/experiments/get"), error.message)
        XCTAssertTrue(error.message.contains("2 attempts"), error.message)
    }

    func testServerThatNeverAnswersTimesOut() async throws {
        let store = try store(unique("hang"), configuration(retries: 0, timeout: 1))
        let started = Date()
        let error = await failure { try await store.searchExperiments(ExperimentSearch()) }
        XCTAssertEqual(error.code, .deadlineExceeded)
        XCTAssertTrue(error.message.contains("did not answer in time"), error.message)
        XCTAssertTrue(error.message.contains("POST /api/2.0/mlflow/experiments/search"), error.message)
        // The stub sleeps 30 s; returning well before proves the 1 s read timeout was applied.
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
    }

    func test503ThenSuccessIsRetried() async throws {
        let mode = unique("flaky")
        let experiment = try await store(mode).getExperiment(id: "7")
        XCTAssertEqual(experiment.name, "stub-exp")
        let count = try await requestCount(mode)
        XCTAssertEqual(count, 3, "two 503 answers, then the retried request")
    }

    func testPersistent503GivesUpAfterMaxRetries() async throws {
        let mode = unique("down")
        let error = await failure { try await self.store(mode, self.configuration(retries: 2)).getRun(id: "r") }
        XCTAssertEqual(error.code, .temporarilyUnavailable)
        XCTAssertTrue(error.message.contains("HTTP 503"), error.message)
        XCTAssertTrue(error.message.contains("503 Service Unavailable"), "HTML title kept: \(error.message)")
        let count = try await requestCount(mode)
        XCTAssertEqual(count, 3)
    }

    func test401GivesAnAuthMessage() async throws {
        let error = await failure { try await self.store(self.unique("auth")).getExperiment(id: "7") }
        XCTAssertEqual(error.code, .unauthenticated)
        XCTAssertTrue(error.message.contains("401"), error.message)
        XCTAssertTrue(error.message.contains("MLFLOW_TRACKING_USERNAME"), error.message)
    }

    func testBasicAndBearerCredentialsAreSent() async throws {
        let basic = try store(unique("auth"), configuration(credentials: .basic(username: "alice", password: "s3cret")))
        let viaBasic = try await basic.getExperiment(id: "7")
        XCTAssertEqual(viaBasic.experimentID, "7")
        let bearer = try store(unique("auth"), configuration(credentials: .bearer(token: "tok3n")))
        let viaBearer = try await bearer.getExperiment(id: "7")
        XCTAssertEqual(viaBearer.experimentID, "7")
        let wrong = try store(unique("auth"), configuration(credentials: .basic(username: "alice", password: "wr0ngpass")))
        let error = await failure { try await wrong.getExperiment(id: "7") }
        XCTAssertEqual(error.code, .unauthenticated)
        XCTAssertFalse(error.message.contains("wr0ngpass"))
    }

    func testHTMLInsteadOfJSON() async throws {
        let error = await failure { try await self.store(self.unique("html")).searchExperiments(ExperimentSearch()) }
        XCTAssertEqual(error.code, .internalError)
        XCTAssertTrue(error.message.contains("HTML page instead of JSON"), error.message)
        XCTAssertTrue(error.message.contains(try stub.url), error.message)
    }

    func testResponseCutOffMidBody() async throws {
        let mode = unique("truncated")
        let error = await failure { try await self.store(mode, self.configuration(retries: 1)).searchExperiments(ExperimentSearch()) }
        XCTAssertEqual(error.code, .temporarilyUnavailable)
        XCTAssertTrue(error.message.contains("broke off"), error.message)
        let count = try await requestCount(mode)
        XCTAssertEqual(count, 2, "a cut-off transfer is retried like a connection error")
    }

    func testHalfAJSONDocument() async throws {
        let error = await failure { try await self.store(self.unique("halfjson")).searchExperiments(ExperimentSearch()) }
        XCTAssertEqual(error.code, .internalError)
        XCTAssertTrue(error.message.contains("invalid JSON"), error.message)
        XCTAssertTrue(error.message.contains("POST /api/2.0/mlflow/experiments/search"), error.message)
    }

    func testMLflowJSONErrorKeepsCodeAndMessage() async throws {
        let error = await failure { try await self.store(self.unique("mlflowerror")).getRun(id: "abc") }
        XCTAssertEqual(error, MLflowError(.resourceDoesNotExist, "Run with id=abc not found"))
    }

    func testUserinfoNeverShown() async throws {
        let store = RESTStore(url: "http://bob:hunter2@127.0.0.1:\(StubServer.closedPort())/", configuration: configuration(retries: 0))
        XCTAssertFalse(store.uri.contains("hunter2"))
        XCTAssertFalse(store.uri.contains("bob"))
        let error = await failure { try await store.getRun(id: "x") }
        XCTAssertFalse(error.message.contains("hunter2"), error.message)
    }

    // MARK: What goes on the wire

    /// The request the stub last saw for `mode`.
    func lastRequest(_ mode: String) async throws -> JSONValue {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(try stub.url)/x/last?\(mode)"))
        return try JSONValue.parse(response.body)
    }

    func testRunsSearchBody() async throws {
        let mode = unique("echo")
        var oneRequest = configuration()
        oneRequest.runsSubPage = 0
        _ = try await store(mode, oneRequest).searchRuns(RunSearch(experimentIDs: ["1", "22"], filter: "metrics.rmse < 1",
                                                           orderBy: ["metrics.rmse DESC"], viewType: .all,
                                                           maxResults: 100_000, pageToken: "tok"))
        let seen = try await lastRequest(mode)
        XCTAssertEqual(seen["method"]?.stringValue, "POST")
        XCTAssertEqual(seen["path"]?.stringValue, "/api/2.0/mlflow/runs/search")
        XCTAssertEqual(seen["headers"]?["content-type"]?.stringValue, "application/json")
        let body = try JSONValue.parse(try XCTUnwrap(seen["body"]?.stringValue))
        XCTAssertEqual(body["experiment_ids"], .array([.string("1"), .string("22")]))
        XCTAssertEqual(body["max_results"], .int(50000), "capped at MLflow's page limit")
        XCTAssertEqual(body["run_view_type"], .string("ALL"))
        XCTAssertEqual(body["filter"], .string("metrics.rmse < 1"))
        XCTAssertEqual(body["order_by"], .array([.string("metrics.rmse DESC")]))
        XCTAssertEqual(body["page_token"], .string("tok"))

        // By default a large page starts with one sub-page (the `{}` answer ends it).
        let subPaged = unique("echo")
        _ = try await store(subPaged).searchRuns(RunSearch(experimentIDs: ["1"], maxResults: 100_000))
        let first = try await lastRequest(subPaged)
        XCTAssertEqual(try JSONValue.parse(try XCTUnwrap(first["body"]?.stringValue))["max_results"], .int(1000))
    }

    func testExperimentsSearchAlwaysSendsMaxResults() async throws {
        let mode = unique("echo")
        let page = try await store(mode).searchExperiments(ExperimentSearch())
        XCTAssertTrue(page.items.isEmpty && page.nextPageToken == nil, "{} is an empty page")
        let seen = try await lastRequest(mode)
        let body = try JSONValue.parse(try XCTUnwrap(seen["body"]?.stringValue))
        XCTAssertEqual(body["max_results"], .int(1000))
        XCTAssertEqual(body["view_type"], .string("ACTIVE_ONLY"))
    }

    func testMetricHistoryQueryIsEncoded() async throws {
        let mode = unique("echo")
        let credentials = RESTConfiguration.Credentials.basic(username: "alice", password: "s3cret")
        _ = try await store(mode, configuration(credentials: credentials))
            .metricHistory(runID: "abc", key: "train/loss é&x", maxResults: 25, pageToken: "eyJvZmZzZXQiOiAyfQ==")
        let seen = try await lastRequest(mode)
        XCTAssertEqual(seen["headers"]?["authorization"]?.stringValue, "Basic YWxpY2U6czNjcmV0")
        XCTAssertEqual(seen["method"]?.stringValue, "GET")
        XCTAssertEqual(seen["path"]?.stringValue, "/api/2.0/mlflow/metrics/get-history")
        XCTAssertEqual(seen["query"], .array([
            .array([.string("run_id"), .string("abc")]),
            .array([.string("metric_key"), .string("train/loss é&x")]),
            .array([.string("max_results"), .string("25")]),
            .array([.string("page_token"), .string("eyJvZmZzZXQiOiAyfQ==")]),
        ]))
    }

    // MARK: Large pages as concurrent sub-pages

    func checkSubPages(_ kind: String, expectedRequests: Int) async throws {
        var config = configuration()
        config.runsSubPage = 2
        config.runsLanes = 3
        let mode = unique(kind)
        let store = try store(mode, config)
        let page = try await store.searchRuns(RunSearch(experimentIDs: ["1"], maxResults: 50000))
        XCTAssertEqual(page.items.map(\.info.runID), (0..<7).map { "r\($0)" })
        XCTAssertNil(page.nextPageToken)
        let partial = try await store.searchRuns(RunSearch(experimentIDs: ["1"], maxResults: 5))
        XCTAssertEqual(partial.items.map(\.info.runID), (0..<5).map { "r\($0)" })
        let rest = try await store.searchRuns(RunSearch(experimentIDs: ["1"], maxResults: 5, pageToken: partial.nextPageToken))
        XCTAssertEqual(rest.items.map(\.info.runID), ["r5", "r6"])
        XCTAssertNil(rest.nextPageToken)
        let count = try await requestCount(mode)
        XCTAssertEqual(count, expectedRequests)
    }

    func testLargePagesWithMLflowTokensAreFetchedConcurrently() async throws {
        // 50000: 1 + 3 concurrent (the last past the end is never sent: 7 runs need 4 pages);
        // 5: 1 + 2; then 5 more from offset 5: 1 (2 runs, the end).
        try await checkSubPages("offsetpages", expectedRequests: 4 + 3 + 1)
    }

    func testLargePagesWithOpaqueTokensAreFetchedSequentially() async throws {
        try await checkSubPages("pages", expectedRequests: 4 + 3 + 1)
    }

    // MARK: Artifacts

    func expectedArtifact(_ range: Range<Int>) -> [UInt8] { range.map { UInt8($0 % 256) } }

    func checkArtifactReads(_ mode: String) async throws {
        let content = try await store(mode).openArtifact(runID: "r1", path: "big.bin")
        XCTAssertEqual(content.size, 1 << 20)
        let head = try await content.read(offset: 10, count: 100)
        XCTAssertEqual(head, expectedArtifact(10..<110))
        let middle = try await content.read(offset: 600_000, count: 5000)
        XCTAssertEqual(middle, expectedArtifact(600_000..<605_000))
        let tail = try await content.read(offset: (1 << 20) - 10, count: 100)
        XCTAssertEqual(tail, expectedArtifact((1 << 20) - 10..<(1 << 20)))
        let past = try await content.read(offset: 1 << 20, count: 10)
        XCTAssertEqual(past, [])
        var whole: [UInt8] = []
        for try await chunk in content.chunks(size: 300_000) { whole += chunk }
        XCTAssertEqual(whole, expectedArtifact(0..<(1 << 20)))
    }

    func testArtifactRangeReads() async throws {
        try await checkArtifactReads(unique("artifact"))
    }

    func testArtifactReadsWhenServerIgnoresRange() async throws {
        try await checkArtifactReads(unique("artifact-norange"))
    }

    // MARK: Connections and cancellation

    func testSequentialRequestsReuseTheConnection() async throws {
        let mode = unique("echo")
        let store = try store(mode)
        _ = try await store.metricHistory(runID: "a", key: "k", maxResults: nil, pageToken: nil)
        let first = try await lastRequest(mode)["peer"]
        _ = try await store.metricHistory(runID: "b", key: "k", maxResults: nil, pageToken: nil)
        let second = try await lastRequest(mode)["peer"]
        XCTAssertNotNil(first)
        XCTAssertEqual(first, second, "same client port: the kept-alive connection was reused")
    }

    func testCancellingATaskAbortsItsRequest() async throws {
        let store = try store(unique("hang"), configuration(retries: 0, timeout: 60))
        let started = Date()
        let task = Task { try await store.getExperiment(id: "1") }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        let result = await task.result
        guard case .failure(let error) = result else { return XCTFail("a cancelled request must not succeed") }
        XCTAssertEqual((error as? MLflowError)?.code, .aborted, "\(error)")
        // The stub never answers and the timeout is 60 s: only the cancellation can end it this soon.
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    // MARK: Concurrency

    func testConcurrentRequestsShareAPoolOfHandles() async throws {
        let store = try store(unique("flaky"), configuration(retries: 3))
        try await withThrowingTaskGroup(of: Experiment.self) { group in
            for _ in 0..<40 { group.addTask { try await store.getExperiment(id: "7") } }
            var count = 0
            for try await experiment in group {
                XCTAssertEqual(experiment.name, "stub-exp")
                count += 1
            }
            XCTAssertEqual(count, 40)
        }
    }

    // MARK: The scripting commands

    func testScriptingCommandExitsNonZeroWithOneLine() async throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/mltui")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { XCTFail("mltui not built"); throw XCTSkip("mltui not built") }
        for mode in ["html", "halfjson", "down"] {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["experiments", "--tracking-uri", "\(try stub.url)/\(unique(mode))", "--format", "json"]
            process.environment = ["MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
                                   "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "2", "HOME": "/nonexistent"]
            let errors = Pipe(), output = Pipe()
            process.standardError = errors
            process.standardOutput = output
            try process.run()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 1, mode)
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            XCTAssertTrue(stderr.contains("POST /api/2.0/mlflow/experiments/search"), stderr)
            XCTAssertNotNil(MLflowError(json: try JSONValue.parse(stdout)), "MLflow error body on stdout: \(stdout)")
        }
    }
}
