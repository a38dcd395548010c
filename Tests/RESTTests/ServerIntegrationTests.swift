import TestSupport
import Foundation
@testable import HTTPClient
import RESTStore
import Tracking
import XCTest

/// The REST backend against the real `mlflow server` over stores written by the real MLflow
/// client: every protocol method, followed page by page, must give exactly what the server's own
/// JSON says, and the scripting commands must print the server's bytes.
final class ServerIntegrationTests: XCTestCase {
    var scratch: URL!
    var servers: [MLflowServer] = []

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-rest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        servers.forEach { $0.stop() }
        servers = []
        try? FileManager.default.removeItem(at: scratch)
    }

    func startServer(_ arguments: [String], environment: [String: String] = [:]) throws -> MLflowServer {
        let server = try MLflowServer(arguments: arguments, directory: scratch, environment: environment)
        servers.append(server)
        return server
    }

    func testSQLiteStore() async throws {
        let db = scratch.appendingPathComponent("mlflow.db").path
        try MLflowScripts.python(populateScript, ["sqlite:///\(db)", scratch.path], directory: scratch)
        let server = try startServer(["--backend-store-uri", "sqlite:///\(db)"])
        try await checkEverything(server)
        try await checkSameOutputAsDirect(server, store: "sqlite:///\(db)")
    }

    func testFileStore() async throws {
        let root = scratch.appendingPathComponent("mlruns").path
        let env = ["MLFLOW_ALLOW_FILE_STORE": "true"]
        try MLflowScripts.python(populateScript, [root, scratch.path], directory: scratch, environment: env)
        let server = try startServer(["--backend-store-uri", root], environment: env)
        try await checkEverything(server)
        // MLflow's file store lists tags, params and metrics in directory order (os.listdir).
        try await checkSameOutputAsDirect(server, store: root, keyOrderFree: true)
    }

    /// Artifacts logged through the server's proxy: runs carry `mlflow-artifacts:` URIs.
    func testServedArtifacts() async throws {
        let db = scratch.appendingPathComponent("served.db").path
        let server = try startServer(["--backend-store-uri", "sqlite:///\(db)", "--serve-artifacts",
                                      "--artifacts-destination", scratch.appendingPathComponent("mlartifacts").path])
        try MLflowScripts.python(populateScript, [server.url, scratch.path], directory: scratch)
        let run = try await firstRunWithArtifacts(store(server))
        XCTAssertTrue(run.info.artifactURI.hasPrefix("mlflow-artifacts:/"), run.info.artifactURI)
        try await checkEverything(server)
    }

    // MARK: The comparison

    let raw = HTTPClient()

    func store(_ server: MLflowServer) -> RESTStore {
        RESTStore(url: server.url, configuration: RESTConfiguration())
    }

    func rawText(_ server: MLflowServer, _ path: String, post body: String? = nil) throws -> String {
        let response = try raw.perform(HTTPRequest(method: body == nil ? "GET" : "POST", url: server.url + path,
                                                   body: body.map { Array($0.utf8) }))
        return response.text
    }

    func rawJSON(_ server: MLflowServer, _ path: String, post body: String? = nil) throws -> JSONValue {
        try JSONValue.parse(try rawText(server, path, post: body))
    }

    func json(_ writer: JSONWriter) throws -> JSONValue { try JSONValue.parse(writer.bytes) }

    func firstRunWithArtifacts(_ store: RESTStore) async throws -> Run {
        let experiment = try await store.getExperimentByName("rest-exp")
        let runs = try await store.allRuns(RunSearch(experimentIDs: [experiment.experimentID], filter: "attributes.run_name = 'run-0'"))
        return try XCTUnwrap(runs.first)
    }

    func checkEverything(_ server: MLflowServer) async throws {
        let store = store(server)

        // Experiments, two per page, against one big page.
        let experiments = try await store.allExperiments(ExperimentSearch(viewType: .all, maxResults: 2))
        XCTAssertEqual(experiments.count, 4)
        XCTAssertEqual(try json(RESTResponse.experiments(experiments)),
                       try rawJSON(server, "/api/2.0/mlflow/experiments/search", post: #"{"max_results": 50000, "view_type": "ALL"}"#))

        var runCount = 0, historyCount = 0
        for experiment in experiments {
            let byID = try await store.getExperiment(id: experiment.experimentID)
            let byName = try await store.getExperimentByName(experiment.name)
            XCTAssertEqual(byID, experiment)
            XCTAssertEqual(byName, experiment)

            // Runs, three per page, against one big page.
            let runs = try await store.allRuns(RunSearch(experimentIDs: [experiment.experimentID], viewType: .all, maxResults: 3))
            let rawRuns = try rawJSON(server, "/api/2.0/mlflow/runs/search",
                                      post: #"{"experiment_ids": ["\#(experiment.experimentID)"], "run_view_type": "ALL", "max_results": 50000}"#)
            XCTAssertEqual(try json(RESTResponse.runs(runs)), rawRuns, "runs of experiment \(experiment.name)")
            // One large page fetched as concurrent sub-pages of 2 gives the same runs.
            var subPaged = RESTConfiguration()
            subPaged.runsSubPage = 2
            subPaged.runsLanes = 3
            let big = try await RESTStore(url: server.url, configuration: subPaged)
                .searchRuns(RunSearch(experimentIDs: [experiment.experimentID], viewType: .all, maxResults: 50000))
            XCTAssertNil(big.nextPageToken)
            XCTAssertEqual(try json(RESTResponse.runs(big.items)), rawRuns, "sub-paged runs of \(experiment.name)")
            runCount += runs.count

            for run in runs {
                let got = try await store.getRun(id: run.info.runID)
                XCTAssertEqual(try json(RESTResponse.run(got)),
                               try rawJSON(server, "/api/2.0/mlflow/runs/get?run_id=\(run.info.runID)"))
                for metric in run.data.metrics {
                    let history = try await store.fullMetricHistory(runID: run.info.runID, key: metric.key, pageSize: 1000)
                    let key = metric.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                    XCTAssertEqual(try json(RESTResponse.metrics(history)),
                                   try rawJSON(server, "/api/2.0/mlflow/metrics/get-history?run_id=\(run.info.runID)&metric_key=\(key)"))
                    historyCount += history.count
                }
            }
        }
        XCTAssertEqual(runCount, 9, "6 in rest-exp, 2 (one deleted) in the unicode one, 1 in the deleted experiment")
        XCTAssertGreaterThan(historyCount, 2500)

        try await checkArtifacts(server, store)
        try await checkErrors(server, store)
        try checkScriptingCommands(server, experiments: experiments)
    }

    func checkArtifacts(_ server: MLflowServer, _ store: RESTStore) async throws {
        let run = try await firstRunWithArtifacts(store)
        var directories: [String?] = [nil]
        var files: [ArtifactEntry] = []
        while let directory = directories.popLast() {
            let listing = try await store.listArtifacts(runID: run.info.runID, path: directory)
            let query = directory.map { "&path=" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! } ?? ""
            XCTAssertEqual(try json(RESTResponse.artifacts(listing)),
                           try rawJSON(server, "/api/2.0/mlflow/artifacts/list?run_id=\(run.info.runID)\(query)"))
            directories += listing.files.filter(\.isDir).map { Optional($0.path) }
            files += listing.files.filter { !$0.isDir }
        }
        XCTAssertEqual(Set(files.map(\.path)), ["hello.txt", "big.bin", "a/b/deep.txt", "a/näme with space.txt"])

        for file in files {
            let content = try await store.openArtifact(runID: run.info.runID, path: file.path)
            XCTAssertEqual(content.size, file.fileSize, file.path)
            let path = file.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let expected = try raw.perform(HTTPRequest(url: server.url + "/get-artifact?path=\(path)&run_uuid=\(run.info.runID)")).body
            var whole: [UInt8] = []
            for try await chunk in content.chunks(size: 100_000) { whole += chunk }
            XCTAssertEqual(whole, expected, file.path)
            if expected.count > 400_000 {
                let window = try await content.read(offset: 300_001, count: 50_000)
                XCTAssertEqual(window, Array(expected[300_001..<350_001]))
            }
        }

        do {
            _ = try await store.openArtifact(runID: run.info.runID, path: "nope.txt")
            XCTFail("a missing artifact must fail")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .resourceDoesNotExist)
        }
    }

    func checkErrors(_ server: MLflowServer, _ store: RESTStore) async throws {
        let missing = String(repeating: "0", count: 32)
        let rawError = try XCTUnwrap(MLflowError(json: try rawJSON(server, "/api/2.0/mlflow/runs/get?run_id=\(missing)")))
        do {
            _ = try await store.getRun(id: missing)
            XCTFail("missing run")
        } catch let error as MLflowError {
            XCTAssertEqual(error, rawError)
            XCTAssertEqual(error.code, .resourceDoesNotExist)
        }
        do {
            _ = try await store.getExperimentByName("no such experiment")
            XCTFail("missing experiment")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .resourceDoesNotExist)
        }
        do {
            _ = try await store.searchRuns(RunSearch(experimentIDs: ["0"], filter: "metrics.x <"))
            XCTFail("bad filter")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .invalidParameterValue)
        }
    }

    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/mltui")

    /// `mltui ARGS --tracking-uri URI --format json`: its stdout, failing the test on a non-zero exit.
    func mltui(_ arguments: [String], _ uri: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let process = Process()
        process.executableURL = ServerIntegrationTests.binary
        process.arguments = arguments + ["--tracking-uri", uri, "--format", "json"]
        process.environment = ProcessInfo.processInfo.environment.merging(["MLFLOW_ALLOW_FILE_STORE": "true"]) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(arguments.joined(separator: " ")) \(uri): \(stderr)", file: file, line: line)
        return text
    }

    /// Every scripting command prints the same through the server as reading the store directly.
    func checkSameOutputAsDirect(_ server: MLflowServer, store path: String, keyOrderFree: Bool = false) async throws {
        guard FileManager.default.isExecutableFile(atPath: ServerIntegrationTests.binary.path) else {
            XCTFail("mltui not built"); throw XCTSkip("mltui not built")
        }
        func same(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let remote = try mltui(arguments, server.url, file: file, line: line)
            let direct = try mltui(arguments, path, file: file, line: line)
            if keyOrderFree {
                XCTAssertEqual(sortingKeyLists(try JSONValue.parse(remote)), sortingKeyLists(try JSONValue.parse(direct)),
                               arguments.joined(separator: " "), file: file, line: line)
            } else {
                XCTAssertEqual(remote, direct, arguments.joined(separator: " "), file: file, line: line)
            }
        }
        try same(["experiments", "--view-type", "ALL"])
        try same(["experiments"])
        let experiments = try await store(server).allExperiments(ExperimentSearch(viewType: .all))
        for experiment in experiments {
            try same(["runs", "--experiment-id", experiment.experimentID, "--view-type", "ALL"])
            try same(["runs", "--experiment-id", experiment.experimentID, "--filter", "metrics.acc > 0.6",
                      "--order-by", "metrics.acc DESC"])
        }
        if let named = experiments.first(where: { $0.lifecycleStage == .active }) {
            try same(["runs", "--experiment-name", named.name, "--max-results", "2", "--order-by", "attributes.run_name"])
        }
        let runs = try await store(server).allRuns(RunSearch(experimentIDs: experiments.map(\.experimentID), viewType: .all))
        var histories = 0
        for run in runs {
            let listing = try await store(server).listArtifacts(runID: run.info.runID, path: nil)
            try same(["artifacts", run.info.runID])
            for directory in listing.files.filter(\.isDir).prefix(3) { try same(["artifacts", run.info.runID, directory.path]) }
            // Bounded: a fixture store can hold hundreds of metric keys.
            for metric in run.data.metrics where histories < 40 {
                try same(["history", run.info.runID, metric.key])
                histories += 1
            }
        }
    }

    /// The fixtures engineer's stores (scripts/make_fixtures.py, once merged): both formats read
    /// through the real server print what reading them directly prints.
    func testFixtureStores() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/make_fixtures.py")
        guard FileManager.default.fileExists(atPath: script.path) else { XCTFail("no scripts/make_fixtures.py at \(script.path)"); throw XCTSkip("no fixture script") }
        let out = scratch.appendingPathComponent("fixtures")
        let env = ["MLFLOW_ALLOW_FILE_STORE": "true"]
        try MLflowScripts.python(try String(contentsOf: script, encoding: .utf8), [out.path], directory: scratch, environment: env)
        let db = out.appendingPathComponent("sqlite/mlflow.db").path
        let sqlite = try startServer(["--backend-store-uri", "sqlite:///\(db)"])
        try await checkSameOutputAsDirect(sqlite, store: "sqlite:///\(db)")
        let root = out.appendingPathComponent("fs/mlruns").path
        let fs = try startServer(["--backend-store-uri", root], environment: env)
        try await checkSameOutputAsDirect(fs, store: root, keyOrderFree: true)
    }

    /// `value` with every list of distinct-keyed {key, ...} objects sorted by key.
    func sortingKeyLists(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            let sorted = items.map(sortingKeyLists)
            let keys = sorted.compactMap { $0["key"]?.stringValue }
            guard keys.count == sorted.count, Set(keys).count == keys.count else { return .array(sorted) }
            return .array(sorted.sorted { $0["key"]!.stringValue! < $1["key"]!.stringValue! })
        case .object(let members):
            return .object(members.map { ($0.0, sortingKeyLists($0.1)) })
        default:
            return value
        }
    }

    /// `mltui … --format json` through the REST backend prints the server's own bytes.
    func checkScriptingCommands(_ server: MLflowServer, experiments: [Experiment]) throws {
        guard FileManager.default.isExecutableFile(atPath: ServerIntegrationTests.binary.path) else { return }
        func mltui(_ arguments: [String]) throws -> String { try self.mltui(arguments, server.url) }
        XCTAssertEqual(try mltui(["experiments", "--view-type", "ALL"]),
                       try rawText(server, "/api/2.0/mlflow/experiments/search", post: #"{"max_results": 1000, "view_type": "ALL"}"#) + "\n")
        for experiment in experiments {
            XCTAssertEqual(try mltui(["runs", "--experiment-id", experiment.experimentID, "--view-type", "ALL"]),
                           try rawText(server, "/api/2.0/mlflow/runs/search",
                                       post: #"{"experiment_ids": ["\#(experiment.experimentID)"], "run_view_type": "ALL", "max_results": 50000}"#) + "\n")
        }
        let runs = try rawJSON(server, "/api/2.0/mlflow/runs/search", post: #"{"experiment_ids": ["\#(experiments.first { $0.name == "rest-exp" }!.experimentID)"], "filter": "attributes.run_name = 'run-1'"}"#)
        let runID = try XCTUnwrap(runs["runs"]?.arrayValue?.first?["info"]?["run_id"]?.stringValue)
        XCTAssertEqual(try mltui(["history", runID, "train/loss"]),
                       try rawText(server, "/api/2.0/mlflow/metrics/get-history?run_id=\(runID)&metric_key=train/loss") + "\n")
        XCTAssertEqual(try mltui(["history", runID, "long"]),
                       try rawText(server, "/api/2.0/mlflow/metrics/get-history?run_id=\(runID)&metric_key=long") + "\n")
        XCTAssertEqual(try mltui(["artifacts", runID]),
                       try rawText(server, "/api/2.0/mlflow/artifacts/list?run_id=\(runID)") + "\n")
    }
}
