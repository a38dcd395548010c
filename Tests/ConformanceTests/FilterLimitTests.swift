import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// The real binary with filters at and past the size MLflow's parser takes (sqlparse groups at
/// most 10,000 tokens; SearchUtils.parse_search_filter answers INVALID_PARAMETER_VALUE "Error on
/// parsing filter" past that): answered or refused at once, on both fixture stores, through
/// `mltui runs` and through `mltui serve`. Timings are printed; the bound is generous.
final class FilterLimitTests: XCTestCase {
    static let bound: TimeInterval = 10

    private func experimentIDs(_ uri: String) throws -> [String] {
        let result = try MltuiCLI.run(["experiments", "--tracking-uri", uri, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return (document?["experiments"] as? [[String: Any]] ?? []).compactMap { $0["experiment_id"] as? String }
    }

    private func runIDs(_ stdout: Data) throws -> [String] {
        let document = try JSONSerialization.jsonObject(with: stdout) as? [String: Any]
        return (document?["runs"] as? [[String: Any]] ?? []).compactMap { ($0["info"] as? [String: Any])?["run_id"] as? String }
    }

    private func timed<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let value = try body()
        let seconds = Date().timeIntervalSince(start)
        print("\(label): \(String(format: "%.3f", seconds)) s")
        XCTAssertLessThan(seconds, Self.bound, label)
        return value
    }

    func testLargeFiltersThroughTheCLI() throws {
        let stores = try FixtureStores.shared()
        for format in StoreFormat.allCases {
            let uri = try stores.trackingURI(format)
            let base = ["runs", "--tracking-uri", uri] + (try experimentIDs(uri)).flatMap { ["--experiment-id", $0] } + ["--format", "json"]

            // At the cap: 1,000 clauses are 9,997 tokens. MLflow's SQL store fails past 63
            // clauses (SQLite's join limit), its file store answers; mltui answers on both.
            let clause = "params.model = 'gpt-4o'"
            let one = try MltuiCLI.run(base + ["--filter", clause])
            XCTAssertEqual(one.status, 0, one.stderrText)
            let expected = try runIDs(one.stdout)
            XCTAssertFalse(expected.isEmpty)
            let atCap = Array(repeating: clause, count: 1000).joined(separator: " AND ")
            let answered = try timed("[\(format)] mltui runs, 1,000 clauses (9,997 tokens)") { try MltuiCLI.run(base + ["--filter", atCap]) }
            XCTAssertEqual(answered.status, 0, answered.stderrText)
            XCTAssertEqual(try runIDs(answered.stdout), expected)

            // Past it: 9,000 clauses, 54,000 tokens in 126 KB (an argument holds at most 128 KB).
            let past = Array(repeating: "created>0", count: 9000).joined(separator: " and ")
            let refused = try timed("[\(format)] mltui runs, 9,000 clauses (54,000 tokens)") { try MltuiCLI.run(base + ["--filter", past]) }
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderrText.hasPrefix("mltui: INVALID_PARAMETER_VALUE: Error on parsing filter 'created>0 and "),
                          String(refused.stderrText.prefix(300)))
            XCTAssertLessThan(refused.stderr.count, 1000, "the message quotes the start of the filter only")

            // A blank filter is refused by both stores, as MLflow refuses it.
            for blank in ["   ", "\n"] {
                let result = try MltuiCLI.run(base + ["--filter", blank])
                XCTAssertEqual(result.status, 1, "[\(format)] \(blank.debugDescription): \(result.stdoutText.prefix(200))")
                XCTAssertTrue(result.stderrText.contains("INVALID_PARAMETER_VALUE: Invalid filter '"), result.stderrText)
            }

            // The error line quotes the filter with its control characters escaped.
            let hostile = try MltuiCLI.run(base + ["--filter", "tags.x = 'a\n\u{1B}[2J\tb"])
            XCTAssertEqual(hostile.status, 1)
            let line = hostile.stderrText
            XCTAssertEqual(line.filter(\.isNewline).count, 1, line)
            XCTAssertTrue(line.hasSuffix("\n"))
            XCTAssertFalse(line.contains("\u{1B}") || line.contains("\t"), line)
            XCTAssertTrue(line.contains("'a\\n\\x1b[2J\\tb"), line)
            // The JSON error body on stdout keeps MLflow's message text, which JSON escapes.
            let body = try JSONSerialization.jsonObject(with: hostile.stdout) as? [String: Any]
            XCTAssertTrue((body?["message"] as? String)?.contains("'a\n\u{1B}[2J\tb") ?? false, hostile.stdoutText)
        }
    }

    /// A 790 KB `IN` list of 100,000 values once kept a server busy for 10 minutes: now it
    /// is refused at once, and /health answers right after it.
    func testHugeInListThroughTheServer() throws {
        let stores = try FixtureStores.shared()
        for format in StoreFormat.allCases {
            let port = try MLflowServer.freePort()
            let process = Process()
            process.executableURL = try RepoLayout.mltuiBinary()
            process.arguments = ["serve", "--backend-store-uri", try stores.trackingURI(format), "--port", String(port)]
            process.currentDirectoryURL = FileManager.default.temporaryDirectory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { process.terminate(); process.waitUntilExit() }
            let base = URL(string: "http://127.0.0.1:\(port)")!
            let deadline = Date().addingTimeInterval(60)
            while (try? request(base.appendingPathComponent("health")))?.status != 200 {
                XCTAssertTrue(process.isRunning, "mltui serve exited")
                guard Date() < deadline, process.isRunning else { return XCTFail("[\(format)] mltui serve did not answer /health") }
                Thread.sleep(forTimeInterval: 0.1)
            }

            let values = (0..<100_000).map { String(format: "'%05x'", $0) }.joined(separator: ",")
            let filter = "attributes.run_id IN (\(values))"
            XCTAssertGreaterThan(filter.utf8.count, 790_000)
            let body = try JSONSerialization.data(withJSONObject: ["experiment_ids": ["0"], "filter": filter, "max_results": 10])
            let answer = try timed("[\(format)] runs/search, 100,000-value IN list (\(body.count) bytes)") {
                try request(base.appendingPathComponent("api/2.0/mlflow/runs/search"), body: body)
            }
            XCTAssertEqual(answer.status, 400, answer.text.prefix(300).description)
            let error = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
            XCTAssertEqual(error?["error_code"] as? String, "INVALID_PARAMETER_VALUE")
            XCTAssertTrue((error?["message"] as? String)?.hasPrefix("Error on parsing filter 'attributes.run_id IN (") ?? false,
                          answer.text.prefix(300).description)
            let health = try timed("[\(format)] /health after it") { try request(base.appendingPathComponent("health")) }
            XCTAssertEqual(health.status, 200)
        }
    }

    private func request(_ url: URL, body: Data? = nil) throws -> HTTPAnswer {
        var request = URLRequest(url: url)
        request.timeoutInterval = 60
        if let body {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        return try HTTPAnswer.fetch(request)
    }
}
