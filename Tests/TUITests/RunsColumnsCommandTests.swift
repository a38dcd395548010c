import Foundation
import TestSupport
import Tracking
import XCTest
@testable import TUI

/// `mltui runs` columns (the real binary, on the fixture stores the real MLflow client wrote):
/// the ordering keys are shown, `--columns` picks columns for table, CSV and JSON (rows), JSON
/// without it keeps MLflow's shape, and durations read as in the UI.
final class RunsColumnsCommandTests: XCTestCase {
    func mltui(_ args: [String]) throws -> CommandResult {
        try CommandRunner.run(try RepoLayout.mltuiBinary(), args, timeout: 60)
    }

    /// The table's rows as cells: the table pads every column but the last with 2+ spaces.
    func tableRows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in
            line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// run_id → that run's JSON object, from `runs --format json`.
    func runsJSON(_ uri: String, _ extra: [String] = []) throws -> [String: [String: Any]] {
        let result = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--format", "json"] + extra)
        XCTAssertEqual(result.status, 0, result.stderrText)
        let body = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let runs = body?["runs"] as? [[String: Any]] ?? []
        XCTAssertFalse(runs.isEmpty, "JSON keeps MLflow's runs/search shape: {\"runs\": [...]}")
        return Dictionary(runs.map { (($0["info"] as? [String: Any])?["run_id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    func metric(_ run: [String: Any]?, _ key: String) -> Double? {
        let metrics = (run?["data"] as? [String: Any])?["metrics"] as? [[String: Any]] ?? []
        return metrics.first { $0["key"] as? String == key }?["value"] as? Double
    }

    func testTableShowsTheOrderingKeysColumn() throws {
        for format in StoreFormat.allCases {
            let uri = try FixtureStores.shared().trackingURI(format)
            let json = try runsJSON(uri)
            let result = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark",
                                    "--order-by", "metrics.accuracy DESC"])
            XCTAssertEqual(result.status, 0, result.stderrText)
            let rows = tableRows(result.stdoutText)
            XCTAssertEqual(rows.first, ["run_id", "run_name", "status", "start_time", "duration", "user_id", "metrics.accuracy"])
            let shown = rows.dropFirst().filter { $0.count == 7 }
            XCTAssertEqual(shown.count, 24, "every benchmark run logged accuracy\n\(result.stdoutText)")
            for row in shown {
                XCTAssertEqual(row[6], metric(json[row[0]], "accuracy").map(formatNumber), "\(row)")
            }
            let values = shown.map { Double($0[6])! }
            XCTAssertEqual(values, values.sorted(by: >), "rows come in the order asked for, visible in the column")
            let byStart = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--order-by", "attributes.start_time"])
            XCTAssertEqual(tableRows(byStart.stdoutText).first, ["run_id", "run_name", "status", "start_time", "duration", "user_id"],
                           "a key already shown is not repeated")
        }
    }

    func testColumnsPickTableAndCSVColumns() throws {
        let uri = try FixtureStores.shared().trackingURI(.sqlite)
        let json = try runsJSON(uri)
        let columns = "metrics.accuracy,params.model,tags.stage,attributes.status"
        let table = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--columns", columns,
                               "--filter", "params.model = 'mistral'"])
        XCTAssertEqual(table.status, 0, table.stderrText)
        let rows = tableRows(table.stdoutText)
        XCTAssertEqual(rows.first, ["run_id", "metrics.accuracy", "params.model", "tags.stage", "status"])
        XCTAssertEqual(rows.count, 1 + 8, table.stdoutText)
        for row in rows.dropFirst() {
            let run = json[row[0]]
            XCTAssertEqual(row[1], metric(run, "accuracy").map(formatNumber))
            XCTAssertEqual(row[2], "mistral")
            XCTAssertEqual(row[4], (run?["info"] as? [String: Any])?["status"] as? String)
        }

        let csv = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--columns", columns, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderrText)
        let lines = csv.stdoutText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.first, "run_id,metrics.accuracy,params.model,tags.stage,status")
        let cells = lines.dropFirst().map { $0.components(separatedBy: ",") }
        XCTAssertEqual(cells.count, json.count)
        for row in cells where !row[1].isEmpty {
            XCTAssertEqual(Double(row[1]), metric(json[row[0]], "accuracy"), "CSV keeps full precision")
        }

        let jsonRows = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--columns", columns, "--format", "json"])
        XCTAssertEqual(jsonRows.status, 0, jsonRows.stderrText)
        let objects = try XCTUnwrap(try JSONSerialization.jsonObject(with: jsonRows.stdout) as? [[String: Any]], "with --columns JSON is an array of row objects")
        XCTAssertEqual(objects.count, json.count)
        for object in objects {
            XCTAssertEqual(Set(object.keys), ["run_id", "metrics.accuracy", "params.model", "tags.stage", "status"])
            let run = json[object["run_id"] as? String ?? ""]
            XCTAssertEqual(object["status"] as? String, (run?["info"] as? [String: Any])?["status"] as? String)
            if let value = object["metrics.accuracy"] as? Double { XCTAssertEqual(value, metric(run, "accuracy")) }
        }

        let frame = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--format", "csv"])
        XCTAssertTrue(frame.stdoutText.hasPrefix("run_id,experiment_id,status,artifact_uri,start_time,end_time,metrics.accuracy,"),
                      "without --columns CSV is search_runs' data frame\n\(frame.stdoutText.prefix(300))")
    }

    func testDurationReadsAsInTheUI() throws {
        let uri = try FixtureStores.shared().trackingURI(.file)
        let filter = ["--filter", "attributes.run_name = 'tie-a'"]
        let info = try XCTUnwrap(try runsJSON(uri, filter).values.first?["info"] as? [String: Any])
        let start = try XCTUnwrap((info["start_time"] as? NSNumber)?.int64Value)
        let end = try XCTUnwrap((info["end_time"] as? NSNumber)?.int64Value)
        let table = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark"] + filter)
        let row = try XCTUnwrap(tableRows(table.stdoutText).last)
        let ui = cellText(Run(info: RunInfo(runID: "r", experimentID: "0", status: .finished, startTime: start, endTime: end)),
                          .duration, now: 0, utcOffset: 0)
        XCTAssertEqual(ui, "1m00s")
        XCTAssertEqual(row[4], ui, table.stdoutText)
    }

    func testBadColumnsAreOneClearLine() throws {
        let uri = try FixtureStores.shared().trackingURI(.sqlite)
        let cases = [
            ("metrics.accuracy,foo.bar", "--columns entry 'foo.bar': Invalid entity type 'foo'"),
            ("attributes.nope", "--columns entry 'attributes.nope': Invalid attribute key 'nope'"),
            ("metrics.accuracy DESC", "a column takes no ASC or DESC"),
            ("metrics.accuracy,,params.model", "--columns entry '': empty"),
        ]
        for (columns, message) in cases {
            let result = try mltui(["runs", "--tracking-uri", uri, "--experiment-name", "llm-benchmark", "--columns", columns])
            XCTAssertEqual(result.status, 1, columns)
            XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, result.stderrText)
            XCTAssertTrue(result.stderrText.contains(message), result.stderrText)
            XCTAssertEqual(result.stdoutText, "")
        }
    }

    /// Every subcommand's usage names its values in words (`<run-id>`, never `<run-i-ds>`).
    func testHelpLabelsReadAsWords() throws {
        let commands = [["ui"], ["experiments"], ["runs"], ["history"], ["plot"], ["artifacts", "list"],
                        ["artifacts", "get"], ["serve"], ["keys"]]
        for command in commands {
            let help = try mltui(command + ["--help"])
            XCTAssertEqual(help.status, 0, help.stderrText)
            XCTAssertNil(help.stdoutText.range(of: #"<[a-z-]*-i-ds?[a-z-]*>"#, options: .regularExpression), help.stdoutText)
            XCTAssertNil(help.stdoutText.range(of: #"<[a-z-]*-ur-is?>"#, options: .regularExpression), help.stdoutText)
        }
        XCTAssertTrue(try mltui(["plot", "--help"]).stdoutText.contains("<run> ..."))
        let runs = try mltui(["runs", "--help"]).stdoutText
        XCTAssertTrue(runs.contains("--experiment-id <id>") && runs.contains("--columns <keys>"), runs)
    }
}
