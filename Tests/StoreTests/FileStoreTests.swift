import Foundation
import XCTest
import Tracking
@testable import FileStore

/// The file store over a store written by the real MLflow client, compared with MLflow's own
/// answers over the same files (Scripts/filestore_oracle.py).
final class FileStoreTests: XCTestCase {
    /// One generated store and MLflow's answers, shared by the tests of this class.
    struct Fixture {
        var root: String
        /// MLflow's answers as the oracle script printed them (JSON).
        var oracleJSON: Data
        var oracle: [String: Any] { try! JSONSerialization.jsonObject(with: oracleJSON) as! [String: Any] }
        var experimentIDs: [String: String]  // name -> id
        var runIDs: [String: String]  // run name -> id
    }

    static let oracleScript = MLflowPython.scripts.appendingPathComponent("filestore_oracle.py").path
    /// Made by the first test that asks for it.
    static let shared = Result { try makeFixture(requests: ["searches": searches, "experiment_searches": experimentSearches]) }

    /// The searches compared with MLflow; experiments by name (see the oracle script).
    static var searches: [[String: Any]] { [
        ["experiments": ["alpha"]],
        ["experiments": ["alpha"], "view": "ALL"],
        ["experiments": ["alpha"], "view": "DELETED_ONLY"],
        ["experiments": ["alpha", "日本語 🚀 beta", "no-such-experiment"], "filter": "params.model = 'cnn'"],
        ["experiments": ["alpha", "gone"], "view": "ALL", "filter": "params.model = 'cnn'"],
        ["experiments": ["alpha"], "filter": "metrics.loss < 0.5"],
        ["experiments": ["alpha"], "filter": "metrics.acc >= 0.6 and params.lr = '0.01'"],
        ["experiments": ["alpha"], "filter": "tags.stage = 'prod'", "order_by": ["metrics.loss DESC"]],
        ["experiments": ["alpha"], "filter": "attributes.status = 'FAILED'"],
        ["experiments": ["alpha"], "filter": "attributes.run_name LIKE 'run-%'", "order_by": ["attributes.run_name DESC"]],
        ["experiments": ["alpha"], "filter": "params.`key with spaces` = 'v a l'"],
        ["experiments": ["alpha"], "filter": "params.empty = ''"],
        ["experiments": ["alpha"], "filter": "metrics.`train/loss` > 2"],
        ["experiments": ["alpha"], "filter": "datasets.name = 'mydata'"],
        ["experiments": ["alpha"], "filter": "datasets.context = 'training'"],
        ["experiments": ["alpha"], "filter": "tags.`mlflow.parentRunId` != ''"],
        ["experiments": ["alpha"], "order_by": ["metrics.loss ASC"]],
        ["experiments": ["alpha"], "order_by": ["metrics.loss DESC"]],
        ["experiments": ["alpha"], "order_by": ["params.lr"]],
        ["experiments": ["alpha"], "order_by": ["attributes.start_time ASC"]],
        ["experiments": ["alpha"], "order_by": ["tags.stage DESC", "metrics.acc"]],
        ["experiments": ["alpha"], "order_by": ["run_name"]],
        ["experiments": ["alpha"], "order_by": ["attributes.end_time DESC"]],
        ["experiments": ["alpha"], "max_results": 4],
        ["experiments": ["alpha"], "max_results": 3, "order_by": ["metrics.loss DESC"], "filter": "metrics.loss > 0"],
        ["experiments": ["alpha"], "filter": "metrics.nosuch > 1"],
    ] }

    static var experimentSearches: [[String: Any]] { [
        [:],
        ["view": "ALL"],
        ["view": "DELETED_ONLY"],
        ["filter": "name LIKE 'a%'"],
        ["filter": "tags.team = 'ml'"],
        ["order_by": ["name ASC"], "view": "ALL"],
        ["max_results": 2],
    ] }

    static func makeFixture(requests: [String: Any]) throws -> Fixture {
        let dir = try temporaryDirectory("fs")
        _ = try MLflowPython.run(oracleScript, ["make", dir])
        let root = dir + "/mlruns"
        let oracle = try answers(root: root, requests: requests)
        var experimentIDs: [String: String] = [:]
        for e in oracle["experiments"] as! [[String: Any]] { experimentIDs[e["name"] as! String] = (e["experiment_id"] as! String) }
        var runIDs: [String: String] = [:]
        for (id, run) in oracle["runs"] as! [String: [String: Any]] {
            runIDs[(run["info"] as! [String: Any])["run_name"] as! String] = id
        }
        return Fixture(root: root, oracleJSON: try JSONSerialization.data(withJSONObject: oracle),
                       experimentIDs: experimentIDs, runIDs: runIDs)
    }

    static func answers(root: String, requests: [String: Any]) throws -> [String: Any] {
        let requestFile = try temporaryDirectory("req") + "/requests.json"
        try JSONSerialization.data(withJSONObject: requests).write(to: URL(fileURLWithPath: requestFile))
        return try MLflowPython.json(oracleScript, ["answer", root, requestFile]) as! [String: Any]
    }

    func fixture() throws -> Fixture {
        do { return try FileStoreTests.shared.get() } catch { XCTFail("fixture: \(error)"); throw error }
    }

    func store(_ root: String, _ log: StoreWarnings = StoreWarnings()) throws -> FileStore {
        try FileStore(root: root, warn: log.sink)
    }

    // MARK: comparisons with MLflow

    func testExperimentsMatchMLflow() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let expected = f.oracle["experiments"] as! [[String: Any]]
        XCTAssertEqual(expected.count, 4)
        for e in expected {
            let id = e["experiment_id"] as! String
            let got = try await store.getExperiment(id: id)
            XCTAssertEqual(got.name, e["name"] as? String)
            XCTAssertEqual(got.artifactLocation, e["artifact_location"] as? String)
            XCTAssertEqual(got.lifecycleStage.rawValue, e["lifecycle_stage"] as? String)
            XCTAssertEqual(got.creationTime, (e["creation_time"] as? NSNumber)?.int64Value)
            XCTAssertEqual(got.lastUpdateTime, (e["last_update_time"] as? NSNumber)?.int64Value)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: got.tags.map { ($0.key, $0.value) }), e["tags"] as! [String: String])
            XCTAssertEqual(got.workspace, e["workspace"] as? String)
            let byName = try await store.getExperimentByName(got.name)
            XCTAssertEqual(byName.experimentID, id)
        }
        let alpha = try await store.getExperiment(id: f.experimentIDs["alpha"]!)
        XCTAssertEqual(alpha.tags.first { $0.key == "multi" }?.value, "line1\nline2")
        XCTAssertEqual(alpha.tags.first { $0.key == "nested/key" }?.value, "v/1")
    }

    func testExperimentErrorsUseMLflowMessages() async throws {
        let store = try store(try fixture().root)
        do {
            _ = try await store.getExperiment(id: "999")
            XCTFail("expected an error")
        } catch let error as MLflowError {
            XCTAssertEqual(error, MLflowError(.resourceDoesNotExist, "Could not find experiment with ID 999"))
        }
        do {
            _ = try await store.getExperimentByName("x")
            XCTFail("expected an error")
        } catch let error as MLflowError {
            XCTAssertEqual(error, MLflowError(.resourceDoesNotExist, "Could not find experiment with name 'x'"))
        }
        XCTAssertThrowsError(try FileStore(root: "/nonexistent/mlruns", warn: { _ in })) {
            XCTAssertEqual(($0 as? MLflowError)?.code, .resourceDoesNotExist)
        }
    }

    func testRunsMatchMLflow() async throws {
        let f = try fixture()
        let log = StoreWarnings()
        let store = try store(f.root, log)
        let runs = f.oracle["runs"] as! [String: [String: Any]]
        let latest = f.oracle["latest"] as! [String: [String: [String: Any]]]
        XCTAssertGreaterThan(runs.count, 15)
        for (id, expected) in runs {
            let run = try await store.getRun(id: id)
            assertRun(run, expected, latest: latest[id]!)
        }
        XCTAssertEqual(log.messages, [])
        // Spot checks of the oddities in the generated store.
        let edge = try await store.getRun(id: f.runIDs["edge: 'quoted' \"name\""]!)
        XCTAssertEqual(edge.data.param("empty"), "")
        XCTAssertEqual(edge.data.param("path/with/slash"), "a/b")
        XCTAssertEqual(edge.data.tag("multi_line"), "first\nsecond\n  third")
        XCTAssertTrue(edge.data.metric("nanm")!.value.isNaN)
        XCTAssertEqual(edge.data.metric("ninfm")?.value, -.infinity)
        XCTAssertEqual(edge.data.metric("ooo")?.value, 7.0)  // max (step, timestamp, value)
        XCTAssertEqual(edge.data.metric("ooo")?.runID, edge.info.runID)
        XCTAssertEqual(edge.inputs.datasetInputs.first?.context, "training")
        XCTAssertEqual(edge.outputs.modelOutputs.first?.step, 2)
        let child = try await store.getRun(id: f.runIDs["child-1"]!)
        XCTAssertEqual(child.parentRunID, f.runIDs["parent"])
        let parent = try await store.getRun(id: f.runIDs["parent"]!)
        XCTAssertEqual(parent.info.status, .running)
        XCTAssertNil(parent.info.endTime)
    }

    func testMetricHistoriesMatchMLflow() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let histories = f.oracle["histories"] as! [String: [[Any]]]
        XCTAssertGreaterThan(histories.count, 20)
        for (name, expected) in histories {
            let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
            let got = try await store.fullMetricHistory(runID: parts[0], key: parts[1], pageSize: 7)
            XCTAssertEqual(got.count, expected.count, name)
            for (metric, want) in zip(got, expected) {
                XCTAssertEqual(metric.timestamp, (want[0] as! NSNumber).int64Value, name)
                let value = Double(want[1] as! String)!
                XCTAssertTrue(metric.value == value || (metric.value.isNaN && value.isNaN), name)
                XCTAssertEqual(metric.step, (want[2] as! NSNumber).int64Value, name)
                XCTAssertEqual(metric.datasetName, want[3] as? String, name)
                XCTAssertEqual(metric.datasetDigest, want[4] as? String, name)
                XCTAssertEqual(metric.runID, parts[0])
            }
        }
        // The exact duplicate line is kept (`FileStore.get_metric_history`); the 5-field line has
        // step 0 as MLflow reads it.
        let edge = f.runIDs["edge: 'quoted' \"name\""]!
        let dup = try await store.metricHistory(runID: edge, key: "dup", maxResults: nil, pageToken: nil)
        XCTAssertEqual(dup.items.count, 2)
        XCTAssertEqual(histories[edge + " ds_metric"]?.first?[2] as? NSNumber, 0)
    }

    func testMetricHistoryPaging() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let edge = f.runIDs["edge: 'quoted' \"name\""]!
        let first = try await store.metricHistory(runID: edge, key: "hist", maxResults: 100, pageToken: nil)
        XCTAssertEqual(first.items.map(\.step), Array(0..<100))
        XCTAssertEqual(first.nextPageToken, PageToken.encode(offset: 100))
        let last = try await store.metricHistory(runID: edge, key: "hist", maxResults: 100, pageToken: PageToken.encode(offset: 200))
        XCTAssertEqual(last.items.map(\.step), Array(200..<250))
        XCTAssertNil(last.nextPageToken)
        let rest = try await store.metricHistory(runID: edge, key: "hist", maxResults: nil, pageToken: PageToken.encode(offset: 240))
        XCTAssertEqual(rest.items.count, 10)
        let unknownKey = try await store.metricHistory(runID: edge, key: "nope", maxResults: nil, pageToken: nil)
        XCTAssertEqual(unknownKey.items.count, 0)
        let escape = try await store.metricHistory(runID: edge, key: "../meta.yaml", maxResults: nil, pageToken: nil)
        XCTAssertEqual(escape.items.count, 0)
        await assertThrows(.resourceDoesNotExist) { _ = try await store.metricHistory(runID: String(repeating: "0", count: 32), key: "x", maxResults: nil, pageToken: nil) }
        await assertThrows(.invalidParameterValue) { _ = try await store.metricHistory(runID: edge, key: "hist", maxResults: 0, pageToken: nil) }
        await assertThrows(.invalidParameterValue) { _ = try await store.getRun(id: "../etc") }
    }

    func assertThrows(_ code: ErrorCode, _ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("expected \(code.rawValue)", file: file, line: line)
        } catch {
            XCTAssertEqual((error as? MLflowError)?.code, code, "\(error)", file: file, line: line)
        }
    }

    func testSearchRunsMatchesMLflow() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let answers = f.oracle["searches"] as! [[String: Any]]
        for (request, answer) in zip(FileStoreTests.searches, answers) {
            var search = RunSearch(experimentIDs: answer["experiments"] as! [String])
            search.filter = request["filter"] as? String ?? ""
            search.orderBy = request["order_by"] as? [String] ?? []
            search.viewType = ViewType(rawValue: request["view"] as? String ?? "ACTIVE_ONLY")!
            search.maxResults = request["max_results"] as? Int ?? 1000
            if let error = answer["error"] as? String {
                await assertThrows(.invalidParameterValue) { _ = try await store.searchRuns(search) }
                _ = error
                continue
            }
            var ids: [String] = []
            var tokens: [String?] = []
            while true {
                let page = try await store.searchRuns(search)
                ids += page.items.map(\.info.runID)
                tokens.append(page.nextPageToken)
                guard let token = page.nextPageToken else { break }
                search.pageToken = token
            }
            XCTAssertEqual(ids, answer["ids"] as! [String], "\(request)")
            XCTAssertEqual(tokens, (answer["tokens"] as! [Any]).map { $0 as? String }, "\(request)")
        }
    }

    func testSearchRunsValidation() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let alpha = f.experimentIDs["alpha"]!
        await assertThrows(.invalidParameterValue) { _ = try await store.searchRuns(RunSearch(experimentIDs: [alpha], maxResults: 0)) }
        await assertThrows(.invalidParameterValue) { _ = try await store.searchRuns(RunSearch(experimentIDs: [alpha], maxResults: 50001)) }
        await assertThrows(.invalidParameterValue) { _ = try await store.searchRuns(RunSearch(experimentIDs: [alpha], pageToken: "!!")) }
        let none = try await store.searchRuns(RunSearch(experimentIDs: ["123", "nope"]))
        XCTAssertEqual(none.items.count, 0)
        XCTAssertNil(none.nextPageToken)
    }

    func testSearchExperimentsMatchesMLflow() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let answers = f.oracle["experiment_searches"] as! [[String: Any]]
        for (request, answer) in zip(FileStoreTests.experimentSearches, answers) {
            var search = ExperimentSearch()
            search.filter = request["filter"] as? String ?? ""
            search.orderBy = request["order_by"] as? [String] ?? []
            search.viewType = ViewType(rawValue: request["view"] as? String ?? "ACTIVE_ONLY")!
            search.maxResults = request["max_results"] as? Int ?? 1000
            let page = try await store.searchExperiments(search)
            XCTAssertEqual(page.items.map(\.experimentID), answer["ids"] as! [String], "\(request)")
            XCTAssertEqual(page.nextPageToken, answer["token"] as? String, "\(request)")
        }
    }

    // MARK: artifacts

    func testArtifactsListAndRead() async throws {
        let f = try fixture()
        let store = try store(f.root)
        let edge = f.runIDs["edge: 'quoted' \"name\""]!
        let top = try await store.listArtifacts(runID: edge, path: nil)
        XCTAssertEqual(top.files, [ArtifactEntry(path: "a.txt", isDir: false, fileSize: 4), ArtifactEntry(path: "dir", isDir: true)])
        XCTAssertTrue(top.rootURI?.hasSuffix("/\(edge)/artifacts") ?? false)
        let dir = try await store.listArtifacts(runID: edge, path: "dir")
        XCTAssertEqual(dir.files.map(\.path), ["dir/hello.txt", "dir/sub"])
        let missing = try await store.listArtifacts(runID: edge, path: "nope")
        XCTAssertEqual(missing.files, [])
        let content = try await store.openArtifact(runID: edge, path: "dir/hello.txt")
        XCTAssertEqual(content.size, 6)
        let head = try await content.read(offset: 1, count: 3)
        XCTAssertEqual(String(decoding: head, as: UTF8.self), "ell")
        let tail = try await content.read(offset: 4, count: 100)
        XCTAssertEqual(String(decoding: tail, as: UTF8.self), "o\n")
        await assertThrows(.invalidParameterValue) { _ = try await store.listArtifacts(runID: edge, path: "../..") }
        await assertThrows(.invalidParameterValue) { _ = try await store.openArtifact(runID: edge, path: "/etc/passwd") }
        await assertThrows(.invalidParameterValue) { _ = try await store.openArtifact(runID: edge, path: "dir/../../meta.yaml") }
        await assertThrows(.resourceDoesNotExist) { _ = try await store.openArtifact(runID: edge, path: "nope.txt") }
    }

    /// A copy of the fixture store in a fresh directory, for tests that change files.
    func copyOfStore() throws -> String {
        let dir = try temporaryDirectory("copy")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cp")
        process.arguments = ["-a", try fixture().root, dir + "/mlruns"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return dir + "/mlruns"
    }

    func runPath(_ root: String, _ runName: String) throws -> String {
        let f = try fixture()
        let id = f.runIDs[runName]!
        let run = (f.oracle["runs"] as! [String: [String: Any]])[id]!
        let exp = (run["info"] as! [String: Any])["experiment_id"] as! String
        let active = root + "/" + exp + "/" + id
        return FileManager.default.fileExists(atPath: active) ? active : root + "/.trash/" + exp + "/" + id
    }

    func testArtifactsOfAMovedStoreAndSymlinksAndRemoteURIs() async throws {
        let f = try fixture()
        // Moved store: artifact_uri points at the old place, which no longer exists.
        let copy = try copyOfStore()
        let moved = copy + "-moved"
        try FileManager.default.moveItem(atPath: copy, toPath: moved)
        let edge = f.runIDs["edge: 'quoted' \"name\""]!
        // Rewrite the recorded location to a path that does not exist anywhere.
        let meta = try runPath(moved, "edge: 'quoted' \"name\"") + "/meta.yaml"
        let text = try String(contentsOfFile: meta, encoding: .utf8)
        let original = f.root + "/"
        try text.replacingOccurrences(of: original, with: "/no/such/place/").write(toFile: meta, atomically: true, encoding: .utf8)
        let store = try store(moved)
        let listing = try await store.listArtifacts(runID: edge, path: "dir")
        XCTAssertEqual(listing.files.map(\.path), ["dir/hello.txt", "dir/sub"])
        // A symlink leading out of the artifact root is neither listed nor opened.
        let artifacts = try runPath(moved, "edge: 'quoted' \"name\"") + "/artifacts"
        try FileManager.default.createSymbolicLink(atPath: artifacts + "/escape", withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: artifacts + "/inside", withDestinationPath: artifacts + "/dir")
        let top = try await store.listArtifacts(runID: edge, path: nil)
        XCTAssertEqual(top.files.map(\.path), ["a.txt", "dir", "inside"])
        await assertThrows(.invalidParameterValue) { _ = try await store.openArtifact(runID: edge, path: "escape/hostname") }
        // Remote artifact stores need the tracking server.
        let child = try runPath(moved, "child-1") + "/meta.yaml"
        var childMeta = try String(contentsOfFile: child, encoding: .utf8)
        childMeta = childMeta.split(separator: "\n").map { $0.hasPrefix("artifact_uri:") ? "artifact_uri: s3://bucket/path/artifacts" : String($0) }.joined(separator: "\n") + "\n"
        try childMeta.write(toFile: child, atomically: true, encoding: .utf8)
        do {
            _ = try await store.listArtifacts(runID: f.runIDs["child-1"]!, path: nil)
            XCTFail("expected an error")
        } catch let error as MLflowError {
            XCTAssertTrue(error.message.contains("s3://bucket/path/artifacts"), error.message)
            XCTAssertTrue(error.message.contains("tracking server"), error.message)
        }
    }

    // MARK: broken stores

    /// Corrupt and half-written files are skipped with a warning naming the path; the rest of
    /// the store still reads.
    /// Filter values are cached per file; a rewritten, appended or removed file must be read anew.
    func testFilterSeesChangedFiles() async throws {
        let f = try fixture()
        let root = try copyOfStore()
        let store = try store(root)
        let path = try runPath(root, "run-1")
        let id = f.runIDs["run-1"]!
        let experiment = String(path.split(separator: "/").dropLast().last!)
        func matches(_ filter: String) async throws -> [String] {
            try await store.searchRuns(RunSearch(experimentIDs: [experiment], filter: filter, viewType: .all)).items.map(\.info.runID)
        }
        let tag = path + "/tags/perf_probe"
        try Data("a".utf8).write(to: URL(fileURLWithPath: tag))
        var found = try await matches("tags.perf_probe = 'a'")
        XCTAssertEqual(found, [id])
        try Data("bb".utf8).write(to: URL(fileURLWithPath: tag))
        found = try await matches("tags.perf_probe = 'a'")
        XCTAssertEqual(found, [])
        found = try await matches("tags.perf_probe = 'bb'")
        XCTAssertEqual(found, [id])
        let metric = path + "/metrics/perf_probe"
        try Data("1735689600000 1.5 0\n".utf8).write(to: URL(fileURLWithPath: metric))
        found = try await matches("metrics.perf_probe > 1")
        XCTAssertEqual(found, [id])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: metric))
        handle.seekToEndOfFile()
        handle.write(Data("1735689600001 0.5 1\n".utf8))
        handle.closeFile()
        found = try await matches("metrics.perf_probe > 1")
        XCTAssertEqual(found, [])
        try FileManager.default.removeItem(atPath: tag)
        found = try await matches("tags.perf_probe = 'bb'")
        XCTAssertEqual(found, [])
    }

    func testCorruptFilesAreSkippedWithWarnings() async throws {
        let f = try fixture()
        let root = try copyOfStore()
        let alpha = f.experimentIDs["alpha"]!
        let fm = FileManager.default
        let emptyMeta = try runPath(root, "run-1") + "/meta.yaml"
        try Data().write(to: URL(fileURLWithPath: emptyMeta))
        let truncated = try runPath(root, "run-2") + "/metrics/loss"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: truncated))
        handle.seekToEndOfFile()
        handle.write(Data("1735689609999 0.0".utf8))
        handle.closeFile()
        let zeroLines = try runPath(root, "run-3") + "/metrics/zero"
        fm.createFile(atPath: zeroLines, contents: Data())
        let badLine = try runPath(root, "run-4") + "/metrics/bad"
        fm.createFile(atPath: badLine, contents: Data("1 2 3 4\n1735689600000 0.5 7\n".utf8))
        let stray = root + "/" + alpha + "/0123456789abcdef0123456789abcdef"
        fm.createFile(atPath: stray, contents: Data("oops".utf8))
        let noMeta = root + "/" + alpha + "/fedcba9876543210fedcba9876543210"
        try fm.createDirectory(atPath: noMeta + "/metrics", withIntermediateDirectories: true)
        let badYAML = try runPath(root, "run-5") + "/meta.yaml"
        try Data("run_id: 'unterminated\n".utf8).write(to: URL(fileURLWithPath: badYAML))
        // Neither a socket nor a FIFO is a param file: skipped with a warning, never opened (a
        // FIFO's open would wait for a writer).
        let socketParam = try runPath(root, "run-0") + "/params/socket"
        try makeUnixSocket(socketParam)
        let fifoParam = try runPath(root, "run-0") + "/params/fifo"
        XCTAssertEqual(mkfifo(fifoParam, 0o644), 0)
        let brokenExperiment = root + "/" + f.experimentIDs["日本語 🚀 beta"]! + "/meta.yaml"
        try Data().write(to: URL(fileURLWithPath: brokenExperiment))

        let log = StoreWarnings()
        let store = try store(root, log)
        let runs = try await store.allRuns(RunSearch(experimentIDs: [alpha], viewType: .all))
        let names = Set(runs.map(\.info.runName))
        XCTAssertFalse(names.contains("run-1"))
        XCTAssertFalse(names.contains("run-5"))
        XCTAssertTrue(names.isSuperset(of: ["run-0", "run-2", "run-3", "run-4", "parent", "deleted-run"]))
        let run2 = try XCTUnwrap(runs.first { $0.info.runName == "run-2" })
        XCTAssertEqual(run2.data.metric("loss")?.value, 1.0 - 0.1 * 2)  // the truncated line is ignored
        let run3 = try XCTUnwrap(runs.first { $0.info.runName == "run-3" })
        XCTAssertNil(run3.data.metric("zero"))
        XCTAssertNotNil(run3.data.metric("loss"))
        let run0 = try XCTUnwrap(runs.first { $0.info.runName == "run-0" })
        XCTAssertEqual(run0.data.param("model"), "cnn")
        XCTAssertNil(run0.data.param("fifo"))
        XCTAssertNil(run0.data.param("socket"))
        let run4 = try XCTUnwrap(runs.first { $0.info.runName == "run-4" })
        XCTAssertEqual(run4.data.metric("bad")?.step, 7)
        let experiments = try await store.allExperiments(ExperimentSearch(viewType: .all))
        XCTAssertEqual(Set(experiments.map(\.name)), ["alpha", "gone", "Default"])

        let warnings = log.messages
        for path in [emptyMeta, truncated, zeroLines, badLine, stray, noMeta, badYAML, brokenExperiment, socketParam, fifoParam] {
            XCTAssertTrue(warnings.contains { $0.contains(path) || $0.contains(path.replacingOccurrences(of: "/meta.yaml", with: "")) },
                          "no warning names \(path): \(warnings)")
        }
        // Each problem is reported once, however often the store is searched.
        _ = try await store.allRuns(RunSearch(experimentIDs: [alpha], viewType: .all))
        XCTAssertEqual(log.messages.count, warnings.count)
    }

    func makeUnixSocket(_ path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(result, 0, "bind \(path)")
    }

    /// Oddities MLflow itself copes with read as MLflow reads them: an empty run_name falls back
    /// to the `mlflow.runName` tag, a legacy integer experiment_id, a run recording another
    /// experiment id is skipped, an experiment whose meta.yaml names another id is skipped.
    func testOdditiesMatchMLflow() async throws {
        let f = try fixture()
        let root = try copyOfStore()
        let alpha = f.experimentIDs["alpha"]!
        func edit(_ path: String, _ change: (String) -> String) throws {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try change(text).write(toFile: path, atomically: true, encoding: .utf8)
        }
        try edit(try runPath(root, "run-6") + "/meta.yaml") { $0.replacingOccurrences(of: "run_name: run-6", with: "run_name: ''") }
        try edit(try runPath(root, "run-7") + "/meta.yaml") { $0.replacingOccurrences(of: "experiment_id: '\(alpha)'", with: "experiment_id: '12345'") }
        try edit(root + "/0/meta.yaml") { $0.replacingOccurrences(of: "experiment_id: '0'", with: "experiment_id: 0") }
        let beta = f.experimentIDs["日本語 🚀 beta"]!
        try edit(root + "/" + beta + "/meta.yaml") { $0.replacingOccurrences(of: "experiment_id: '\(beta)'", with: "experiment_id: '1'") }

        let oracle = try FileStoreTests.answers(root: root, requests: ["searches": [["experiments": ["alpha"]]]])
        let log = StoreWarnings()
        let store = try store(root, log)
        let expectedIDs = (oracle["searches"] as! [[String: Any]])[0]["ids"] as! [String]
        let runs = try await store.allRuns(RunSearch(experimentIDs: [alpha]))
        XCTAssertEqual(runs.map(\.info.runID), expectedIDs)
        let expectedRuns = oracle["runs"] as! [String: [String: Any]]
        let latest = oracle["latest"] as! [String: [String: [String: Any]]]
        for run in runs { assertRun(run, expectedRuns[run.info.runID]!, latest: latest[run.info.runID]!) }
        XCTAssertTrue(runs.contains { $0.info.runName == "run-6" })
        let experiments = try await store.allExperiments(ExperimentSearch(viewType: .all))
        XCTAssertEqual(Set(experiments.map(\.experimentID)), Set((oracle["experiments"] as! [[String: Any]]).map { $0["experiment_id"] as! String }))
        XCTAssertTrue(log.messages.contains { $0.contains(f.runIDs["run-7"]!) }, "\(log.messages)")
        XCTAssertTrue(log.messages.contains { $0.contains(beta) }, "\(log.messages)")
    }
}

extension XCTestCase {
    /// One run as read by the store against MLflow's `get_run` and `get_all_metrics` of it.
    func assertRun(_ run: Run, _ expected: [String: Any], latest: [String: [String: Any]],
                   file: StaticString = #filePath, line: UInt = #line) {
        let info = expected["info"] as! [String: Any]
        let name = info["run_name"] as! String
        XCTAssertEqual(run.info.runID, info["run_id"] as? String, file: file, line: line)
        XCTAssertEqual(run.info.experimentID, info["experiment_id"] as? String, name, file: file, line: line)
        XCTAssertEqual(run.info.runName, name, file: file, line: line)
        XCTAssertEqual(run.info.userID, info["user_id"] as? String, name, file: file, line: line)
        XCTAssertEqual(run.info.status.rawValue, info["status"] as? String, name, file: file, line: line)
        XCTAssertEqual(run.info.startTime, (info["start_time"] as? NSNumber)?.int64Value, name, file: file, line: line)
        XCTAssertEqual(run.info.endTime, (info["end_time"] as? NSNumber)?.int64Value, name, file: file, line: line)
        XCTAssertEqual(run.info.artifactURI, info["artifact_uri"] as? String, name, file: file, line: line)
        XCTAssertEqual(run.info.lifecycleStage.rawValue, info["lifecycle_stage"] as? String, name, file: file, line: line)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: run.data.params.map { ($0.key, $0.value) }),
                       expected["params"] as! [String: String], name, file: file, line: line)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: run.data.tags.map { ($0.key, $0.value) }),
                       expected["tags"] as! [String: String], name, file: file, line: line)
        XCTAssertEqual(Set(run.data.metrics.map(\.key)), Set(latest.keys), name, file: file, line: line)
        for metric in run.data.metrics {
            guard let want = latest[metric.key] else { continue }
            let value = Double(want["value"] as! String)!
            XCTAssertTrue(metric.value == value || (metric.value.isNaN && value.isNaN), "\(name) \(metric.key)", file: file, line: line)
            XCTAssertEqual(metric.timestamp, (want["timestamp"] as! NSNumber).int64Value, file: file, line: line)
            XCTAssertEqual(metric.step, (want["step"] as! NSNumber).int64Value, file: file, line: line)
            XCTAssertEqual(metric.runID, run.info.runID, file: file, line: line)
        }
        let inputs = expected["inputs"] as! [[String: Any]]
        XCTAssertEqual(run.inputs.datasetInputs.count, inputs.count, name, file: file, line: line)
        for (got, want) in zip(run.inputs.datasetInputs, inputs) {
            XCTAssertEqual(got.dataset.name, want["name"] as? String, file: file, line: line)
            XCTAssertEqual(got.dataset.digest, want["digest"] as? String, file: file, line: line)
            XCTAssertEqual(got.dataset.sourceType, want["source_type"] as? String, file: file, line: line)
            XCTAssertEqual(got.dataset.source, want["source"] as? String, file: file, line: line)
            XCTAssertEqual(got.dataset.schema, want["schema"] as? String, file: file, line: line)
            XCTAssertEqual(got.dataset.profile, want["profile"] as? String, file: file, line: line)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: got.tags.map { ($0.key, $0.value) }),
                           want["tags"] as! [String: String], file: file, line: line)
        }
        let outputs = expected["outputs"] as! [[String: Any]]
        XCTAssertEqual(run.outputs.modelOutputs.map(\.modelID), outputs.map { $0["model_id"] as! String }, file: file, line: line)
        XCTAssertEqual(run.outputs.modelOutputs.map(\.step), outputs.map { ($0["step"] as? NSNumber)?.int64Value }, file: file, line: line)
    }
}
