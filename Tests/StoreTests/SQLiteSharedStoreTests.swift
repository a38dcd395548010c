import Foundation
import XCTest
@testable import SQLStore
import Tracking

/// Label-free agreement with MLflow over any MLflow SQLite store: our own fixture, the shared
/// demo store (demo/sqlite/mlflow.db, from scripts/make_fixtures.py) when the checkout has it,
/// and MLTUI_SQLITE_STORE if set. Every experiment and run, several orderings, all pages.
final class SQLiteSharedStoreTests: XCTestCase {
    private static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    private func stores() throws -> [String] {
        var paths = [try SQLiteFixture.store().db]
        let demo = Self.repoRoot + "/demo/sqlite/mlflow.db"
        if FileManager.default.fileExists(atPath: demo) { paths.append(demo) }
        if let extra = ProcessInfo.processInfo.environment["MLTUI_SQLITE_STORE"] { paths.append(extra) }
        return paths
    }

    func testStoresAgreeWithMLflow() async throws {
        for path in try stores() {
            // The oracle reads a copy, so MLflow's own session can never touch the store under test.
            let copy = NSTemporaryDirectory() + "mltui-shared-\(UUID().uuidString).db"
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            defer { try? FileManager.default.removeItem(atPath: copy) }
            try await compare(path, oracleDB: copy)
        }
    }

    private func compare(_ path: String, oracleDB: String) async throws {
        let store = try SQLTrackingStore(path: path, warn: { _ in })
        let experiments = try await store.allExperiments(ExperimentSearch(viewType: .all))
        let ids = experiments.map(\.experimentID)
        let runs = try await store.allRuns(RunSearch(experimentIDs: ids, viewType: .all))
        XCTAssertFalse(runs.isEmpty, path)
        // Order by keys the store really has, so that NaN/missing grouping is exercised.
        let metric = runs.lazy.flatMap(\.data.metrics).first?.key ?? "m"
        let param = runs.lazy.flatMap(\.data.params).first?.key ?? "p"
        let orders: [[String]] = [[], ["metrics.`\(metric)` DESC"], ["metrics.`\(metric)`"], ["params.`\(param)`"],
                                  ["tags.`mlflow.runName` DESC"], ["attributes.end_time", "attributes.status DESC"]]
        var queries: [[String: Any]] = []
        for order in orders {
            for view in ViewType.allCases {
                queries.append(["kind": "runs", "experiment_ids": ids, "order_by": order, "view": view.rawValue,
                                "max_results": 7, "follow": true])
            }
        }
        queries.append(["kind": "experiments", "view": "ALL", "max_results": 2, "follow": true])
        queries += runs.map { ["kind": "run", "id": $0.info.runID] }
        let answers = try SQLiteFixture.oracle(queries, db: oracleDB)
        for (q, answer) in zip(queries, answers) {
            switch q["kind"] as! String {
            case "runs", "experiments":
                var token: String?
                for expected in try XCTUnwrap(answer["pages"] as? [[String: Any]], "\(answer)") {
                    let got: [String]
                    let next: String?
                    if q["kind"] as! String == "runs" {
                        let page = try await store.searchRuns(RunSearch(experimentIDs: ids, orderBy: q["order_by"] as! [String],
                                                                        viewType: ViewType(rawValue: q["view"] as! String)!,
                                                                        maxResults: 7, pageToken: token))
                        (got, next) = (page.items.map(\.info.runID), page.nextPageToken)
                    } else {
                        let page = try await store.searchExperiments(ExperimentSearch(viewType: .all, maxResults: 2, pageToken: token))
                        (got, next) = (page.items.map(\.experimentID), page.nextPageToken)
                    }
                    XCTAssertEqual(got, expected["ids"] as? [String], "\(path) \(q)")
                    XCTAssertEqual(next, expected["token"] as? String, "\(path) \(q)")
                    token = next
                }
            default:
                let run = try await store.getRun(id: q["id"] as! String)
                let info = try XCTUnwrap(answer["info"] as? [Any], "\(answer)")
                XCTAssertEqual(run.info.runName, info[2] as? String, path)
                XCTAssertEqual(run.info.status.rawValue, info[4] as? String)
                XCTAssertEqual(run.info.lifecycleStage.rawValue, info[8] as? String)
                XCTAssertEqual(run.data.metrics.map { [$0.key, $0.value.isNaN ? "NaN" : String($0.value), String($0.timestamp), String($0.step)] },
                               (answer["metrics"] as? [[Any]] ?? []).map { $0.map { "\($0)" } }, "\(path) \(run.info.runID)")
                XCTAssertEqual(run.data.params.map { [$0.key, $0.value] }, answer["params"] as? [[String]])
                XCTAssertEqual(run.data.tags.map { [$0.key, $0.value] }, answer["tags"] as? [[String]])
                XCTAssertEqual(run.inputs.datasetInputs.map(\.dataset.digest),
                               (answer["datasets"] as? [[Any]] ?? []).map { $0[1] as? String ?? "" })
                XCTAssertEqual(run.outputs.modelOutputs.map(\.modelID), (answer["outputs"] as? [[Any]] ?? []).map { $0[0] as? String ?? "" })
            }
        }
        print("\(path): \(experiments.count) experiments, \(runs.count) runs agree with MLflow")
    }
}
