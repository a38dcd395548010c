import XCTest
@testable import Tracking

final class SearchEvaluatorTests: XCTestCase {
    static func makeRun(_ id: String, start: Int64? = 100, end: Int64? = nil, status: RunStatus = .finished, name: String = "",
                        metrics: [String: Double] = [:], params: [String: String] = [:], tags: [String: String] = [:],
                        datasets: [(name: String, digest: String, context: String?)] = []) -> Run {
        Run(info: RunInfo(runID: id, experimentID: "1", runName: name, userID: "alice", status: status, startTime: start,
                          endTime: end, artifactURI: "file:///a/\(id)"),
            data: RunData(metrics: metrics.map { Metric(key: $0.key, value: $0.value, timestamp: 1, step: 0) },
                          params: params.map { Param($0.key, $0.value) }, tags: tags.map { Tag($0.key, $0.value) }),
            inputs: RunInputs(datasetInputs: datasets.map {
                DatasetInput(tags: $0.context.map { [Tag("mlflow.data.context", $0)] } ?? [],
                             dataset: Dataset(name: $0.name, digest: $0.digest, sourceType: "local", source: "x"))
            }))
    }

    let runs: [Run] = [
        makeRun("a", start: 300, end: 400, status: .finished, name: "alpha", metrics: ["rmse": 0.5, "acc": .infinity],
                params: ["lr": "0.01", "empty": ""], tags: ["mlflow.runName": "alpha", "stage": "dev", "note": "line1\nline2"],
                datasets: [("train_ds", "d1", "training"), ("eval_ds", "d2", "eval")]),
        makeRun("b", start: 200, end: nil, status: .running, name: "beta", metrics: ["rmse": .nan, "acc": -.infinity],
                params: ["lr": "0.1"], tags: ["mlflow.runName": "beta", "stage": "Dev"]),
        makeRun("c", start: 100, end: 150, status: .failed, name: "gamma", metrics: ["rmse": 2],
                tags: ["mlflow.runName": "gamma", "stage": "prod_1"], datasets: [("train_ds", "d3", nil)]),
        makeRun("d", start: 100, end: 120, status: .killed, name: "renamed", metrics: [:],
                tags: ["mlflow.runName": "delta"]),
    ]

    func ids(_ filter: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            let parsed = try SearchGrammar.parseRunFilter(filter)
            return runs.filter { SearchEvaluator.matches($0, parsed) }.map(\.info.runID)
        } catch {
            XCTFail("\(filter): \(error)", file: file, line: line)
            return []
        }
    }

    func testMetricComparisonsAndNaN() {
        XCTAssertEqual(ids("metrics.rmse < 1"), ["a"])
        XCTAssertEqual(ids("metrics.rmse <= 2"), ["a", "c"])
        XCTAssertEqual(ids("metrics.rmse > 0"), ["a", "c"])
        XCTAssertEqual(ids("metrics.rmse >= 0.5"), ["a", "c"])
        XCTAssertEqual(ids("metrics.rmse = 2"), ["c"])
        // NaN is "not equal" to everything and matches nothing else; no metric matches nothing.
        XCTAssertEqual(ids("metrics.rmse != 2"), ["a", "b"])
        XCTAssertEqual(ids("metrics.rmse != 0"), ["a", "b", "c"])
        XCTAssertEqual(ids("metrics.acc > 1e308"), ["a"])
        XCTAssertEqual(ids("metrics.acc < -1e308"), ["b"])
        XCTAssertEqual(ids("metrics.missing != 1"), [])
    }

    func testParamsTagsAndNull() {
        XCTAssertEqual(ids("params.lr = '0.01'"), ["a"])
        XCTAssertEqual(ids("params.lr != '0.01'"), ["b"])
        XCTAssertEqual(ids("params.lr IS NULL"), ["c", "d"])
        XCTAssertEqual(ids("params.lr IS NOT NULL"), ["a", "b"])
        XCTAssertEqual(ids("params.empty = ''"), ["a"])
        XCTAssertEqual(ids("tags.stage = 'dev'"), ["a"])
        XCTAssertEqual(ids("tags.stage != 'dev'"), ["b", "c"])
        XCTAssertEqual(ids("tags.stage IS NULL"), ["d"])
        XCTAssertEqual(ids("params.lr = '0.01' AND tags.stage = 'Dev'"), [])
    }

    func testLikeAndILike() {
        XCTAssertEqual(ids("tags.stage LIKE 'd%'"), ["a"])
        XCTAssertEqual(ids("tags.stage ILIKE 'd%'"), ["a", "b"])
        XCTAssertEqual(ids("tags.stage LIKE '_ev'"), ["a", "b"])
        XCTAssertEqual(ids("tags.stage LIKE 'de'"), [])
        XCTAssertEqual(ids("tags.stage LIKE '%'"), ["a", "b", "c"])
        // `_` is a wildcard even where a literal underscore was meant; regex characters are literal.
        XCTAssertEqual(ids("tags.stage LIKE 'prod_1'"), ["c"])
        XCTAssertEqual(ids("tags.stage LIKE 'prod.1'"), [])
        XCTAssertEqual(ids("params.lr LIKE '0.1'"), ["b"])
        XCTAssertEqual(ids("params.lr LIKE '0_1'"), ["b"])
        // The file store's regex: % stops at a newline, so a match must be found on the first line.
        XCTAssertEqual(ids("tags.note LIKE 'line1%'"), ["a"])
        XCTAssertEqual(ids("tags.note LIKE '%line2'"), [])
        XCTAssertEqual(ids("tags.note ILIKE 'LINE1%'"), ["a"])
    }

    func testLikePatternSemantics() {
        func like(_ text: String, _ pattern: String, _ ci: Bool = false) -> Bool { LikePattern(pattern, caseInsensitive: ci).matches(text) }
        XCTAssertTrue(like("abc", "abc"))
        XCTAssertTrue(like("abc\n", "abc"), "Python's $ also matches before a final newline")
        XCTAssertFalse(like("abc\n\n", "abc"))
        XCTAssertTrue(like("abcdef", "a%f"))
        XCTAssertTrue(like("abcdef", "%c%"))
        XCTAssertFalse(like("ab", "a_b"))
        XCTAssertTrue(like("a.b", "a.b"))
        XCTAssertFalse(like("axb", "a.b"))
        XCTAssertTrue(like("a(b)*c", "a(b)*c"))
        XCTAssertTrue(like("", ""))
        XCTAssertTrue(like("", "%"))
        XCTAssertFalse(like("x", ""))
        XCTAssertTrue(like("ÉCOLE", "éc%", true))
        XCTAssertFalse(like("ÉCOLE", "éc%"))
        XCTAssertTrue(like("ключ", "КЛ__", true))
        XCTAssertFalse(like("a\nb", "a_b"))
        XCTAssertTrue(like("a\nb", "a\nb"))
    }

    func testAttributes() {
        XCTAssertEqual(ids("status = 'RUNNING'"), ["b"])
        XCTAssertEqual(ids("status = 'running'"), [], "= is case-sensitive")
        XCTAssertEqual(ids("status ILIKE 'running'"), ["b"])
        XCTAssertEqual(ids("attributes.status != 'FINISHED'"), ["b", "c", "d"])
        XCTAssertEqual(ids("run_id IN ('a', 'c', 'zz')"), ["a", "c"])
        XCTAssertEqual(ids("run_id NOT IN ('a', 'c')"), ["b", "d"])
        XCTAssertEqual(ids("user_id = 'alice'").count, 4)
        XCTAssertEqual(ids("artifact_uri LIKE '%/b'"), ["b"])
        XCTAssertEqual(ids("start_time >= 200"), ["a", "b"])
        XCTAssertEqual(ids("created = 100"), ["c", "d"])
        XCTAssertEqual(ids("start_time > 150.5"), ["a", "b"])
        // A run without end_time matches no end_time comparison, not even !=.
        XCTAssertEqual(ids("end_time > 0"), ["a", "c", "d"])
        XCTAssertEqual(ids("end_time != 400"), ["c", "d"])
    }

    func testRunNameFiltersUseTheTag() {
        XCTAssertEqual(ids("attributes.run_name = 'delta'"), ["d"])
        XCTAssertEqual(ids("`Run name` = 'renamed'"), [])
        XCTAssertEqual(ids("run_name ILIKE 'A%'"), ["a"])
        // A hand-built AST with the attribute means the same.
        let filter = [Comparison(SearchKey(.attribute, "run_name"), .equal, .string("delta"))]
        XCTAssertEqual(runs.filter { SearchEvaluator.matches($0, filter) }.map(\.info.runID), ["d"])
    }

    func testDatasets() {
        XCTAssertEqual(ids("datasets.name = 'train_ds'"), ["a", "c"])
        XCTAssertEqual(ids("datasets.name != 'train_ds'"), ["a"], "any dataset input may match")
        XCTAssertEqual(ids("datasets.digest IN ('d2', 'd3')"), ["a", "c"])
        XCTAssertEqual(ids("datasets.digest NOT IN ('d1')"), ["a", "c"])
        XCTAssertEqual(ids("datasets.context = 'training'"), ["a"])
        XCTAssertEqual(ids("datasets.context LIKE '%a%'"), ["a"])
        XCTAssertEqual(ids("datasets.context != 'x'"), ["a"], "inputs without a context tag never match")
        XCTAssertEqual(ids("datasets.name ILIKE 'EVAL%'"), ["a"])
    }

    func testCodePointEquality() {
        // Swift's == treats precomposed and decomposed é as equal; MLflow compares code points.
        let run = Self.makeRun("u", tags: ["k": "caf\u{E9}"])
        XCTAssertTrue(SearchEvaluator.matches(run, [Comparison(SearchKey(.tag, "k"), .equal, .string("caf\u{E9}"))]))
        XCTAssertFalse(SearchEvaluator.matches(run, [Comparison(SearchKey(.tag, "k"), .equal, .string("cafe\u{301}"))]))
        XCTAssertTrue(SearchEvaluator.matches(run, [Comparison(SearchKey(.tag, "k"), .notEqual, .string("cafe\u{301}"))]))
    }

    // MARK: sorting

    func sorted(_ order: [String], _ input: [Run]? = nil, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            var list = input ?? runs
            SearchEvaluator.sort(&list, by: try SearchGrammar.parseRunOrderBy(order))
            return list.map(\.info.runID)
        } catch {
            XCTFail("\(order): \(error)", file: file, line: line)
            return []
        }
    }

    func testMetricOrderGroupsRealThenNaNThenMissing() {
        let list = [
            Self.makeRun("nan", start: 1, metrics: ["m": .nan]), Self.makeRun("one", start: 1, metrics: ["m": 1]),
            Self.makeRun("missing", start: 1), Self.makeRun("inf", start: 1, metrics: ["m": .infinity]),
            Self.makeRun("two", start: 1, metrics: ["m": 2]), Self.makeRun("-inf", start: 1, metrics: ["m": -.infinity]),
        ]
        XCTAssertEqual(sorted(["metrics.m"], list), ["-inf", "one", "two", "inf", "nan", "missing"])
        XCTAssertEqual(sorted(["metrics.m ASC"], list), ["-inf", "one", "two", "inf", "nan", "missing"])
        XCTAssertEqual(sorted(["metrics.m DESC"], list), ["inf", "two", "one", "-inf", "nan", "missing"])
    }

    func testStringOrderAndTieBreaks() {
        // Params sort as strings ('0.1' > '0.01'), missing last in both directions; ties fall back
        // to start_time DESC, then run_id ASC.
        XCTAssertEqual(sorted(["params.lr"]), ["a", "b", "c", "d"])
        XCTAssertEqual(sorted(["params.lr DESC"]), ["b", "a", "c", "d"])
        XCTAssertEqual(sorted(["tags.stage"]), ["b", "a", "c", "d"], "code point order: 'D' < 'd' < 'p'")
        XCTAssertEqual(sorted([]), ["a", "b", "c", "d"])
        let ties = [Self.makeRun("z", start: 5), Self.makeRun("y", start: 5), Self.makeRun("x", start: 9), Self.makeRun("w", start: nil)]
        XCTAssertEqual(sorted([], ties), ["x", "y", "z", "w"])
        XCTAssertEqual(sorted(["start_time"], ties), ["y", "z", "x", "w"], "no implicit start_time DESC once ordered; null last")
        XCTAssertEqual(sorted(["created DESC"], ties), ["x", "y", "z", "w"])
        XCTAssertEqual(sorted(["status DESC"]), ["b", "d", "a", "c"])
        XCTAssertEqual(sorted(["end_time DESC"]), ["a", "c", "d", "b"], "a missing end_time sorts last")
        XCTAssertEqual(sorted(["end_time"]), ["d", "c", "a", "b"])
    }

    func testRunNameOrderUsesTheAttribute() {
        XCTAssertEqual(sorted(["run_name"]), ["a", "b", "c", "d"])
        XCTAssertEqual(sorted(["tags.mlflow.runName DESC"]), ["c", "d", "b", "a"])
        XCTAssertEqual(sorted(["attributes.run_name DESC"]), ["d", "c", "b", "a"])
    }

    func testMultipleClauses() {
        let list = [
            Self.makeRun("r1", start: 1, metrics: ["m": 1], params: ["p": "x"]),
            Self.makeRun("r2", start: 2, metrics: ["m": 1], params: ["p": "y"]),
            Self.makeRun("r3", start: 3, metrics: ["m": 0], params: ["p": "y"]),
            Self.makeRun("r4", start: 4, metrics: ["m": 1]),
        ]
        XCTAssertEqual(sorted(["metrics.m DESC", "params.p DESC"], list), ["r2", "r1", "r4", "r3"])
        XCTAssertEqual(sorted(["params.p", "metrics.m"], list), ["r1", "r3", "r2", "r4"])
    }

    func testSortScalesTo100kRuns() {
        var list: [Run] = []
        for i in 0..<100_000 {
            let metrics: [String: Double] = i % 10 == 0 ? [:] : ["m": Double((i * 31) % 1000)]
            list.append(Self.makeRun("run\((i * 7919) % 100_000)", start: Int64(i % 97), metrics: metrics))
        }
        SearchEvaluator.sort(&list, by: [OrderClause(SearchKey(.metric, "m"), ascending: false)])
        XCTAssertEqual(list.count, 100_000)
        let values: [Double?] = list.map { $0.data.metric("m")?.value }
        let firstMissing = values.firstIndex(where: { $0 == nil }) ?? -1
        XCTAssertEqual(firstMissing, 90_000)
        let present = values.prefix(90_000).compactMap { $0 }
        XCTAssertEqual(present, present.sorted(by: >))
    }

    // MARK: experiments

    let experiments = [
        Experiment(experimentID: "0", name: "Default", creationTime: 10, lastUpdateTime: 10),
        Experiment(experimentID: "2", name: "demo-b", creationTime: 30, lastUpdateTime: 50, tags: [Tag("team", "ml")]),
        Experiment(experimentID: "10", name: "demo-a", creationTime: 30, lastUpdateTime: 40, tags: [Tag("team", "ops")]),
        Experiment(experimentID: "3", name: "Démo", creationTime: nil, lastUpdateTime: nil),
    ]

    func experimentIDs(filter: String = "", order: [String] = [], idOrder: SearchEvaluator.ExperimentIDOrder = .text,
                       file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            let parsed = try SearchGrammar.parseExperimentFilter(filter)
            var list = experiments.filter { SearchEvaluator.matches($0, parsed) }
            SearchEvaluator.sort(&list, by: try SearchGrammar.parseExperimentOrderBy(order), experimentIDOrder: idOrder)
            return list.map(\.experimentID)
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return []
        }
    }

    func testExperimentFilters() {
        XCTAssertEqual(experimentIDs(filter: "name LIKE 'demo%'", order: ["name"]), ["10", "2"])
        XCTAssertEqual(experimentIDs(filter: "name ILIKE 'd%'", order: ["name"]), ["0", "3", "10", "2"], "code point order")
        XCTAssertEqual(experimentIDs(filter: "name = 'Default'"), ["0"])
        XCTAssertEqual(experimentIDs(filter: "experiment_id IN ('0', '3')", order: ["name"]), ["0", "3"])
        XCTAssertEqual(experimentIDs(filter: "experiment_id != '0'", order: ["name"]), ["3", "10", "2"])
        XCTAssertEqual(experimentIDs(filter: "creation_time > 20", order: ["name"]), ["10", "2"])
        XCTAssertEqual(experimentIDs(filter: "last_update_time <= 40", order: ["name"]), ["0", "10"])
        XCTAssertEqual(experimentIDs(filter: "tags.team = 'ml'"), ["2"])
        XCTAssertEqual(experimentIDs(filter: "tags.team IS NULL", order: ["name"]), ["0", "3"])
        XCTAssertEqual(experimentIDs(filter: "tags.team IS NOT NULL AND tags.team LIKE 'o%'"), ["10"])
    }

    func testExperimentOrder() {
        // Default: creation_time DESC, experiment_id ASC (as text in the file store); missing last.
        XCTAssertEqual(experimentIDs(), ["10", "2", "0", "3"])
        XCTAssertEqual(experimentIDs(idOrder: .numeric), ["2", "10", "0", "3"])
        // Explicit clauses get an experiment_id DESC tie-breaker.
        XCTAssertEqual(experimentIDs(order: ["creation_time"]), ["0", "2", "10", "3"])
        XCTAssertEqual(experimentIDs(order: ["creation_time"], idOrder: .numeric), ["0", "10", "2", "3"])
        XCTAssertEqual(experimentIDs(order: ["name DESC"]), ["2", "10", "3", "0"])
        XCTAssertEqual(experimentIDs(order: ["last_update_time DESC"]), ["2", "10", "0", "3"])
        XCTAssertEqual(experimentIDs(order: ["experiment_id DESC"]), ["3", "2", "10", "0"])
    }
}
