import XCTest
@testable import FileStore

/// `metrics/<key>` line parsing, compared with what MLflow's
/// `FileStore._get_metric_from_line` / `_get_metric_from_file` compute for the same lines.
final class FileStoreMetricFileTests: XCTestCase {
    func lines(_ text: String) -> (lines: [MetricFile.Line], bad: [MetricFile.BadLine]) {
        var bad: [MetricFile.BadLine] = []
        let parsed = MetricFile.lines(Array(text.utf8)) { bad.append($0) }
        return (parsed, bad)
    }

    func latest(_ text: String) -> MetricFile.Line? {
        MetricFile.latest(Array(text.utf8)) { _ in }
    }

    func testAllLineFormats() {
        let (parsed, bad) = lines("1795369468544 0.4 1\n1795369468545 nan 0\n17 inf\n18 -inf 2 train d1g3st\n19 1e-05 -3\n20 1.2345678901234567e+19 4\n")
        XCTAssertEqual(bad.count, 0)
        XCTAssertEqual(parsed.map(\.timestamp), [1795369468544, 1795369468545, 17, 18, 19, 20])
        XCTAssertEqual(parsed[0].value, 0.4)
        XCTAssertTrue(parsed[1].value.isNaN)
        XCTAssertEqual(parsed[2].value, .infinity)
        XCTAssertEqual(parsed[2].step, 0)  // old 2-field line
        XCTAssertEqual(parsed[3].value, -.infinity)
        XCTAssertEqual(parsed[3].step, 0)  // MLflow reads step 0 for 5-field lines
        XCTAssertEqual(parsed[3].datasetName, "train")
        XCTAssertEqual(parsed[3].datasetDigest, "d1g3st")
        XCTAssertEqual(parsed[4].step, -3)
        XCTAssertEqual(parsed[4].value, 1e-05)
        XCTAssertEqual(parsed[5].value, 1.2345678901234567e+19)
    }

    func testBrokenLinesAreReportedAndSkipped() {
        let (parsed, bad) = lines("1 2 3 4\n\nx 1 2\n5 abc 1\n6 1.0 z\n7 1.0  2\n8 2.0 3\n9 3.0")
        XCTAssertEqual(parsed.map(\.timestamp), [8])
        XCTAssertEqual(bad.map(\.number), [1, 2, 3, 4, 5, 6, 8])
        XCTAssertTrue(bad.last!.reason.contains("truncated"))
        XCTAssertNil(latest(""))
        XCTAssertNil(latest("123 0.5"))  // only a cut-off line
        // A malformed line that would win is reported and the next best is taken.
        var reported: [Int] = []
        let fallback = MetricFile.latest(Array("10 1.0 3\n20 abc 5\n5 2.0 1\n".utf8)) { reported.append($0.number) }
        XCTAssertEqual(fallback?.value, 1.0)
        XCTAssertEqual(reported, [2])
    }

    func testLatestIsMaxOfStepTimestampValue() {
        // `_get_metric_from_file` takes the max of (step, timestamp, value): step 3/ts 10 beats
        // step 3/ts 5 and step 1/ts 30.
        XCTAssertEqual(latest("30 5.0 1\n10 7.0 3\n5 6.0 3\n40 1.0 2\n")?.value, 7.0)
        // Same step and timestamp: the greater value; equal tuples keep the first line.
        XCTAssertEqual(latest("10 1.0 3\n10 2.0 3\n10 0.5 3\n")?.value, 2.0)
        // Python tuple comparison: NaN never wins nor loses a tie, so the earlier line stays.
        XCTAssertTrue(latest("10 nan 3\n10 2.0 3\n")!.value.isNaN)
        XCTAssertEqual(latest("10 2.0 3\n10 nan 3\n")?.value, 2.0)
        XCTAssertTrue(latest("10 2.0 3\n11 nan 3\n")!.value.isNaN)
        XCTAssertEqual(latest("1 -inf 0\n1 inf 0\n")?.value, .infinity)
    }

    /// Random small histories with ties, NaN and inf: the latest value must be the one
    /// MLflow's `FileStore._get_metric_from_file` picks for the same file.
    func testLatestMatchesMLflowOnRandomFiles() throws {
        let folder = try temporaryDirectory("metrics")
        var generator = SystemRandomNumberGenerator()
        var files: [String: String] = [:]
        for index in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let value = ["1.0", "2.0", "nan", "-1.0", "inf", "-inf", "0.0"].randomElement(using: &generator)!
                text += "\(Int.random(in: 0...3, using: &generator)) \(value) \(Int.random(in: 0...3, using: &generator))\n"
            }
            files["m\(index)"] = text
            try text.write(toFile: folder + "/m\(index)", atomically: false, encoding: .utf8)
        }
        let script = MLflowPython.scripts.appendingPathComponent("filestore_oracle.py").path
        let expected = try XCTUnwrap(try MLflowPython.json(script, ["latest", folder]) as? [String: [Any]])
        XCTAssertEqual(expected.count, files.count)
        for (name, text) in files {
            let want = try XCTUnwrap(expected[name])
            let got = try XCTUnwrap(latest(text))
            XCTAssertEqual(got.timestamp, (want[0] as! NSNumber).int64Value, text)
            let value = Double(want[1] as! String)!
            XCTAssertTrue(got.value == value || (got.value.isNaN && value.isNaN), "\(got.value) vs \(value) in\n\(text)")
            XCTAssertEqual(got.step, (want[2] as! NSNumber).int64Value, text)
        }
    }
}
