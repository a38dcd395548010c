import XCTest
@testable import Analysis
import Tracking

final class ColumnKeyTests: XCTestCase {
    func testParsesPlainAndBestOfKeys() throws {
        XCTAssertEqual(try ColumnKey.parseList("metrics.f1, params.lr,tags.`a,b`,status"),
                       [.metric("f1"), .param("lr"), .tag("a,b"), .attribute("status")])
        XCTAssertEqual(try ColumnKey.parse("min(metrics.loss)"), .best(.min, metric: "loss"))
        XCTAssertEqual(try ColumnKey.parse("MAX(metric.acc)"), .best(.max, metric: "acc"))
        XCTAssertEqual(try ColumnKey.parse("metrics.loss@100"), .best(.atStep(100), metric: "loss"))
        XCTAssertEqual(try ColumnKey.parse("metrics.`a@b`@-3"), .best(.atStep(-3), metric: "a@b"))
        XCTAssertEqual(try ColumnKey.parseList("min(metrics.a),max(metrics.b)").count, 2)
        XCTAssertEqual(try ColumnKey.parse("duration"), .duration)
        XCTAssertEqual(ColumnKey.best(.atStep(5), metric: "x").header, "metrics.x@5")
        XCTAssertEqual(ColumnKey.best(.max, metric: "x").header, "max(metrics.x)")
    }

    func testBadKeysSayWhatIsWrong() {
        for (text, words) in [("min(params.lr)", "takes a metric"), ("max(metrics.x", "missing ')'"),
                              ("metrics.f1 DESC", "no ASC or DESC"), ("", "empty"), ("params.lr@3", "takes a metric")] {
            XCTAssertThrowsError(try ColumnKey.parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(words), "\(text): \(error)")
            }
        }
    }
}

final class AggregateTests: XCTestCase {
    func testPandasSemantics() {
        let a = Aggregates([1, 2, .nan, 4])
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a.mean!, 7.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(a.median, 2)
        XCTAssertEqual(a.min, 1)
        XCTAssertEqual(a.max, 4)
        XCTAssertEqual(a.std!, 1.5275252316519468, accuracy: 1e-12)
        XCTAssertEqual(Aggregates([1, 2, 3, 4]).median, 2.5)
        let one = Aggregates([5])
        XCTAssertEqual(one.mean, 5)
        XCTAssertNil(one.std)
        let none = Aggregates([.nan])
        XCTAssertNil(none.mean)
        XCTAssertEqual(none.count, 0)
        let inf = Aggregates([.infinity, 1])
        XCTAssertEqual(inf.mean, .infinity)
        XCTAssertTrue(inf.std!.isNaN)
        XCTAssertTrue(Aggregates([.infinity, -.infinity]).mean!.isNaN)
    }
}

final class GroupingTests: XCTestCase {
    private func run(_ id: String, params: [String: String], f1: Double? = nil) -> Run {
        Run(info: RunInfo(runID: id, experimentID: "0"),
            data: RunData(metrics: f1.map { [Metric(key: "f1", value: $0, timestamp: 0, step: 0)] } ?? [],
                          params: params.map { Param($0.key, $0.value) }))
    }

    func testGroupsSortedWithMissingLastPerLevel() {
        let runs = [
            run("a", params: ["model": "b", "seed": "1"], f1: 0.5),
            run("b", params: ["seed": "2"], f1: 0.7),
            run("c", params: ["model": "a", "seed": "1"], f1: 0.1),
            run("d", params: ["model": "b"], f1: .nan),
            run("e", params: ["model": "B", "seed": "1"]),
            run("f", params: ["model": "b", "seed": "1"], f1: 0.9),
        ]
        let groups = Grouping.group(runs, by: [.param("model"), .param("seed")])
        XCTAssertEqual(groups.map(\.values), [["B", "1"], ["a", "1"], ["b", "1"], ["b", nil], [nil, "2"]])
        XCTAssertEqual(groups[2].members, [0, 5])
        let frame = RunFrame.groups(runs, by: [.param("model")], columns: [.metric("f1")], aggregates: [.mean, .std])
        XCTAssertEqual(frame.header, ["params.model", "count", "metrics.f1.mean", "metrics.f1.std"])
        XCTAssertEqual(frame.rows.last, [.missing, .count(1), .number(0.7), .missing])
        XCTAssertEqual(frame.rows[2][0...2], [.text("b"), .count(3), .number(0.7)])
    }

    func testSummaryOfHistory() {
        let points = [(0, 3.0), (1, .nan), (1, 1.0), (2, 5.0)].enumerated().map { i, p in
            Metric(key: "m", value: p.1, timestamp: Int64(i), step: Int64(p.0))
        }
        let s = MetricSummary(history: points, steps: [1, 9])
        XCTAssertEqual(s, MetricSummary(min: 1, max: 5, atStep: [1: 1.0]))
        XCTAssertTrue(MetricSummary(history: [points[1]], steps: []).min!.isNaN)
        XCTAssertNil(MetricSummary(history: [], steps: []).max)
    }

    func testWriters() {
        let frame = RunFrame(header: ["a", "b|c"], rows: [[.text("x,y"), .number(1e-7)], [.missing, .number(.nan)]])
        XCTAssertEqual(FrameWriters.csv(frame), "a,b|c\r\n\"x,y\",1e-07\r\n,nan\r\n")
        XCTAssertEqual(FrameWriters.markdown(frame, display: FrameWriters.exact),
                       "| a | b\\|c |\n| --- | --- |\n| x,y | 1e-07 |\n|  | nan |\n")
        XCTAssertEqual(String(decoding: FrameWriters.json(frame), as: UTF8.self).filter { !$0.isWhitespace },
                       "[{\"a\":\"x,y\",\"b|c\":1e-07},{\"a\":null,\"b|c\":\"NaN\"}]")
    }
}
