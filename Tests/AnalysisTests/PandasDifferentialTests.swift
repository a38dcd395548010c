import Foundation
import TestSupport
import Tracking
import XCTest

/// `mltui runs --group-by` and best-of `--columns` (the real binary) against pandas and the
/// MLflow client (pandas_oracle.py: `mlflow.search_runs` grouped by `df.groupby(keys,
/// dropna=False)`, best-of values from `get_metric_history`), on the analysis stores the real
/// client wrote: the file store, the SQLite store, and a real `mlflow server` over that SQLite
/// store (one server for the class). The stores hold missing keys, NaN, +inf and -inf, and a tie
/// at step 10 of `loss`.
final class PandasDifferentialTests: XCTestCase {
    struct Grouping {
        var keys: [String]
        /// nil: every metric (the CLI's default); else these `--columns`.
        var columns: [String]?
        /// The keys as given on the command line: repeated `--group-by`, or one comma-separated value.
        var arguments: [String]
    }

    static let bestOf: [(header: String, metric: String, kind: String, step: Int?)] = [
        ("min(metrics.loss)", "loss", "min", nil), ("max(metrics.val_loss)", "val_loss", "max", nil),
        ("metrics.loss@10", "loss", "step", 10), ("max(metrics.only_nan)", "only_nan", "max", nil),
    ]
    static let groupings = [
        Grouping(keys: ["params.model"], columns: nil, arguments: ["--group-by", "params.model"]),
        Grouping(keys: ["params.model", "params.optimizer"], columns: nil,
                 arguments: ["--group-by", "params.model", "--group-by", "params.optimizer"]),
        Grouping(keys: ["tags.team"], columns: bestOf.map(\.header) + ["metrics.f1"], arguments: ["--group-by", "tags.team"]),
        // search_runs' frame has no dataset column: the oracle adds the runs' dataset names
        // (sorted, comma-joined, as mltui's datasets.name) and pandas groups by it.
        Grouping(keys: ["datasets.name", "params.optimizer"], columns: ["metrics.val_loss", "max(metrics.val_loss)"],
                 arguments: ["--group-by", "datasets.name,params.optimizer"]),
    ]

    /// Where the CLI reads, and what pandas answered there.
    struct Target { var name: String; var uri: String; var answer: JSONDocument }

    static let server = Locked<MLflowServer?>(nil)
    static let targets = Locked<[Target]?>(nil)

    override class func tearDown() {
        server.withLock { $0?.stop(); $0 = nil }
        super.tearDown()
    }

    /// The three stores, with the oracle's answers (one Python process for all three).
    func targets() throws -> [Target] {
        if let targets = Self.targets.current { return targets }
        let stores = try FixtureStores.analysis()
        let request: [String: Any] = [
            "experiment": "sweep",
            "best": Self.bestOf.map { b -> [String: Any] in
                ["header": b.header, "metric": b.metric, "kind": b.kind, "step": b.step.map { $0 as Any } ?? NSNull()]
            },
            "groupings": Self.groupings.map { ["keys": $0.keys, "columns": $0.columns.map { $0 as Any } ?? NSNull()] },
        ]
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-pandas-oracle-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: request).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }

        let server = try MLflowServer(backendStoreURI: stores.sqliteURI)
        Self.server.withLock { $0 = server }
        let uris = [("file", try stores.trackingURI(.file)), ("sqlite", stores.sqliteURI), ("server", server.url)]
        let answers = try Self.oracle(input, uris.map(\.1))
        let targets = try uris.map { name, uri in
            Target(name: name, uri: uri, answer: try XCTUnwrap(answers[uri], "no oracle answer for \(uri)"))
        }
        Self.targets.withLock { $0 = targets }
        return targets
    }

    /// pandas_oracle.py's answers for these tracking URIs, keyed by URI.
    static func oracle(_ request: URL, _ uris: [String]) throws -> JSONDocument {
        let script = RepoLayout.root.appendingPathComponent("Tests/AnalysisTests/pandas_oracle.py")
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script.path, request.path] + uris, timeout: 300)
        guard result.status == 0 else { throw SupportError("pandas_oracle.py failed:\n\(result.stderrText.suffix(3000))") }
        return try JSONDocument.parse(result.stdout)
    }

    func mltui(_ target: Target, _ args: [String]) throws -> CommandResult {
        let result = try CommandRunner.run(try RepoLayout.mltuiBinary(),
                                           ["runs", "--tracking-uri", target.uri, "--experiment-name", "sweep"] + args, timeout: 120)
        XCTAssertFalse(result.timedOut, "\(args)")
        return result
    }

    // MARK: - Equivalences

    /// The one place where the CLI and pandas may write "no number" differently: pandas has NaN
    /// where it cannot compute an aggregate (no values, std of one value, inf - inf); the CLI
    /// leaves such a cell empty (no values) or writes NaN (NaN arithmetic). Other numbers agree
    /// to a relative 1e-9 (pandas sums with compensation; equal infinities are equal).
    static func agree(_ cli: Double?, _ pandas: Double?) -> Bool {
        let c = cli ?? .nan, p = pandas ?? .nan
        if c.isNaN || p.isNaN { return c.isNaN && p.isNaN }
        return c == p || abs(c - p) <= 1e-9 * max(abs(c), abs(p))
    }

    /// A CSV cell or a pandas answer as a number: empty and null are no value.
    static func number(_ text: String?) -> Double? {
        guard let text, !text.isEmpty else { return nil }
        return Double(text)
    }

    /// A JSON cell as a number (NaN and infinities arrive as MLflow's strings).
    static func number(_ json: JSONDocument?) -> Double? {
        switch json {
        case .number(let v)?: return v
        case .string(let s)?: return ["NaN": .nan, "Infinity": .infinity, "-Infinity": -.infinity][s] ?? Double(s)
        default: return nil
        }
    }

    /// RFC 4180 rows: quoted fields (a doubled quote is one), CRLF line ends.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, afterQuote = false
        for c in text {
            if quoted {
                if c == "\"" { quoted = false; afterQuote = true } else { field.append(c) }
                continue
            }
            if c == "\"" {
                if afterQuote { field.append(c) }
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c.isNewline {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
            afterQuote = false
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    // MARK: - Tests

    /// One and two keys, a tag, dataset names; every aggregate of every metric (and of best-of
    /// columns); groups in pandas' order, missing keys last; CSV and JSON.
    func testGroupsMatchPandas() throws {
        for target in try targets() {
            let answers = try XCTUnwrap(target.answer["groupings"]?.arrayValue)
            for (grouping, answer) in zip(Self.groupings, answers) {
                let context = "\(target.name) \(grouping.arguments)"
                let expectedHeader = try XCTUnwrap(answer["header"]?.arrayValue).compactMap(\.stringValue)
                let expectedRows = try XCTUnwrap(answer["rows"]?.arrayValue).map { try XCTUnwrap($0.arrayValue) }
                let columns = grouping.columns.map { ["--columns", $0.joined(separator: ",")] } ?? []
                let csv = try mltui(target, grouping.arguments + columns + ["--format", "csv"])
                XCTAssertEqual(csv.status, 0, "\(context): \(csv.stderrText)")
                let rows = Self.csvRows(csv.stdoutText)
                XCTAssertEqual(rows.first, expectedHeader, context)
                XCTAssertEqual(rows.count - 1, expectedRows.count, "\(context): one row per pandas group\n\(csv.stdoutText)")
                XCTAssertGreaterThan(expectedRows.count, 1, context)
                let keyCount = grouping.keys.count
                for (row, expected) in zip(rows.dropFirst(), expectedRows) {
                    // Group values and count exactly, in pandas' order (a missing key is empty, last).
                    XCTAssertEqual(Array(row.prefix(keyCount + 1)), expected.prefix(keyCount + 1).map { $0.stringValue ?? "" },
                                   "\(context): group order and values")
                    for i in (keyCount + 1)..<min(row.count, expected.count) {
                        XCTAssertTrue(Self.agree(Self.number(row[i]), Self.number(expected[i].stringValue)),
                                      "\(context) \(expectedHeader[i]) of \(row.prefix(keyCount)): mltui \(row[i]), pandas \(expected[i])")
                    }
                }

                let json = try mltui(target, grouping.arguments + columns + ["--format", "json"])
                XCTAssertEqual(json.status, 0, "\(context): \(json.stderrText)")
                let objects = try XCTUnwrap(try JSONDocument.parse(json.stdout).arrayValue, context)
                XCTAssertEqual(objects.count, expectedRows.count, context)
                for (object, expected) in zip(objects, expectedRows) {
                    for (i, name) in expectedHeader.enumerated() where i > keyCount {
                        XCTAssertTrue(Self.agree(Self.number(object[name]), Self.number(expected[i].stringValue)),
                                      "\(context) json \(name): mltui \(String(describing: object[name])), pandas \(expected[i])")
                    }
                    for (i, name) in expectedHeader.prefix(keyCount).enumerated() {
                        XCTAssertEqual(object[name], expected[i].stringValue.map(JSONDocument.string) ?? .null, "\(context) json \(name)")
                    }
                    XCTAssertEqual(Self.number(object["count"]), Self.number(expected[keyCount].stringValue), "\(context) json count")
                }
            }
        }
    }

    /// min, max and value-at-step over each run's whole history equal what `get_metric_history`
    /// gives: NaN points skipped, an all-NaN history NaN, the later of two points at one step.
    func testBestOfColumnsMatchMetricHistory() throws {
        let headers = Self.bestOf.map(\.header)
        for target in try targets() {
            guard case .object(let expected)? = target.answer["runs"] else { return XCTFail("no runs in the oracle's answer") }
            let csv = try mltui(target, ["--columns", headers.joined(separator: ","), "--format", "csv"])
            XCTAssertEqual(csv.status, 0, "\(target.name): \(csv.stderrText)")
            let rows = Self.csvRows(csv.stdoutText)
            XCTAssertEqual(rows.first, ["run_id"] + headers, target.name)
            XCTAssertEqual(rows.count - 1, expected.count, "\(target.name): one row per run")
            var tiesSeen = 0
            for row in rows.dropFirst() {
                let run = try XCTUnwrap(expected[row[0]], "\(target.name): run \(row[0]) unknown to the oracle")
                for (i, header) in headers.enumerated() {
                    // Exact: both write Python's repr of the same double; no history is empty.
                    XCTAssertEqual(row[i + 1], run[header]?.stringValue ?? "", "\(target.name) \(row[0]) \(header)")
                }
                if row[3] == "0.5" { tiesSeen += 1 }
            }
            XCTAssertEqual(tiesSeen, expected.count, "\(target.name): loss@10 is the later point of the tie (0.5) on every run")
            XCTAssertEqual(rows.dropFirst().filter { $0[4] == "nan" }.count, 1, "\(target.name): one run's only_nan history is all NaN")

            let json = try mltui(target, ["--columns", headers.joined(separator: ","), "--format", "json"])
            XCTAssertEqual(json.status, 0, json.stderrText)
            for object in try XCTUnwrap(try JSONDocument.parse(json.stdout).arrayValue) {
                let run = try XCTUnwrap(object["run_id"]?.stringValue.flatMap { expected[$0] })
                for header in headers {
                    let want = Self.number(run[header]?.stringValue), got = Self.number(object[header])
                    XCTAssertTrue(want == nil ? object[header] == .null : Self.agree(got, want) && got?.isNaN == want?.isNaN,
                                  "\(target.name) json \(header): \(String(describing: object[header])) vs \(String(describing: want))")
                }
            }
        }
    }

    /// `--format md`: a GitHub table with the CSV's rows and header, numbers shown to 6
    /// significant digits, a missing group key as an empty cell.
    func testMarkdownHasTheCSVRows() throws {
        let target = try XCTUnwrap(try targets().first { $0.name == "sqlite" })
        let args = ["--group-by", "params.model", "--columns", "metrics.f1,max(metrics.acc)"]
        let csv = Self.csvRows(try mltui(target, args + ["--format", "csv"]).stdoutText)
        let md = try mltui(target, args + ["--format", "md"])
        XCTAssertEqual(md.status, 0, md.stderrText)
        let lines = md.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(lines.count, csv.count + 1, md.stdoutText)
        XCTAssertEqual(lines.first, "| " + csv[0].joined(separator: " | ") + " |")
        XCTAssertEqual(lines[1], "|" + String(repeating: " --- |", count: csv[0].count))
        for (line, row) in zip(lines.dropFirst(2), csv.dropFirst()) {
            XCTAssertTrue(line.hasPrefix("| ") && line.hasSuffix(" |"), line)
            let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
            XCTAssertEqual(cells.count, row.count, line)
            XCTAssertEqual(Array(cells.prefix(2)), Array(row.prefix(2)), "group value and count as in CSV")
            for (shown, exact) in zip(cells.dropFirst(2), row.dropFirst(2)) {
                guard let value = Self.number(exact), value.isFinite else {
                    XCTAssertEqual(shown.isEmpty, exact.isEmpty, "\(shown) for \(exact)")
                    continue
                }
                let read = try XCTUnwrap(Double(shown), "\(shown) in \(line)")
                XCTAssertEqual(read, value, accuracy: abs(value) * 5e-6, "6 significant digits: \(shown) for \(exact)")
            }
        }
        XCTAssertTrue(lines.last?.hasPrefix("|  | 3 |") == true, "runs without a model: their own group, last, key empty\n\(md.stdoutText)")
    }

    /// The aligned table shows what Markdown shows, best-of columns included (cells cut at the
    /// header's column starts: the table pads every column to its widest cell).
    func testTableShowsTheMarkdownCells() throws {
        let target = try XCTUnwrap(try targets().first { $0.name == "file" })
        let args = ["--columns", Self.bestOf.map(\.header).joined(separator: ",") + ",datasets.name", "--order-by", "attributes.run_name"]
        let md = try mltui(target, args + ["--format", "md"]).stdoutText.split(separator: "\n").dropFirst(2).map {
            $0.dropFirst(2).dropLast(2).components(separatedBy: " | ")
        }
        let table = try mltui(target, args).stdoutText.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(table.first)
        let starts = (["run_id"] + Self.bestOf.map(\.header) + ["datasets.name"]).map { name in
            header.distance(from: header.startIndex, to: header.range(of: name)!.lowerBound)
        }
        let rows = table.dropFirst().map { line -> [String] in
            let chars = Array(line)
            return starts.indices.map { i in
                let end = i + 1 < starts.count ? min(starts[i + 1], chars.count) : chars.count
                return starts[i] < end ? String(chars[starts[i]..<end]).trimmingCharacters(in: .whitespaces) : ""
            }
        }
        XCTAssertEqual(rows.count, 30)
        XCTAssertEqual(rows, md)
        XCTAssertEqual(rows.filter { $0[3] == "0.5" }.count, 30, "loss@10 shown")
        XCTAssertEqual(rows.filter { $0[5].isEmpty }.count, 5, "runs without datasets")
    }

    /// A bad entry is one line on stderr naming it, exit 1, nothing on stdout (JSON: MLflow's
    /// error body).
    func testBadEntriesAreOneClearLine() throws {
        let target = try XCTUnwrap(try targets().first { $0.name == "file" })
        let cases = [
            (["--columns", "metrics.f1,min(params.lr)"], "--columns entry 'min(params.lr)': min(...) takes a metric"),
            (["--columns", "params.lr@3"], "--columns entry 'params.lr@3': KEY@STEP takes a metric"),
            (["--columns", "max(metrics.loss"], "--columns entry 'max(metrics.loss': missing ')'"),
            (["--group-by", "metrics.f1"], "--group-by entry 'metrics.f1': a metric is aggregated in every group, not grouped by"),
            (["--group-by", "params.model,max(metrics.loss)"], "--group-by entry 'max(metrics.loss)': a metric is aggregated"),
            (["--group-by", "foo.bar"], "--group-by entry 'foo.bar': Invalid entity type 'foo'"),
        ]
        for (args, message) in cases {
            let result = try mltui(target, args)
            XCTAssertEqual(result.status, 1, "\(args)")
            XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, result.stderrText)
            XCTAssertTrue(result.stderrText.contains(message), "\(args): \(result.stderrText)")
            XCTAssertEqual(result.stdoutText, "", "\(args)")
        }
        let json = try mltui(target, ["--group-by", "metrics.f1", "--format", "json"])
        XCTAssertEqual(json.status, 1)
        XCTAssertEqual(try JSONDocument.parse(json.stdout)["error_code"]?.stringValue, "INVALID_PARAMETER_VALUE", json.stdoutText)
    }
}
