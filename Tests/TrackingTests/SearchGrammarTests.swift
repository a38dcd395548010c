import XCTest
@testable import Tracking

final class SearchGrammarTests: XCTestCase {
    // MARK: helpers

    private func run(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Filter {
        do { return try SearchGrammar.parseRunFilter(text) } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return []
        }
    }

    private func one(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Comparison? {
        let filter = run(text, file: file, line: line)
        XCTAssertEqual(filter.count, 1, text, file: file, line: line)
        return filter.first
    }

    /// Asserts the error code, that the message contains `fragments`, and that it points at `column`.
    private func assertRejects(_ text: String, column: Int, _ fragments: String..., experiments: Bool = false,
                               file: StaticString = #filePath, line: UInt = #line) {
        let parse = { experiments ? try SearchGrammar.parseExperimentFilter(text) : try SearchGrammar.parseRunFilter(text) }
        XCTAssertThrowsError(try parse(), text, file: file, line: line) { error in
            guard let error = error as? MLflowError else { return XCTFail("not an MLflowError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.code, .invalidParameterValue, file: file, line: line)
            XCTAssertTrue(error.message.hasSuffix("(column \(column))"), "\(text): \(error.message)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "\(text): '\(fragment)' not in: \(error.message)", file: file, line: line)
            }
        }
    }

    private func assertOrderRejects(_ clauses: [String], _ fragments: String..., experiments: Bool = false,
                                    file: StaticString = #filePath, line: UInt = #line) {
        let parse = { experiments ? try SearchGrammar.parseExperimentOrderBy(clauses) : try SearchGrammar.parseRunOrderBy(clauses) }
        XCTAssertThrowsError(try parse(), "\(clauses)", file: file, line: line) { error in
            guard let error = error as? MLflowError else { return XCTFail("not an MLflowError", file: file, line: line) }
            XCTAssertEqual(error.code, .invalidParameterValue, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "'\(fragment)' not in: \(error.message)", file: file, line: line)
            }
        }
    }

    // MARK: comparators per entity

    func testMetricComparators() {
        for op in ["=", "!=", "<", "<=", ">", ">="] {
            XCTAssertEqual(one("metrics.rmse \(op) 0.5"), Comparison(SearchKey(.metric, "rmse"), Comparator(rawValue: op)!, .number(0.5)))
        }
        for op in ["LIKE", "ILIKE"] { assertRejects("metrics.rmse \(op) '1'", column: 14, "Invalid comparator '\(op)'", "metric 'rmse'") }
        assertRejects("metrics.rmse IN ('1')", column: 14, "Invalid comparator 'IN'")
        assertRejects("metrics.rmse NOT IN ('1')", column: 14, "Invalid comparator 'NOT IN'")
        assertRejects("metrics.rmse IS NULL", column: 14, "IS NULL / IS NOT NULL is only supported for tags and params", "metric 'rmse'")
        assertRejects("metrics.rmse IS NOT NULL", column: 14, "IS NULL / IS NOT NULL")
    }

    func testParamAndTagComparators() {
        for prefix in ["params", "tags"] {
            let kind: EntityKind = prefix == "params" ? .param : .tag
            for op in ["=", "!=", "LIKE", "ILIKE"] {
                XCTAssertEqual(one("\(prefix).k \(op) 'v'"), Comparison(SearchKey(kind, "k"), Comparator(rawValue: op)!, .string("v")))
            }
            XCTAssertEqual(one("\(prefix).k like 'v'")?.comparator, .like)
            XCTAssertEqual(one("\(prefix).k IS NULL"), Comparison(SearchKey(kind, "k"), .isNull, .none))
            XCTAssertEqual(one("\(prefix).k is not null"), Comparison(SearchKey(kind, "k"), .isNotNull, .none))
            for op in ["<", "<=", ">", ">="] {
                assertRejects("\(prefix).k \(op) 'v'", column: prefix.count + 4, "Invalid comparator '\(op)'", "\(kind.rawValue) 'k'")
            }
            assertRejects("\(prefix).k IN ('v')", column: prefix.count + 4, "Invalid comparator 'IN'")
        }
    }

    func testAttributeComparators() {
        for op in ["=", "!=", "LIKE", "ILIKE"] {
            XCTAssertEqual(one("attributes.status \(op) 'FAILED'"),
                           Comparison(SearchKey(.attribute, "status"), Comparator(rawValue: op)!, .string("FAILED")))
        }
        XCTAssertEqual(one("run_id IN ('a', 'b')"), Comparison(SearchKey(.attribute, "run_id"), .in, .list(["a", "b"])))
        XCTAssertEqual(one("run_id NOT IN ('a')"), Comparison(SearchKey(.attribute, "run_id"), .notIn, .list(["a"])))
        XCTAssertEqual(one("run_id not   in('a',)"), Comparison(SearchKey(.attribute, "run_id"), .notIn, .list(["a"])))
        assertRejects("status IN ('a')", column: 8, "Only ['run_id'] attributes support comparison with a list", "'status'")
        assertRejects("user_id < 'a'", column: 9, "Invalid comparator '<'", "attribute 'user_id'")
        assertRejects("artifact_uri IS NULL", column: 14, "IS NULL / IS NOT NULL")
        for op in ["=", "!=", "<", "<=", ">", ">="] {
            XCTAssertEqual(one("start_time \(op) 5"), Comparison(SearchKey(.attribute, "start_time"), Comparator(rawValue: op)!, .number(5)))
            XCTAssertEqual(one("attributes.end_time \(op) 1.5")?.value, .number(1.5))
        }
        assertRejects("end_time LIKE '1'", column: 10, "Invalid comparator 'LIKE'", "attribute 'end_time'")
        assertRejects("attributes.end_time IS NULL", column: 21, "IS NULL / IS NOT NULL", "attribute 'end_time'")
        assertRejects("attributes.experiment_id = '1'", column: 1, "Invalid attribute key 'experiment_id' specified")
        assertRejects("lifecycle_stage = 'active'", column: 1, "Invalid attribute key 'lifecycle_stage'")
        assertRejects("deleted_time > 0", column: 1, "Invalid attribute key 'deleted_time'")
    }

    func testDatasetComparators() {
        for key in ["name", "digest", "context"] {
            for op in ["=", "!=", "LIKE", "ILIKE"] {
                XCTAssertEqual(one("datasets.\(key) \(op) 'x'"), Comparison(SearchKey(.dataset, key), Comparator(rawValue: op)!, .string("x")))
            }
            XCTAssertEqual(one("dataset.\(key) IN ('x', \"y\")"), Comparison(SearchKey(.dataset, key), .in, .list(["x", "y"])))
            XCTAssertEqual(one("datasets.\(key) NOT IN ('x')")?.comparator, .notIn)
        }
        assertRejects("datasets.name > 'x'", column: 15, "Invalid comparator '>'", "dataset 'name'")
        assertRejects("datasets.name IS NULL", column: 15, "IS NULL / IS NOT NULL")
        assertRejects("datasets.source = 'x'", column: 1, "Invalid dataset key 'source'")
    }

    // MARK: identifiers, prefixes, aliases

    func testPrefixes() {
        let expectations: [(String, EntityKind)] = [
            ("metric", .metric), ("metrics", .metric), ("param", .param), ("params", .param),
            ("parameter", .param), ("parameters", .param), ("tag", .tag), ("tags", .tag),
        ]
        for (prefix, kind) in expectations {
            let value = kind == .metric ? "1" : "'1'"
            XCTAssertEqual(one("\(prefix).k = \(value)")?.key, SearchKey(kind, "k"), prefix)
            XCTAssertEqual(one("`\(prefix)`.k = \(value)")?.key, SearchKey(kind, "k"), "backticked \(prefix)")
        }
        for prefix in ["attribute", "attributes", "attr", "run", "`attributes`"] {
            XCTAssertEqual(one("\(prefix).status = 'x'")?.key, SearchKey(.attribute, "status"), prefix)
        }
        XCTAssertEqual(one("status = 'x'")?.key, SearchKey(.attribute, "status"))
        assertRejects("foo.bar = 'x'", column: 1, "Invalid entity type 'foo'")
        assertRejects("Metrics.x = 1", column: 1, "Invalid entity type 'Metrics'")
        assertRejects("\"tags\".x = 'y'", column: 1, "Invalid entity type '\"tags\"'")
        assertRejects("`tags.x` = 'y'", column: 1, "Invalid entity type '`tags'")
    }

    func testKeyQuotingAndFirstDotSplit() {
        XCTAssertEqual(one("tags.mlflow.runName = 'a'")?.key, SearchKey(.tag, "mlflow.runName"))
        XCTAssertEqual(one("tags.`mlflow.runName` = 'a'")?.key, SearchKey(.tag, "mlflow.runName"))
        XCTAssertEqual(one("metrics.`train/loss` > 1")?.key, SearchKey(.metric, "train/loss"))
        XCTAssertEqual(one("metrics.\"train/loss\" > 1")?.key, SearchKey(.metric, "train/loss"))
        XCTAssertEqual(one("tags.'odd key' = 'a'")?.key, SearchKey(.tag, "odd key"))
        XCTAssertEqual(one("params.`unicode_ключ` = 'a'")?.key, SearchKey(.param, "unicode_ключ"))
        XCTAssertEqual(one("params.ключ = 'a'")?.key, SearchKey(.param, "ключ"))
        XCTAssertEqual(one("params.`a b:c-d` = 'a'")?.key, SearchKey(.param, "a b:c-d"))
        XCTAssertEqual(one("params.1abc = 'a'")?.key, SearchKey(.param, "1abc"))
        XCTAssertEqual(one("tags.x.1a = 'a'")?.key, SearchKey(.tag, "x.1a"))
        // MLflow removes one pair of quotes and does not unescape doubled ones.
        XCTAssertEqual(one("metrics.`a``b` > 1")?.key, SearchKey(.metric, "a``b"))
        assertRejects("params.a-b = 'x'", column: 9, "'-'", "'params.a'")
        assertRejects("tags.a b = 'y'", column: 8, "'b'", "'tags.a'")
        assertRejects("tags.x.1 = 'y'", column: 8, "expected a key after '.'", "'1'")
        // sqlparse groups a dot no name follows into the identifier (sqlparse/engine/grouping.py,
        // group_period): MLflow reads `params..x` as key ".x" and `params.x.` as key "x.".
        XCTAssertEqual(one("params..x = 'a'")?.key, SearchKey(.param, ".x"))
        XCTAssertEqual(one("metrics..m > 1")?.key, SearchKey(.metric, ".m"))
        XCTAssertEqual(one("params...x='a'")?.key, SearchKey(.param, "..x"))
        XCTAssertEqual(one("params.x. = 'a'")?.key, SearchKey(.param, "x."))
        XCTAssertEqual(one("params.. = 'a'")?.key, SearchKey(.param, "."))
        XCTAssertEqual(one("tags..a.b IS NULL")?.key, SearchKey(.tag, ".a.b"))
        XCTAssertEqual(one("params..`x` = 'a'")?.key, SearchKey(.param, ".`x`"))
        XCTAssertEqual(one("`params`..x = 'a'")?.key, SearchKey(.param, ".x"))
        assertRejects("params..1 = 'a'", column: 8, "'.1'")
        assertRejects("attributes..status = 'x'", column: 1, "Invalid attribute key '.status'")
    }

    /// A blank filter is not "no filter": sqlparse finds no statement in it and MLflow answers
    /// "Invalid filter '   '. Could not be parsed." (both stores, runs and experiments).
    func testBlankFilterIsRefused() {
        for blank in ["   ", "\n", "\t", " \r\n "] {
            assertRejects(blank, column: 1, "Invalid filter '\(blank)'. Could not be parsed")
            assertRejects(blank, column: 1, "Invalid filter '\(blank)'. Could not be parsed", experiments: true)
        }
        XCTAssertEqual(run(""), [])
    }

    /// Messages quote their input; on one terminal line its control characters are escaped.
    func testOneLineMessagesEscapeControlCharacters() {
        let error = MLflowError.invalidParameter("Invalid filter '\n'. Could not be parsed: x\t\u{1B}[31m\r\n\u{85}\u{2028}é")
        XCTAssertEqual(error.oneLineMessage, "Invalid filter '\\n'. Could not be parsed: x\\t\\x1b[31m\\r\\n\\x85\\u2028é")
        XCTAssertEqual(error.description, "INVALID_PARAMETER_VALUE: " + error.oneLineMessage)
        XCTAssertFalse(error.oneLineMessage.contains(where: { $0.isNewline || $0 == "\u{1B}" || $0 == "\t" }))
        XCTAssertEqual(MLflowError.oneLine("plain ✓"), "plain ✓")
    }

    func testAttributeAliases() {
        for alias in ["created", "Created", "start_time", "attributes.created", "`created`"] {
            XCTAssertEqual(one("\(alias) > 0")?.key, SearchKey(.attribute, "start_time"), alias)
        }
        // run_name filters become the mlflow.runName tag (both MLflow stores filter the tag).
        for alias in ["run_name", "attributes.run_name", "`Run name`", "`run name`", "`Run Name`", "\"Run Name\"", "attr.`Run name`"] {
            XCTAssertEqual(one("\(alias) = 'x'"), Comparison(SearchKey(.tag, "mlflow.runName"), .equal, .string("x")), alias)
        }
        XCTAssertEqual(one("run_name ILIKE 'F%'")?.comparator, .ilike)
        assertRejects("`RUN NAME` = 'x'", column: 1, "Invalid attribute key 'RUN NAME'")
        assertRejects("run_name IN ('x')", column: 10, "Only ['run_id']")
    }

    // MARK: values

    func testNumberFormats() {
        let numbers: [(String, Double)] = [("1", 1), ("-1", -1), ("1e-3", 0.001), ("1E3", 1000), (".5", 0.5), ("-.5", -0.5),
                                           ("1.", 1), ("01", 1), ("1.5e3", 1500), ("1e400", .infinity), ("-0", 0)]
        for (text, value) in numbers {
            XCTAssertEqual(one("metrics.x > \(text)")?.value, .number(value), text)
        }
        XCTAssertEqual(one("metrics.x>-1")?.value, .number(-1))
        assertRejects("metrics.x > 1e+3", column: 13, "Expected numeric value type for metric 'x'", "'1e'")
        assertRejects("metrics.x > 0x10", column: 13, "Expected numeric value type", "'0x10'")
        assertRejects("metrics.x > +1", column: 13, "'+'")
        assertRejects("metrics.x > - 1", column: 13, "'-'")
        assertRejects("metrics.x > 1abc", column: 13, "'1abc'")
        assertRejects("metrics.x > 1.5.5", column: 16, "Invalid clause(s) in filter string: '.5'")
        assertRejects("metrics.rmse > '0.1'", column: 16, "Expected numeric value type for metric 'rmse'. Found '0.1'")
        assertRejects("start_time > '0'", column: 14, "Expected numeric value type for numeric attribute: start_time")
        assertRejects("metrics.x = NULL", column: 13, "'NULL'")
    }

    func testStringValueQuoting() {
        XCTAssertEqual(one("params.lr = '0.01'")?.value, .string("0.01"))
        XCTAssertEqual(one("params.lr = \"0.01\"")?.value, .string("0.01"))
        XCTAssertEqual(one("params.e = ''")?.value, .string(""))
        XCTAssertEqual(one("params.e = \"\"")?.value, .string(""))
        XCTAssertEqual(one("tags.x = 'a b, c AND d'")?.value, .string("a b, c AND d"))
        XCTAssertEqual(one("tags.x = 'multi\nline'")?.value, .string("multi\nline"))
        XCTAssertEqual(one("tags.x = 'ünï ✓'")?.value, .string("ünï ✓"))
        // MLflow keeps the text between the quotes verbatim: no unescaping of '' or \'.
        XCTAssertEqual(one("params.p = 'it''s'")?.value, .string("it''s"))
        XCTAssertEqual(one("params.p = 'it\\'s'")?.value, .string("it\\'s"))
        XCTAssertEqual(one("params.p = \"a\\\"b\"")?.value, .string("a\\\"b"))
        XCTAssertEqual(one("params.p = 'say \"hi\"'")?.value, .string("say \"hi\""))
        assertRejects("params.lr = 0.01", column: 13, "Expected a quoted string value for param 'lr'", "'0.01'")
        assertRejects("tags.stage = dev", column: 14, "Parameter value is either not quoted or unidentified quote types used for string value dev.")
        assertRejects("params.p = `x`", column: 12, "'`x`'")
        assertRejects("tags.x = 'unterminated", column: 10, "the quoted string 'unterminated is never closed")
        assertRejects("tags.x = \"open", column: 10, "the quoted string \"open is never closed")
        assertRejects("`tags.x = 'a'", column: 1, "the backtick-quoted identifier `tags.x = 'a' is never closed")
        // sqlparse backtracks: a final \' closes the string when nothing else would.
        XCTAssertEqual(one("tags.x = 'it\\'")?.value, .string("it\\"))
        assertRejects("tags.x = 'a\\' AND tags.y = 'b'", column: 30, "the quoted string ' is never closed")
        assertRejects("tags.x = 'a' 'b'", column: 14, "Invalid clause(s) in filter string: ''b''")
    }

    func testLists() {
        XCTAssertEqual(one("run_id IN (\"a\", 'b')")?.value, .list(["a", "b"]))
        // Lists are read as Python literals: escapes decode and adjacent strings concatenate.
        XCTAssertEqual(one("run_id IN ('a\\'b')")?.value, .list(["a'b"]))
        XCTAssertEqual(one("run_id IN ('a' 'b')")?.value, .list(["ab"]))
        XCTAssertEqual(one("run_id IN ('a''b')")?.value, .list(["ab"]))
        XCTAssertEqual(one("run_id IN ('\\x41\\u00e9\\n')")?.value, .list(["Aé\n"]))
        XCTAssertEqual(one("run_id IN ('a',)")?.value, .list(["a"]))
        assertRejects("run_id IN ()", column: 11, "expected a non-empty list of string values, but got empty list")
        assertRejects("run_id IN (1, 2)", column: 12, "expected a quoted string value, got '1'")
        assertRejects("run_id IN (a)", column: 12, "got 'a'")
        assertRejects("run_id IN ('a' 'b'", column: 11, "found no ')'")
        assertRejects("run_id IN ('a' x)", column: 16, "expected ',' or ')', got 'x'")
        assertRejects("run_id IN 'a'", column: 11, "Expected a parenthesized list", "''a''")
        assertRejects("run_id IN", column: 10, "Invalid clause(s) in filter string: 'run_id', 'IN'. Expected a parenthesized list")
    }

    // MARK: structure

    func testAndOnly() {
        XCTAssertEqual(run("metrics.a > 1 AND params.b = 'x' and tags.c != 'y' aNd status = 'RUNNING'").count, 4)
        XCTAssertEqual(run("tags.x = 'y'AND tags.z = 'w'").count, 2)
        XCTAssertEqual(run("metrics.x > 1\n\tAND   tags.y = 'z'").count, 2)
        // MLflow drops every AND and keeps every comparison: these are accepted too.
        XCTAssertEqual(run("metrics.x > 1 metrics.y < 2").count, 2)
        XCTAssertEqual(run("AND metrics.x > 1 AND AND").count, 1)
        XCTAssertEqual(run(""), [])
        assertRejects("metrics.rmse < 0.5 OR params.lr = '0.01'", column: 20, "Invalid clause(s) in filter string: 'OR'")
        assertRejects("metrics.rmse < 0.5 or params.lr = '0.01'", column: 20, "'or'")
        assertRejects("(metrics.rmse < 0.5)", column: 1, "Invalid clause(s) in filter string: '('")
        assertRejects("metrics.rmse > 0.1;", column: 19, "Invalid clause(s) in filter string: ';'")
        assertRejects("NOT metrics.x = 1", column: 1, "Invalid clause(s) in filter string: 'NOT'")
        assertRejects("metrics.x = 1, metrics.y = 2", column: 14, "','")
        assertRejects("   ", column: 1, "Invalid filter '   '. Could not be parsed")
        assertRejects("metrics.x", column: 10, "'metrics.x' has no comparator")
        assertRejects("metrics.x >", column: 12, "Invalid clause(s) in filter string: 'metrics.x', '>'. Missing value after '>'")
    }

    func testInvalidComparators() {
        assertRejects("params.lr == '0.01'", column: 11, "Invalid comparator '=='")
        assertRejects("params.lr <> '0.01'", column: 11, "Invalid comparator '<>'")
        assertRejects("metrics.x => 1", column: 11, "Invalid comparator '=>'")
        assertRejects("params.p NOT LIKE 'x'", column: 10, "Invalid comparator 'NOT LIKE'")
        assertRejects("params.p RLIKE 'x'", column: 10, "'RLIKE'")
        assertRejects("tags.x IS 'a'", column: 8, "'IS' must be followed by NULL or NOT NULL")
        assertRejects("metrics.x BETWEEN 1 AND 2", column: 11, "'BETWEEN'")
    }

    func testColumnsCountCharactersNotBytes() {
        assertRejects("tags.`ключ` = 'é' OR x", column: 19, "'OR'")
    }

    // MARK: experiments

    func testExperimentFilter() throws {
        func parse(_ text: String) throws -> Filter { try SearchGrammar.parseExperimentFilter(text) }
        XCTAssertEqual(try parse("name LIKE 'demo%'"), [Comparison(SearchKey(.attribute, "name"), .like, .string("demo%"))])
        XCTAssertEqual(try parse("attribute.name = 'x'").first?.key, SearchKey(.attribute, "name"))
        XCTAssertEqual(try parse("`name` ILIKE 'x'").first?.comparator, .ilike)
        XCTAssertEqual(try parse("experiment_id IN ('0', '1')").first?.value, .list(["0", "1"]))
        XCTAssertEqual(try parse("experiment_id != '1'").first?.comparator, .notEqual)
        XCTAssertEqual(try parse("creation_time > 0 AND last_update_time <= -5").map(\.value), [.number(0), .number(-5)])
        XCTAssertEqual(try parse("tags.team = 'ml' AND tag.`nested/key` IS NULL").map(\.key),
                       [SearchKey(.tag, "team"), SearchKey(.tag, "nested/key")])
        XCTAssertEqual(try parse("tags.t IS NOT NULL").first?.comparator, .isNotNull)
    }

    func testExperimentFilterRejections() {
        assertRejects("attributes.name = 'x'", column: 1, "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')", experiments: true)
        assertRejects("`attribute`.name = 'x'", column: 1, "Invalid entity type '`attribute`'", experiments: true)
        assertRejects("params.x = 'y'", column: 1, "Invalid entity type 'params'", experiments: true)
        assertRejects("status = 'x'", column: 1, "Invalid attribute key 'status'", experiments: true)
        assertRejects("name IN ('x')", column: 6, "Only ['experiment_id'] attributes support comparison with a list", experiments: true)
        assertRejects("name > 'x'", column: 6, "Invalid comparator '>'", experiments: true)
        assertRejects("experiment_id LIKE '1%'", column: 15, "Invalid comparator 'LIKE'", experiments: true)
        assertRejects("experiment_id = 1", column: 17, "Expected a quoted string value", experiments: true)
        assertRejects("creation_time > 1.5", column: 17, "Invalid value for numeric attribute 'creation_time': '1.5'", experiments: true)
        assertRejects("creation_time > '0'", column: 17, "Expected numeric value type for numeric attribute: creation_time", experiments: true)
        assertRejects("last_update_time IS NULL", column: 18, "IS NULL / IS NOT NULL is only supported for tags,", experiments: true)
        assertRejects("tags.team > 'a'", column: 11, "Invalid comparator '>'", experiments: true)
        assertRejects("name = 'x' OR name = 'y'", column: 12, "Invalid clause(s) in filter string: 'OR'", experiments: true)
    }

    // MARK: order_by

    func testRunOrderBy() throws {
        let parsed = try SearchGrammar.parseRunOrderBy([
            "metrics.`train/loss` DESC", "params.lr", "tags.mlflow.runName asc", "created Desc", "attributes.run_name",
            "status", "metric.\"a b\" DESC",
        ])
        XCTAssertEqual(parsed, [
            OrderClause(SearchKey(.metric, "train/loss"), ascending: false), OrderClause(SearchKey(.param, "lr"), ascending: true),
            OrderClause(SearchKey(.tag, "mlflow.runName"), ascending: true), OrderClause(SearchKey(.attribute, "start_time"), ascending: false),
            OrderClause(SearchKey(.attribute, "run_name"), ascending: true), OrderClause(SearchKey(.attribute, "status"), ascending: true),
            OrderClause(SearchKey(.metric, "a b"), ascending: false),
        ])
        XCTAssertEqual(try SearchGrammar.parseRunOrderBy([]), [])
    }

    func testRunOrderByRejections() {
        assertOrderRejects(["metrics.rmse DESC NULLS LAST"], "Invalid order_by clause", "unexpected 'NULLS' (column 19)")
        assertOrderRejects(["metrics.rmse foo"], "Invalid ordering key in order_by clause 'metrics.rmse foo'", "'foo'", "(column 14)")
        assertOrderRejects(["metrics.rmse,"], "unexpected ','", "(column 13)")
        assertOrderRejects([" metrics.rmse"], "leading whitespace (column 1)")
        assertOrderRejects(["metrics.rmse "], "trailing whitespace (column 13)")
        assertOrderRejects([""], "Invalid order_by clause ''", "(column 1)")
        assertOrderRejects(["DESC"], "'DESC' (column 1)")
        assertOrderRejects(["experiment_id"], "Invalid attribute key 'experiment_id'")
        assertOrderRejects(["`Run name`"], "Invalid attribute key 'Run name'")
        assertOrderRejects(["datasets.name"], "Invalid order_by entity type 'dataset'")
        // Repeated keys parse; the SQLite store refuses them as MLflow's SQL store does.
        XCTAssertEqual(try SearchGrammar.parseRunOrderBy(["metrics.a", "metrics.b DESC", "metric.a DESC"]).map(\.key),
                       [SearchKey(.metric, "a"), SearchKey(.metric, "b"), SearchKey(.metric, "a")])
        XCTAssertEqual(try SearchGrammar.parseRunOrderBy(["created", "start_time DESC"]).count, 2)
        assertOrderRejects(["params.a", "foo.b"], "Invalid entity type 'foo'", "(order_by entry 2, column 1)")
        assertOrderRejects(["params.a", "metrics.`x"], "Invalid order_by clause 'metrics.`x'", "never closed", "(order_by entry 2, column 9)")
    }

    func testExperimentOrderBy() throws {
        XCTAssertEqual(try SearchGrammar.parseExperimentOrderBy(["name DESC", "attribute.creation_time", "last_update_time ASC", "experiment_id"]), [
            OrderClause(SearchKey(.attribute, "name"), ascending: false), OrderClause(SearchKey(.attribute, "creation_time"), ascending: true),
            OrderClause(SearchKey(.attribute, "last_update_time"), ascending: true), OrderClause(SearchKey(.attribute, "experiment_id"), ascending: true),
        ])
        // MLflow does not reject a repeated experiment order key.
        XCTAssertEqual(try SearchGrammar.parseExperimentOrderBy(["name", "name DESC"]).count, 2)
        assertOrderRejects(["tags.x"], "Invalid order_by entity: tag", experiments: true)
        assertOrderRejects(["attributes.name"], "Invalid entity type 'attributes'", experiments: true)
        assertOrderRejects(["status"], "Invalid attribute key 'status'", experiments: true)
    }
}

/// Filters at the size of MLflow's parser cap: sqlparse refuses a statement of more than
/// 10,000 tokens (sqlparse/engine/grouping.py, MAX_GROUPING_TOKENS), which MLflow reports as
/// INVALID_PARAMETER_VALUE "Error on parsing filter '...'"; everything up to the cap parses in
/// time linear in its length (the quoted-string lexer used to rescan the rest of the text for
/// every quote: 4,000 quoted clauses took 13 s).
final class SearchGrammarSizeTests: XCTestCase {
    /// `n` comparisons of `clause` joined by " AND ": 10 sqlparse tokens per `params.p = 'a'`
    /// clause and joint (name, dot, name, space, operator, space, string, space, AND, space).
    static func filter(_ clause: String, _ n: Int) -> String {
        Array(repeating: clause, count: n).joined(separator: " AND ")
    }

    /// The sqlparse token count of a 1,000-clause filter is 9,997: three spaces pad it to the cap.
    func testTokenCapIsMLflows() throws {
        let atCap = Self.filter("params.p = 'a'", 1000) + "   "
        XCTAssertEqual(try SearchGrammar.parseRunFilter(atCap).count, 1000)
        XCTAssertThrowsError(try SearchGrammar.parseRunFilter(atCap + " ")) { error in
            let error = error as? MLflowError
            XCTAssertEqual(error?.code, .invalidParameterValue)
            XCTAssertTrue(error?.message.hasPrefix("Error on parsing filter 'params.p = 'a' AND ") ?? false, "\(String(describing: error))")
            XCTAssertTrue(error?.message.contains("10001 tokens") ?? false, "\(String(describing: error))")
            // The message quotes the start of the filter only, and points at the 10,001st token.
            XCTAssertLessThan(error?.message.count ?? .max, 300)
            XCTAssertTrue(error?.message.hasSuffix("(column \(atCap.count + 1))") ?? false, "\(String(describing: error))")
        }
        // `NOT NULL` and `NOT LIKE` are one sqlparse token each, with the spaces between.
        XCTAssertEqual(SearchLexer(Self.filter("params.p IS NOT NULL", 5)).tokenize().sqlparseTokenCount, 47)
        XCTAssertEqual(SearchLexer(Self.filter("params.p NOT  LIKE 'a'", 5)).tokenize().sqlparseTokenCount, 47)
        // "\r\n" is one newline token; statements after ';' count on their own (MLflow then
        // reports the second statement, not the size).
        XCTAssertEqual(SearchLexer("a\r\nb").tokenize().sqlparseTokenCount, 3)
        XCTAssertEqual(SearchLexer("a = 1; b = 2").tokenize().sqlparseTokenCount, 7)
        // The cap applies to experiment filters and order_by entries too.
        XCTAssertThrowsError(try SearchGrammar.parseExperimentFilter(Self.filter("tags.t = 'a'", 1001))) {
            XCTAssertTrue(($0 as? MLflowError)?.message.hasPrefix("Error on parsing filter") ?? false)
        }
        XCTAssertThrowsError(try SearchGrammar.parseRunOrderBy([String(repeating: " ", count: 10_001) + "metrics.m"])) {
            XCTAssertTrue(($0 as? MLflowError)?.message.hasPrefix("Error on parsing order_by clause") ?? false)
        }
        // An unterminated quote no longer stops the count: the cap is checked first, as in MLflow.
        XCTAssertThrowsError(try SearchGrammar.parseRunFilter("'" + Self.filter("params.p = 1", 1300))) {
            XCTAssertTrue(($0 as? MLflowError)?.message.hasPrefix("Error on parsing filter") ?? false)
        }
    }

    /// Hostile inputs: 1,000 to 10,000 quoted clauses and a 100,000-value IN list (790 KB)
    /// are answered or refused at once. The bound is generous; the timings are printed.
    func testLargeFiltersParseInLinearTime() throws {
        for n in [1000, 4000, 10_000] {
            let text = Self.filter("params.p = 'a'", n)
            let start = Date()
            let result = Result { try SearchGrammar.parseRunFilter(text) }
            let seconds = Date().timeIntervalSince(start)
            print("parse \(n) quoted clauses (\(text.utf8.count) bytes): \(String(format: "%.3f", seconds)) s")
            if n == 1000 { XCTAssertEqual(try result.get().count, 1000) } else { XCTAssertThrowsError(try result.get()) }
            XCTAssertLessThan(seconds, 10)
        }
        let values = (0..<100_000).map { String(format: "'%06d'", $0) }.joined(separator: ", ")
        let list = "attributes.run_id IN (\(values))"
        let start = Date()
        XCTAssertThrowsError(try SearchGrammar.parseRunFilter(list)) {
            XCTAssertEqual(($0 as? MLflowError)?.code, .invalidParameterValue)
            XCTAssertTrue(($0 as? MLflowError)?.message.hasPrefix("Error on parsing filter 'attributes.run_id IN (") ?? false)
        }
        let seconds = Date().timeIntervalSince(start)
        print("parse a 100,000-value IN list (\(list.utf8.count) bytes): \(String(format: "%.3f", seconds)) s")
        XCTAssertLessThan(seconds, 10)
    }

    /// The longest list under the cap (3,300 values, ~6,600 tokens) parses and is tested as a
    /// set: 10,000 runs against it cost one lookup each.
    func testLongInListMatchesThroughASet() throws {
        let ids = (0..<3300).map { String(format: "run%05d", $0) }
        let filter = try SearchGrammar.parseRunFilter("run_id IN (" + ids.map { "'\($0)'" }.joined(separator: ",") + ")")
        struct IDOnly: SearchableRun {
            var searchRunID: String
            func fieldValue(_ key: SearchKey) -> FieldValue? { key == SearchKey(.attribute, "run_id") ? .string(searchRunID) : nil }
            var searchDatasets: [DatasetInput] { [] }
        }
        let runs = (0..<10_000).map { IDOnly(searchRunID: String(format: "run%05d", $0 * 7)) }
        let prepared = SearchEvaluator.RunFilter(filter)
        let start = Date()
        let matched = runs.filter { prepared.matches($0) }
        print("10,000 runs against a 3,300-value IN list: \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(matched.count, (0..<10_000).filter { $0 * 7 < 3300 }.count)
        XCTAssertEqual(matched.map(\.searchRunID), runs.filter { SearchEvaluator.matches($0, filter) }.map(\.searchRunID))
    }
}
