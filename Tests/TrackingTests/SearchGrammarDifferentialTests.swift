import Foundation
import XCTest
@testable import Tracking

/// Runs filters and order_by lists through MLflow's own parser (mlflow_search_oracle.py under the
/// real MLflow venv) and through ours: both must accept or reject each one, and accepted ones
/// must parse to the same clauses.
final class SearchGrammarDifferentialTests: XCTestCase {
    enum Case {
        case runFilter(String)
        case experimentFilter(String)
        case runOrder([String])
        case experimentOrder([String])
    }

    static let runFilters = [
        "", "metrics.rmse < 0.5", "metric.rmse > 0.25 AND params.lr = '0.01'", "metrics.`train/loss` > 1",
        "metrics.\"train/loss\" > 1", "metrics.rmse > '0.1'", "params.lr = 0.01", "params.lr = \"0.01\"",
        "params.lr LIKE '0.%'", "params.lr ILIKE '0.0%'", "params.lr IS NULL", "params.lr is not null",
        "params.lr IN ('0.01','0.1')", "tags.mlflow.runName = 'second'", "tags.stage = dev",
        "attributes.status = 'FAILED'", "status = 'RUNNING'", "run.status = 'RUNNING'", "attr.status != 'x'",
        "attributes.status IN ('FAILED','RUNNING')", "attributes.run_id IN ('221d','af10')",
        "run_id NOT IN ('a', \"b\")", "run_id not in ('a',)", "attributes.`Run name` = 'second'",
        "`Run name` = 'second'", "`run name` LIKE 's%'", "\"Run Name\" != 'x'", "attributes.run_name ILIKE 'F%'",
        "run_name = 'x'", "attributes.start_time > 0", "created > 0", "Created <= 5", "attributes.end_time > 0",
        "attributes.start_time > '0'", "attributes.start_time >= 1.5", "attributes.experiment_id = '1'",
        "lifecycle_stage = 'active'", "attributes.end_time IS NULL", "metrics.rmse IS NULL",
        "datasets.name = 'mydata'", "datasets.digest = 'f4fbf563'", "datasets.context = 'training'",
        "dataset.name IN ('mydata')", "datasets.name NOT IN ('a')", "datasets.digest ILIKE 'a%'",
        "datasets.foo = 'x'", "datasets.name > 'x'", "datasets.name = 1",
        "metrics.rmse < 0.5 OR params.lr = '0.01'", "(metrics.rmse < 0.5)", "metrics.rmse > 0.1;",
        "metrics.rmse > 0.1; metrics.x > 1", "foo.bar = 'x'", "params.lr == '0.01'", "params.lr <> '0.01'",
        "params.lr > '0.001'", "metrics.nanm != 0", "params.empty = ''", "tags.x = \"\"",
        "metrics.x > -1", "metrics.x>-1", "metrics.x > 1e-3", "metrics.x > 1E3", "metrics.x > .5",
        "metrics.x > 1.", "metrics.x > -.5", "metrics.x > 01", "metrics.x > 1e400", "metrics.x > 1.5e3",
        "metrics.x > 1e+3", "metrics.x > 0x10", "metrics.x > +1", "metrics.x > 1abc", "metrics.x > - 1",
        "metrics.x > 1.5.5", "metrics.x == 1", "metrics.x < = 1", "metrics.x => 1",
        "params.p = 'it''s'", "params.p = 'it\\'s'", "params.p = \"a\\\"b\"", "params.p = `x`",
        "params.ключ = 'x'", "params.`ключ` = 'x'", "params.1abc = 'x'", "params.a-b = 'x'",
        "metrics.rmse > 0.1 -- hi", "metrics.rmse > 0.1 /* hi */", "metrics.x = 1 # c", "   ",
        "params.p NOT LIKE 'x'", "params.p like 'x'", "params.x RLIKE 'a%'",
        "metrics.x > 1 and metrics.y < 2", "metrics.x = 1 aNd params.y = '1'", "metrics.x > 1 AND",
        "AND metrics.x > 1", "metrics.x > 1 metrics.y < 2", "metrics.x > 1 AND AND metrics.y < 2",
        "NOT metrics.x = 1", "metrics.x BETWEEN 1 AND 2", "metrics.x = 1, metrics.y = 2",
        "run_id IN ()", "run_id IN (1,2)", "run_id IN 'a'", "run_id IN ('a' 'b')", "run_id IN ('a\\'b')",
        "run_id IN ('a', 'b'", "run_id IN (a)", "run_id IN (`a`)", "run_id NOT IN('a')",
        "`tags`.x = 'y'", "`tags.x` = 'y'", "tags.\"x\" = 'y'", "\"tags\".x = 'y'", "tags.'x' = 'y'",
        "tags.`a.b` = 'y'", "tags.a.b = 'y'", "tags.a b = 'y'", "tags .a = 'y'", ".x = 'y'",
        "tags.x.1a = 'y'", "tags.x = 'y'AND tags.z = 'w'", "tags.x\t=\t'a'", "tags.x = 'a' 'b'",
        "tags.x = 'unterminated", "tags.x = \"unterminated", "tags.x IS 'a'", "tags.x ISNULL",
        "tags.x = NULL", "tags.x = TRUE", "metrics.x = NULL", "METRICS.x = 1", "STATUS = 'x'",
        "select = 'x'", "name = 'x'", "params.select = 'x'", "metrics.`a b` = 1", "end_time != 5.5",
        "status < 'R'", "start_time IN (1)", "metric.x IN (1)", "tags.x IN ('a')", "start_time > 99999999999",
        "tags.x = 'multi\nline'", "metrics.x > 1\nAND tags.y = 'z'", "tags.x = 'it\\'", "tags.x = 'a\\' AND tags.y = 'b'",
        // Dots sqlparse groups into the identifier although no name follows them.
        "params..x = 'a'", "params...x='a'", "params.x. = 'a'", "params.. = 'a'", "params. .x = 'a'", "params.. x = 'a'",
        "params..`x` = 'a'", "params..'x' = 'a'", "`params`..x = 'a'", "metrics..m > 1", "tags..a.b = 'x'",
        "tags..x IS NULL", "params..1 = 'a'", "params.x..1 = 'a'", "attributes..status = 'x'", "params..",
        "params..x IN ('a')", "params .. x = 'a'",
        "\n", "\t", " \r\n ",
    ]

    static let experimentFilters = [
        "", "name = 'x'", "name LIKE 'demo%'", "name ILIKE 'demo%'", "name != 'x'", "name IN ('x')",
        "name > 'x'", "experiment_id = '1'", "experiment_id = 1", "experiment_id IN ('0', '1')",
        "experiment_id NOT IN ('0')", "experiment_id LIKE '1%'", "experiment_id > '1'", "creation_time > 0",
        "creation_time > 1.5", "creation_time > '0'", "last_update_time <= 5", "last_update_time IS NULL",
        "attribute.name = 'x'", "attributes.name = 'x'", "attr.name = 'x'", "tags.team = 'ml'",
        "tag.team = 'ml'", "tags.team IS NULL", "tags.team IS NOT NULL", "tags.team IN ('a')", "tags.team > 'a'",
        "tags.`nested/key` = 'v/1'", "params.x = 'y'", "metrics.x > 1", "status = 'x'", "`attribute`.name = 'x'",
        "name = 'x' OR name = 'y'", "name = 'x' AND tags.a = 'b'", "creation_time = -5", "`name` = 'x'",
        "\"name\" = 'x'", "lifecycle_stage = 'active'", "creation_time > 1e3",
        "tags..x = 'a'", "   ", "\n",
    ]

    static let runOrders: [[String]] = [
        ["metrics.rmse"], ["metrics.rmse DESC"], ["metrics.rmse desc"], ["metrics.rmse Asc"],
        ["metrics.rmse  DESC"], [" metrics.rmse DESC"], ["metrics.rmse DESC "], ["metrics.rmse DESC NULLS LAST"],
        ["metrics.rmse ASC DESC"], ["metrics.rmse foo"], ["metrics.`train/loss` DESC"], ["metrics.\"train/loss\" DESC"],
        ["metrics.'train/loss' DESC"], ["`metrics`.rmse"], ["start_time"], ["created DESC"], ["Created"],
        ["`Run name` DESC"], ["run_name"], ["experiment_id"], ["lifecycle_stage"], ["params.lr"],
        ["tags.mlflow.runName DESC"], ["tags.`mlflow.runName`"], ["datasets.name"], ["status", "run_id ASC"],
        ["user_id", "artifact_uri", "end_time"], ["timestamp"], [""], ["DESC"], ["metrics.rmse,"],
        ["metrics.rmse;"], ["metrics.a b"], ["metrics.`a b` DESC"], ["metrics.x.y"], ["params.ключ"],
        ["metrics.rmse DESC, params.lr"], ["attributes.start_time"], ["attribute.status"],
        ["metrics.rmse", "metrics.rmse DESC"], ["created", "start_time DESC"], ["metric.a", "metrics.a"],
        ["metrics.a", "params.a", "tags.a"], ["foo.bar"],
    ]

    static let experimentOrders: [[String]] = [
        ["name"], ["name DESC"], ["creation_time desc"], ["experiment_id"], ["last_update_time ASC"],
        ["tags.x"], ["attribute.name"], ["attributes.name"], ["foo"], ["`name`"], ["name", "experiment_id DESC"],
        ["name DESC NULLS LAST"],
    ]

    /// Inputs where mltui deliberately differs from MLflow's parser (each reason is a MLflow bug or
    /// an input no store could answer). Checked here so that a change on either side shows up.
    static let knownDivergences: [(Case, mlflowAccepts: Bool, reason: String)] = [
        (.runFilter("run_id = ('a')"), true, "a list with '=' becomes a SQL tuple comparison in MLflow; mltui wants IN"),
        (.runFilter("tags. = 'y'"), true, "MLflow reads an empty key; mltui asks for a key after the dot"),
        (.runFilter("params.p is not  null"), false, "MLflow requires exactly one space in 'NOT NULL'"),
        (.runOrder(["\"metrics.rmse\" DESC"]), true, "MLflow strips quotes with shlex only when a direction follows"),
        (.experimentFilter("experiment_id = 'abc'"), false, "the SQL store needs integer ids; file-store ids are strings"),
    ]

    func testAcceptsAndParsesLikeMLflow() throws {
        let cases = Self.runFilters.map(Case.runFilter) + Self.experimentFilters.map(Case.experimentFilter)
            + Self.runOrders.map(Case.runOrder) + Self.experimentOrders.map(Case.experimentOrder)
        XCTAssertGreaterThan(cases.count, 80)
        let answers = try Self.askMLflow(cases)
        var accepted = 0
        for (testCase, answer) in zip(cases, answers) {
            let ours = Self.parse(testCase)
            let mlflowOK = answer["ok"] as? Bool ?? false
            if ProcessInfo.processInfo.environment["MLTUI_PRINT_SEARCH_CASES"] != nil {
                print("CASE \(testCase)\n  mltui:  \(ours)\n  mlflow: \(answer["error"] ?? answer["clauses"] ?? "")")
            }
            switch (ours, mlflowOK) {
            case (.success(let clauses), true):
                accepted += 1
                XCTAssertEqual(clauses, Self.normalize(answer["clauses"]), "\(testCase): parsed differently from MLflow")
            case (.failure(let error), false):
                XCTAssertEqual(error.code, .invalidParameterValue, "\(testCase)")
                XCTAssertTrue(error.message.hasSuffix(")") && error.message.contains("column "),
                              "\(testCase): error does not point at a column: \(error.message)")
            case (.success, false):
                XCTFail("\(testCase): MLflow rejects (\(answer["error"] ?? "")) but mltui accepts")
            case (.failure(let error), true):
                XCTFail("\(testCase): MLflow accepts but mltui rejects: \(error.message)")
            }
        }
        XCTAssertGreaterThan(accepted, 40, "the case list should exercise accepted inputs too")
    }

    func testKnownDivergencesStillHold() throws {
        let answers = try Self.askMLflow(Self.knownDivergences.map(\.0))
        for ((testCase, mlflowAccepts, reason), answer) in zip(Self.knownDivergences, answers) {
            XCTAssertEqual(answer["ok"] as? Bool, mlflowAccepts, "\(testCase): MLflow changed (\(reason))")
            let oursAccepts = (try? Self.parse(testCase).get()) != nil
            XCTAssertNotEqual(oursAccepts, mlflowAccepts, "\(testCase): no longer diverges (\(reason))")
        }
    }

    /// MLflow refuses a statement of more than 10,000 sqlparse tokens with "Error on parsing
    /// filter"; mltui counts the same tokens. Filters of several shapes are padded with spaces
    /// to 10,000 and 10,001 tokens by mltui's count (sqlparse takes seconds to group 10,000): MLflow must accept and refuse exactly the
    /// same ones, and refuse with its parsing error.
    func testTokenCapLikeMLflow() throws {
        let shapes: [(clause: String, joint: String)] = [
            ("tags.`a b` != \"x\" AND created >= -1.5e3 AND params.p IS NOT NULL", "\r\nand\n"),
            ("params.p NOT LIKE 'a%'", " AND "),
        ]
        var cases: [Case] = []
        for shape in shapes {
            let one = SearchLexer(shape.clause + shape.joint).tokenize().sqlparseTokenCount
            var text = shape.clause
            while SearchLexer(text).tokenize().sqlparseTokenCount + one <= 9_990 { text += shape.joint + shape.clause }
            let base = SearchLexer(text).tokenize().sqlparseTokenCount
            for target in 10_000...10_001 { cases.append(.runFilter(text + String(repeating: " ", count: target - base))) }
        }
        // `run_id IN (` is 5 tokens, each value and comma 2, `)` 1: 4,998 values make 10,001.
        let values = (0..<4_998).map { "'\($0)'" }
        for count in [4_997, 4_998] {
            cases.append(.runFilter("run_id IN (" + values.prefix(count).joined(separator: ",") + ")"))
        }
        cases.append(.runOrder([String(repeating: " ", count: 9_997) + "metrics.m"]))
        cases.append(.runOrder([String(repeating: " ", count: 9_998) + "metrics.m"]))
        let answers = try Self.askMLflow(cases)
        var refused = 0
        for (testCase, answer) in zip(cases, answers) {
            let mlflowOK = answer["ok"] as? Bool ?? false
            let mlflowError = answer["error"] as? String ?? ""
            let ours = Self.parse(testCase)
            let tokens: Int
            switch testCase {
            case .runFilter(let text): tokens = SearchLexer(text).tokenize().sqlparseTokenCount
            case .runOrder(let texts): tokens = SearchLexer(texts[0]).tokenize().sqlparseTokenCount
            default: tokens = 0
            }
            let label = "\(tokens) tokens, \(String(describing: testCase).prefix(60))"
            switch ours {
            case .success:
                XCTAssertTrue(mlflowOK, "\(label): MLflow refuses (\(mlflowError.prefix(100))) but mltui accepts")
            case .failure(let error):
                XCTAssertFalse(mlflowOK, "\(label): MLflow accepts but mltui refuses: \(error.message.prefix(200))")
                // `NOT LIKE` and a leading space in order_by are refused below the cap too.
                let capped = error.message.hasPrefix("Error on parsing")
                XCTAssertEqual(capped, mlflowError.contains("Error on parsing"),
                               "\(label): mltui: \(error.message.prefix(100)); MLflow: \(mlflowError.prefix(100))")
                if capped { refused += 1 }
            }
        }
        XCTAssertEqual(refused, shapes.count + 2, "each shape, list and order_by is refused at 10,001 tokens")
    }

    // MARK: running both sides

    struct OracleError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ testCase: Case) -> Result<[[String]], MLflowError> {
        Result {
            switch testCase {
            case .runFilter(let text): return try SearchGrammar.parseRunFilter(text).map(describe)
            case .experimentFilter(let text): return try SearchGrammar.parseExperimentFilter(text).map(describe)
            case .runOrder(let texts): return try SearchGrammar.parseRunOrderBy(texts).map(describe)
            case .experimentOrder(let texts): return try SearchGrammar.parseExperimentOrderBy(texts).map(describe)
            }
        }.mapError { $0.asMLflowError }
    }

    static func describe(_ c: Comparison) -> [String] {
        let value: String
        switch c.value {
        case .number(let n): value = "number \(n)"
        case .string(let s): value = "string \(s)"
        case .list(let items): value = "list \(items)"
        case .none: value = "none"
        }
        return [c.key.kind.rawValue, c.key.key, c.comparator.rawValue, value]
    }

    static func describe(_ o: OrderClause) -> [String] {
        [o.key.kind.rawValue, o.key.key, o.ascending ? "ASC" : "DESC"]
    }

    /// The oracle's JSON clauses in `describe`'s shape.
    static func normalize(_ json: Any?) -> [[String]] {
        (json as? [[Any]] ?? []).map { clause in
            if clause.count == 3 {
                return [clause[0] as? String ?? "", clause[1] as? String ?? "", (clause[2] as? Bool ?? true) ? "ASC" : "DESC"]
            }
            var value = "none"
            if let object = clause[3] as? [String: Any] {
                if let number = object["number"] as? String { value = "number \(Double(number) ?? .nan)" }
                if let string = object["string"] as? String { value = "string \(string)" }
                if let list = object["list"] as? [String] { value = "list \(list)" }
            }
            return [clause[0] as? String ?? "", clause[1] as? String ?? "", clause[2] as? String ?? "", value]
        }
    }

    /// The python of the MLflow venv: $MLTUI_MLFLOW_PYTHON, else <repo>/.venv-mlflow/bin/python.
    static var mlflowPython: String {
        if let path = ProcessInfo.processInfo.environment["MLTUI_MLFLOW_PYTHON"], !path.isEmpty { return path }
        return repoRoot.appendingPathComponent(".venv-mlflow/bin/python").path
    }

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func askMLflow(_ cases: [Case]) throws -> [[String: Any]] {
        try askMLflow(payload: cases.map {
            switch $0 {
            case .runFilter(let text): return ["kind": "run_filter", "text": text]
            case .experimentFilter(let text): return ["kind": "experiment_filter", "text": text]
            case .runOrder(let texts): return ["kind": "run_order", "texts": texts]
            case .experimentOrder(let texts): return ["kind": "experiment_order", "texts": texts]
            }
        })
    }

    /// Runs an oracle script under Tests/ (mlflow_search_oracle.py unless told) on `payload`
    /// (a JSON list of cases), one answer per case.
    static func askMLflow(payload: [[String: Any]], script: String = "mlflow_search_oracle.py") throws -> [[String: Any]] {
        let python = mlflowPython
        guard FileManager.default.isExecutableFile(atPath: python) else {
            // A failure, not a skip: without MLflow this test would check nothing.
            throw OracleError(description: """
                MLflow venv not found at \(python). Create it with:
                  python3.11 -m venv \(repoRoot.path)/.venv-mlflow && \(repoRoot.path)/.venv-mlflow/bin/pip install mlflow==3.17.2
                or point MLTUI_MLFLOW_PYTHON at the python of an existing MLflow 3.17.2 venv.
                """)
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-oracle-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: payload).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repoRoot.appendingPathComponent("Tests/\(script)").path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let answers = try JSONSerialization.jsonObject(with: data) as? [[String: Any]],
              answers.count == payload.count else {
            throw OracleError(description: "MLflow oracle failed (status \(process.terminationStatus)): \(errorText.suffix(2000))")
        }
        return answers
    }
}
