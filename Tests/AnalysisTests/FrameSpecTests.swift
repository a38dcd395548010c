import XCTest
@testable import Analysis
import Tracking

final class FrameSpecTests: XCTestCase {
    private func run(_ id: String, model: String?, loss: Double) -> Run {
        Run(info: RunInfo(runID: id, experimentID: "0"),
            data: RunData(metrics: [Metric(key: "loss", value: loss, timestamp: 0, step: 0)],
                          params: model.map { [Param("model", $0)] } ?? [], tags: [Tag("team", "a")]))
    }

    func testHistoryNeedsAreOneEntryPerMetricWithTheUnionOfSteps() throws {
        let spec = FrameSpec(search: RunSearch(experimentIDs: ["0"]),
                             columns: try ColumnKey.parseList("metrics.loss@5,min(metrics.loss),metrics.loss@9,max(metrics.acc),params.lr"))
        XCTAssertEqual(spec.historyNeeds, ["loss": [5, 9], "acc": []])
    }

    func testFrameIsRowsOrGroupsAsTheSpecSays() {
        let runs = [run("a", model: "x", loss: 1), run("b", model: nil, loss: 2), run("c", model: "x", loss: 3)]
        var spec = FrameSpec(search: RunSearch(experimentIDs: ["0"]), columns: [.metric("loss")])
        XCTAssertEqual(spec.frame(runs).header, ["run_id", "metrics.loss"])
        XCTAssertEqual(spec.frame(runs).rows.count, 3)
        spec.groupBy = [.param("model")]
        let grouped = spec.frame(runs)
        XCTAssertEqual(grouped.header.prefix(3), ["params.model", "count", "metrics.loss.mean"])
        XCTAssertEqual(grouped.rows.map { Array($0.prefix(3)) },
                       [[.text("x"), .count(2), .number(2)], [.missing, .count(1), .number(2)]])
    }

    func testSearchRunsColumnsAreTheDataFramesColumns() {
        let headers = RunFrame.searchRunsColumns([run("a", model: "x", loss: 1), run("b", model: nil, loss: 2)]).map(\.header)
        XCTAssertEqual(headers, ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time",
                                 "metrics.loss", "params.model", "tags.team"])
    }

    func testGroupKeysRefuseMetricsNamingTheEntry() throws {
        XCTAssertEqual(try ColumnKey.parseGroupKeys("params.model, tags.team,datasets.name,status"),
                       [.param("model"), .tag("team"), .datasetNames, .attribute("status")])
        for text in ["metrics.f1", "min(metrics.loss)", "metrics.loss@3", "duration"] {
            XCTAssertThrowsError(try ColumnKey.parseGroupKeys("params.a," + text, naming: "--group-by entry"), text) { error in
                XCTAssertTrue("\(error)".contains("--group-by entry '\(text)'"), "\(error)")
            }
        }
    }
}
