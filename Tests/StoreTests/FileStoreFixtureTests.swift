import Foundation
import XCTest
import Tracking
@testable import FileStore

/// The file store over the shared fixture store (scripts/make_fixtures.py, written by the real
/// MLflow client), compared run by run and search by search with MLflow's own answers.
/// MLTUI_FIXTURE_SCRIPT may point at another copy of the script.
final class FileStoreFixtureTests: XCTestCase {
    static var searches: [[String: Any]] { [
        ["experiments": ["llm-benchmark"], "filter": "params.model = 'gpt-4o' and metrics.latency_p95 < 1200"],
        ["experiments": ["llm-benchmark"], "order_by": ["metrics.latency_p95 DESC"], "view": "ALL"],
        ["experiments": ["llm-benchmark"], "filter": "attributes.status != 'FINISHED'", "order_by": ["params.temperature"]],
        ["experiments": ["llm-benchmark"], "filter": "datasets.context = 'eval'"],
        ["experiments": ["日本語-実験"], "order_by": ["metrics.loss ASC"], "max_results": 5],
        ["experiments": ["日本語-実験"], "filter": "tags.`mlflow.parentRunId` LIKE '%'"],
        ["experiments": ["日本語-実験"], "filter": "params.empty_param = ''"],
        ["experiments": ["日本語-実験"], "order_by": ["metrics.mixed_nan DESC", "run_name"]],
        ["experiments": ["archived-2024"], "view": "ALL"],
        ["experiments": ["Default", "émoji 🚀 runs", "empty-experiment"], "view": "ALL", "order_by": ["attributes.end_time"]],
    ] }

    func testFixtureStoreMatchesMLflow() async throws {
        let script = ProcessInfo.processInfo.environment["MLTUI_FIXTURE_SCRIPT"]
            ?? MLflowPython.packageRoot.appendingPathComponent("scripts/make_fixtures.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            XCTFail("\(script) not present yet"); throw XCTSkip("\(script) not present yet")
        }
        let dir = try temporaryDirectory("fixtures")
        _ = try MLflowPython.run(script, [dir])
        let root = dir + "/fs/mlruns"
        let oracle = try FileStoreTests.answers(root: root, requests: ["searches": FileStoreFixtureTests.searches])
        let log = StoreWarnings()
        let store = try FileStore(root: root, warn: log.sink)

        let runs = oracle["runs"] as! [String: [String: Any]]
        let latest = oracle["latest"] as! [String: [String: [String: Any]]]
        XCTAssertGreaterThan(runs.count, 40)
        for (id, expected) in runs {
            assertRun(try await store.getRun(id: id), expected, latest: latest[id]!)
        }
        for (name, expected) in oracle["histories"] as! [String: [[Any]]] {
            let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
            let got = try await store.fullMetricHistory(runID: parts[0], key: parts[1], pageSize: 1000)
            XCTAssertEqual(got.map(\.step), expected.map { ($0[2] as! NSNumber).int64Value }, name)
            XCTAssertEqual(got.map(\.timestamp), expected.map { ($0[0] as! NSNumber).int64Value }, name)
        }
        let experiments = try await store.allExperiments(ExperimentSearch(viewType: .all))
        XCTAssertEqual(experiments.map(\.experimentID), (oracle["experiments"] as! [[String: Any]]).map { $0["experiment_id"] as! String })
        for (request, answer) in zip(FileStoreFixtureTests.searches, oracle["searches"] as! [[String: Any]]) {
            XCTAssertNil(answer["error"], "\(request)")
            var search = RunSearch(experimentIDs: answer["experiments"] as! [String])
            search.filter = request["filter"] as? String ?? ""
            search.orderBy = request["order_by"] as? [String] ?? []
            search.viewType = ViewType(rawValue: request["view"] as? String ?? "ACTIVE_ONLY")!
            search.maxResults = request["max_results"] as? Int ?? 1000
            let ids = try await store.allRuns(search).map(\.info.runID)
            XCTAssertEqual(ids, answer["ids"] as! [String], "\(request)")
        }
        XCTAssertEqual(log.messages, [])
    }
}
