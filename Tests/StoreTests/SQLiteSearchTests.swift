import Foundation
import XCTest
@testable import SQLStore
import Tracking

/// searchRuns / searchExperiments / metric history over a store written by the real mlflow
/// client, compared run by run and token by token with MLflow's own SqlAlchemyStore answers.
final class SQLiteSearchTests: XCTestCase {
    private func m(_ k: String) -> SearchKey { SearchKey(.metric, k) }
    private func p(_ k: String) -> SearchKey { SearchKey(.param, k) }
    private func t(_ k: String) -> SearchKey { SearchKey(.tag, k) }
    private func a(_ k: String) -> SearchKey { SearchKey(.attribute, k) }
    private func d(_ k: String) -> SearchKey { SearchKey(.dataset, k) }

    /// One search: the strings MLflow gets, and the parsed form our store gets
    /// (`testRunSearchMatchesMLflow` also sends the strings through the grammar).
    struct Case {
        var filter: String
        var ast: Filter
        var orderBy: [String] = []
        var order: [OrderClause] = []
        var experiments = ["1"]
        var view = ViewType.activeOnly
        var maxResults = 1000
    }

    private func cases(_ s: SQLiteFixture.Store) -> [Case] {
        let T = 1_700_000_000_000.0
        let ids = s.ids
        return [
            Case(filter: "metrics.m < 1", ast: [Comparison(m("m"), .less, .number(1))]),
            Case(filter: "metrics.m != 0.5", ast: [Comparison(m("m"), .notEqual, .number(0.5))]),
            Case(filter: "metrics.m = 0.5", ast: [Comparison(m("m"), .equal, .number(0.5))]),
            Case(filter: "metrics.m >= 0", ast: [Comparison(m("m"), .greaterOrEqual, .number(0))]),
            Case(filter: "metrics.m > 1e308", ast: [Comparison(m("m"), .greater, .number(1e308))]),
            Case(filter: "metrics.m <= -1e308", ast: [Comparison(m("m"), .lessOrEqual, .number(-1e308))]),
            Case(filter: "params.lr = '0.01'", ast: [Comparison(p("lr"), .equal, .string("0.01"))]),
            Case(filter: "params.lr != '0.01'", ast: [Comparison(p("lr"), .notEqual, .string("0.01"))]),
            Case(filter: "params.lr LIKE '0.%'", ast: [Comparison(p("lr"), .like, .string("0.%"))]),
            Case(filter: "params.lr ILIKE '%E-3'", ast: [Comparison(p("lr"), .ilike, .string("%E-3"))]),
            Case(filter: "params.lr IS NULL", ast: [Comparison(p("lr"), .isNull, .none)]),
            Case(filter: "params.lr IS NOT NULL", ast: [Comparison(p("lr"), .isNotNull, .none)]),
            Case(filter: "params.empty = ''", ast: [Comparison(p("empty"), .equal, .string(""))]),
            Case(filter: "tags.stage = 'dev'", ast: [Comparison(t("stage"), .equal, .string("dev"))]),
            Case(filter: "tags.stage LIKE 'd%'", ast: [Comparison(t("stage"), .like, .string("d%"))]),
            Case(filter: "tags.stage ILIKE 'd%'", ast: [Comparison(t("stage"), .ilike, .string("d%"))]),
            Case(filter: "tags.stage LIKE 'd_v'", ast: [Comparison(t("stage"), .like, .string("d_v"))]),
            Case(filter: "tags.mlflow.parentRunId = '\(ids["hist"]!)'",
                 ast: [Comparison(t("mlflow.parentRunId"), .equal, .string(ids["hist"]!))]),
            Case(filter: "attributes.status = 'FAILED'", ast: [Comparison(a("status"), .equal, .string("FAILED"))]),
            Case(filter: "status != 'FINISHED'", ast: [Comparison(a("status"), .notEqual, .string("FINISHED"))]),
            Case(filter: "status = 'FINISHED' AND", ast: [Comparison(a("status"), .equal, .string("FINISHED"))]),
            Case(filter: "attributes.status LIKE 'F%'", ast: [Comparison(a("status"), .like, .string("F%"))]),
            Case(filter: "attributes.run_name = 'alpha'", ast: [Comparison(a("run_name"), .equal, .string("alpha"))]),
            Case(filter: "`Run name` ILIKE 'e%'", ast: [Comparison(a("run_name"), .ilike, .string("e%"))]),
            Case(filter: "attributes.run_id IN ('\(ids["a"]!)', '\(ids["b"]!)')",
                 ast: [Comparison(a("run_id"), .in, .list([ids["a"]!, ids["b"]!]))]),
            Case(filter: "attributes.run_id NOT IN ('\(ids["a"]!)')", ast: [Comparison(a("run_id"), .notIn, .list([ids["a"]!]))]),
            Case(filter: "attributes.start_time > \(Int64(T) + 4)", ast: [Comparison(a("start_time"), .greater, .number(T + 4))]),
            Case(filter: "created <= \(Int64(T) + 5)", ast: [Comparison(a("start_time"), .lessOrEqual, .number(T + 5))]),
            Case(filter: "attributes.end_time > 0", ast: [Comparison(a("end_time"), .greater, .number(0))]),
            Case(filter: "attributes.end_time != 0", ast: [Comparison(a("end_time"), .notEqual, .number(0))]),
            Case(filter: "attributes.artifact_uri LIKE '%artifacts'", ast: [Comparison(a("artifact_uri"), .like, .string("%artifacts"))]),
            Case(filter: "datasets.name = 'mydata'", ast: [Comparison(d("name"), .equal, .string("mydata"))]),
            Case(filter: "datasets.context = 'eval'", ast: [Comparison(d("context"), .equal, .string("eval"))]),
            Case(filter: "datasets.name IN ('evalset', 'nope')", ast: [Comparison(d("name"), .in, .list(["evalset", "nope"]))]),
            Case(filter: "datasets.context != 'training'", ast: [Comparison(d("context"), .notEqual, .string("training"))]),
            Case(filter: "metrics.`train/loss` > 1", ast: [Comparison(m("train/loss"), .greater, .number(1))]),
            Case(filter: "params.`unicode_ключ` = 'значение'", ast: [Comparison(p("unicode_ключ"), .equal, .string("значение"))]),
            Case(filter: "tags.`key with space` = 'v'", ast: [Comparison(t("key with space"), .equal, .string("v"))]),
            Case(filter: "metrics.m < 1 AND params.lr = '0.01'",
                 ast: [Comparison(m("m"), .less, .number(1)), Comparison(p("lr"), .equal, .string("0.01"))]),
            Case(filter: "metrics.m > 0 AND tags.stage ILIKE 'D%' AND status = 'FINISHED'",
                 ast: [Comparison(m("m"), .greater, .number(0)), Comparison(t("stage"), .ilike, .string("D%")),
                       Comparison(a("status"), .equal, .string("FINISHED"))]),
            // Orderings: NaN and missing last in both directions, implicit start_time DESC, run_id.
            Case(filter: "", ast: [], orderBy: ["metrics.m"], order: [OrderClause(m("m"), ascending: true)]),
            Case(filter: "", ast: [], orderBy: ["metrics.m DESC"], order: [OrderClause(m("m"), ascending: false)]),
            Case(filter: "", ast: [], orderBy: ["params.lr"], order: [OrderClause(p("lr"), ascending: true)]),
            Case(filter: "", ast: [], orderBy: ["tags.stage DESC"], order: [OrderClause(t("stage"), ascending: false)]),
            Case(filter: "", ast: [], orderBy: ["attributes.run_name"], order: [OrderClause(a("run_name"), ascending: true)]),
            Case(filter: "", ast: [], orderBy: ["start_time ASC"], order: [OrderClause(a("start_time"), ascending: true)]),
            Case(filter: "", ast: [], orderBy: ["created DESC"], order: [OrderClause(a("start_time"), ascending: false)]),
            Case(filter: "", ast: [], orderBy: ["attributes.end_time DESC", "metrics.acc"],
                 order: [OrderClause(a("end_time"), ascending: false), OrderClause(m("acc"), ascending: true)]),
            Case(filter: "", ast: [], orderBy: ["status", "run_id DESC"],
                 order: [OrderClause(a("status"), ascending: true), OrderClause(a("run_id"), ascending: false)]),
            Case(filter: "metrics.m != 1.5", ast: [Comparison(m("m"), .notEqual, .number(1.5))],
                 orderBy: ["metrics.m DESC"], order: [OrderClause(m("m"), ascending: false)],
                 experiments: ["1", "2", "3"], view: .all),
            // Filter joins beside order-by joins and (NOT) EXISTS: one key twice, a filtered key
            // also ordered on, a missing key, and a paged result.
            Case(filter: "metrics.m > 0 AND metrics.m < 2", ast: [Comparison(m("m"), .greater, .number(0)),
                                                                  Comparison(m("m"), .less, .number(2))],
                 orderBy: ["metrics.m DESC"], order: [OrderClause(m("m"), ascending: false)]),
            Case(filter: "params.lr != '0.01' AND tags.stage IS NULL",
                 ast: [Comparison(p("lr"), .notEqual, .string("0.01")), Comparison(t("stage"), .isNull, .none)],
                 orderBy: ["params.lr"], order: [OrderClause(p("lr"), ascending: true)], experiments: ["1", "2", "3"]),
            Case(filter: "metrics.nosuchkey != 1", ast: [Comparison(m("nosuchkey"), .notEqual, .number(1))]),
            Case(filter: "metrics.m >= 0 AND attributes.run_name != 'alpha'",
                 ast: [Comparison(m("m"), .greaterOrEqual, .number(0)), Comparison(a("run_name"), .notEqual, .string("alpha"))],
                 maxResults: 2),
            // Views and experiment sets.
            Case(filter: "", ast: [], experiments: ["1", "3"], view: .deletedOnly),
            Case(filter: "", ast: [], experiments: ["1", "2", "3"], view: .all),
            Case(filter: "", ast: [], experiments: ["2", "999"]),
            Case(filter: "", ast: [], experiments: []),
            Case(filter: "", ast: [], experiments: ["1"], maxResults: 4),
        ]
    }

    private func query(_ c: Case, token: String? = nil) -> [String: Any] {
        var q: [String: Any] = ["kind": "runs", "experiment_ids": c.experiments, "filter": c.filter,
                                "order_by": c.orderBy, "view": c.view.rawValue, "max_results": c.maxResults]
        if let token { q["page_token"] = token }
        return q
    }

    func testRunSearchMatchesMLflow() async throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        let all = cases(s)
        let answers = try SQLiteFixture.oracle(all.map { query($0) }, db: s.oracleDB)
        var nonEmpty = 0
        for (c, answer) in zip(all, answers) {
            let expected = try XCTUnwrap(answer["ids"] as? [String], "MLflow failed on \(c.filter) \(c.orderBy): \(answer)")
            let request = RunSearch(experimentIDs: c.experiments, filter: c.filter, orderBy: c.orderBy,
                                    viewType: c.view, maxResults: c.maxResults)
            let page = try store.searchRuns(request, filter: c.ast, orderBy: c.order)
            XCTAssertEqual(page.items.map(\.info.runID), expected, "filter \(c.filter) order \(c.orderBy) \(c.experiments) \(c.view)")
            XCTAssertEqual(page.nextPageToken, answer["token"] as? String, "token for \(c.filter) \(c.orderBy)")
            // The same request as strings, through the shared grammar.
            let parsed = try await store.searchRuns(request)
            XCTAssertEqual(parsed.items.map(\.info.runID), expected, "parsed filter \(c.filter) order \(c.orderBy)")
            XCTAssertEqual(parsed.nextPageToken, answer["token"] as? String)
            if !expected.isEmpty { nonEmpty += 1 }
        }
        // The table must discriminate: most cases select something, and not everything.
        XCTAssertGreaterThan(nonEmpty, all.count - 6)
    }

    /// The in-memory columns (RunColumns) answer every search they cover exactly as MLflow does,
    /// pages and tokens included; searches they do not cover still go to SQL.
    func testColumnSearchMatchesMLflow() async throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        store.runSearchPath = .columns
        var all = cases(s)
        // Paging through the covered path: every page of a small page size.
        all.append(Case(filter: "metrics.m >= 0", ast: [Comparison(m("m"), .greaterOrEqual, .number(0))],
                        experiments: ["1", "2", "3"], view: .all, maxResults: 2))
        all.append(Case(filter: "params.lr != '0.01' AND metrics.m < 5", ast: [Comparison(p("lr"), .notEqual, .string("0.01")),
                                                                             Comparison(m("m"), .less, .number(5))],
                        experiments: ["1", "2", "3"], view: .all, maxResults: 1))
        all.append(Case(filter: "", ast: [], orderBy: ["attributes.start_time DESC"],
                        order: [OrderClause(a("start_time"), ascending: false)], experiments: ["1", "2", "3"]))
        let answers = try SQLiteFixture.oracle(all.map { query($0) }, db: s.oracleDB)
        var covered = 0
        for (c, answer) in zip(all, answers) {
            let expected = try XCTUnwrap(answer["ids"] as? [String], "MLflow failed on \(c.filter) \(c.orderBy): \(answer)")
            let before = store.columnSearches
            let request = RunSearch(experimentIDs: c.experiments, filter: c.filter, orderBy: c.orderBy,
                                    viewType: c.view, maxResults: c.maxResults)
            let page = try store.searchRuns(request, filter: c.ast, orderBy: c.order)
            XCTAssertEqual(page.items.map(\.info.runID), expected, "filter \(c.filter) order \(c.orderBy) \(c.experiments) \(c.view)")
            XCTAssertEqual(page.nextPageToken, answer["token"] as? String, "token for \(c.filter) \(c.orderBy)")
            let usedColumns = store.columnSearches > before
            XCTAssertEqual(usedColumns, RunColumns.covers(c.ast, orderBy: c.order), "path for \(c.filter) \(c.orderBy)")
            if usedColumns { covered += 1 }
            // Follow the pages: each must agree with the SQL path at the same token.
            var token = page.nextPageToken
            let sqlStore = try SQLTrackingStore(path: s.db, warn: { _ in })
            sqlStore.runSearchPath = .sql
            var pages = 0
            while let next = token, pages < 20 {
                var paged = request
                paged.pageToken = next
                let fromColumns = try store.searchRuns(paged, filter: c.ast, orderBy: c.order)
                let fromSQL = try sqlStore.searchRuns(paged, filter: c.ast, orderBy: c.order)
                XCTAssertEqual(fromColumns.items.map(\.info.runID), fromSQL.items.map(\.info.runID), "page at \(next) of \(c.filter)")
                XCTAssertEqual(fromColumns.nextPageToken, fromSQL.nextPageToken)
                token = fromColumns.nextPageToken
                pages += 1
            }
        }
        XCTAssertGreaterThanOrEqual(covered, 25, "most of the table must go through the columns")
    }

    /// With the automatic path the columns are built only once the database held still between
    /// two searches of a connection, and dropped when another process commits.
    func testColumnsFollowTheDataVersion() async throws {
        let s = try SQLiteFixture.store()
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString).db").path
        try FileManager.default.copyItem(atPath: s.db, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let store = try SQLTrackingStore(path: copy, warn: { _ in })
        func search(_ threshold: Double, _ store: SQLTrackingStore) throws -> [String] {
            try store.searchRuns(RunSearch(experimentIDs: ["1"], filter: "", maxResults: 100),
                                 filter: [Comparison(m("m"), .greater, .number(threshold))], orderBy: []).items.map(\.info.runID)
        }
        func search(_ threshold: Double) throws -> [String] { try search(threshold, store) }
        /// The same search in SQL on a store of its own, at the file's current version.
        func sql(_ threshold: Double) throws -> [String] {
            let other = try SQLTrackingStore(path: copy, warn: { _ in })
            other.runSearchPath = .sql
            return try search(threshold, other)
        }
        XCTAssertFalse(try search(-1).isEmpty)
        XCTAssertEqual(store.columnSearches, 0, "the first search of a connection runs in SQL")
        XCTAssertEqual(try search(-2), try sql(-2))
        XCTAssertEqual(store.columnSearches, 1, "the database held still: columns answer")
        // Another process commits: the next search sees a new data_version and uses SQL.
        _ = try SQLiteFixture.run("/usr/bin/sqlite3", [copy, "UPDATE latest_metrics SET value = -5 WHERE \"key\" = 'm'"],
                                  cwd: NSTemporaryDirectory())
        XCTAssertEqual(try search(-3), [], "every m is now -5")
        XCTAssertEqual(store.columnSearches, 1)
        let after = try search(-6)
        XCTAssertEqual(store.columnSearches, 2, "rebuilt at the new version")
        XCTAssertFalse(after.isEmpty)
        XCTAssertEqual(after, try sql(-6), "with the new values")
    }

    /// Filters of many clauses, up to what MLflow's parser accepts (10,000 tokens), answer on the
    /// SQL path and on the in-memory columns alike. MLflow's SQL store joins one subquery per
    /// clause and fails from 64 clauses on ("at most 64 tables in a join", TEMPORARILY_UNAVAILABLE;
    /// 300: "too many FROM clause terms"; 1,000: INTERNAL_ERROR "maximum recursion depth
    /// exceeded"; 1,000 attribute clauses: "Expression tree is too large"), while its file store
    /// answers: mltui answers on both paths. n copies of a filter keep exactly the runs one copy
    /// keeps, and one copy is compared with MLflow by `testRunSearchMatchesMLflow`.
    func testFiltersPastSQLitesJoinLimitAnswerOnEveryPath() async throws {
        let s = try SQLiteFixture.store()
        let sqlStore = try SQLTrackingStore(path: s.db, warn: { _ in })
        sqlStore.runSearchPath = .sql
        let columnStore = try SQLTrackingStore(path: s.db, warn: { _ in })
        columnStore.runSearchPath = .columns
        let every = ["1", "2", "3"]
        func ids(_ store: SQLTrackingStore, _ filter: String, order: [String] = []) throws -> [String] {
            let request = RunSearch(experimentIDs: every, filter: filter, orderBy: order, viewType: .all, maxResults: 1000)
            let page = try store.searchRuns(request, filter: try SearchGrammar.parseRunFilter(filter),
                                            orderBy: try SearchGrammar.parseRunOrderBy(order))
            return page.items.map(\.info.runID)
        }
        func repeated(_ clause: String, _ n: Int) -> String { Array(repeating: clause, count: n).joined(separator: " AND ") }
        // Covered by the columns: metric and param comparisons.
        for (clause, n) in [("metrics.m >= 0", 63), ("metrics.m >= 0", 64), ("metrics.m >= 0", 300),
                            ("metrics.m > -1 AND params.lr != 'x'", 450)] {
            let one = try ids(sqlStore, clause)
            XCTAssertFalse(one.isEmpty, clause)
            let filter = repeated(clause, n)
            let start = Date()
            XCTAssertEqual(try ids(sqlStore, filter), one, "SQL, \(n) × \(clause)")
            let before = columnStore.columnSearches
            XCTAssertEqual(try ids(columnStore, filter), one, "columns, \(n) × \(clause)")
            XCTAssertEqual(columnStore.columnSearches, before + 1, "\(n) × \(clause) went through the columns")
            print("\(n) × \(clause): \(String(format: "%.3f", Date().timeIntervalSince(start))) s on both paths")
        }
        // SQL only: LIKE, IS NULL, run_name, datasets, attributes (1,000 attribute clauses made
        // SQLite's expression tree 1,000 deep), and an order_by join next to 63 filter joins.
        for (clause, n, order) in [("tags.stage LIKE 'd%' AND params.nope IS NULL", 300, [String]()),
                                   ("attributes.run_name != 'zz' AND params.lr IS NOT NULL", 300, []),
                                   ("datasets.name != 'zz' AND tags.mlflow.runName LIKE '%'", 300, []),
                                   ("status != 'x'", 1000, []), ("metrics.m >= 0", 64, ["metrics.m DESC", "params.lr"])] {
            let one = try ids(sqlStore, clause, order: order)
            let start = Date()
            XCTAssertEqual(try ids(sqlStore, repeated(clause, n), order: order), one, "SQL, \(n) × \(clause) \(order)")
            print("\(n) × \(clause) \(order): \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        }
    }

    /// Invalid filters and orderings fail with MLflow's error code, before touching the data.
    func testInvalidFiltersFailLikeMLflow() async throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        let filters = ["metrics.rmse > '0.1'", "params.lr = 0.01", "params.lr IN ('0.01','0.1')", "tags.stage = dev",
                       "attributes.status IN ('FAILED','RUNNING')", "attributes.start_time > '0'",
                       "attributes.experiment_id = '1'", "attributes.end_time IS NULL", "metrics.rmse IS NULL",
                       "metrics.rmse < 0.5 OR params.lr = '0.01'", "(metrics.rmse < 0.5)", "metrics.rmse > 0.1;",
                       "foo.bar = 'x'", "params.lr == '0.01'", "params.lr <> '0.01'", "params.lr > '0.001'",
                       "datasets.foo = 'x'", "metrics.m <"]
        let orders = [["metrics.m NULLS LAST"], ["experiment_id"], ["datasets.name"], ["foo.bar"]]
        var queries: [[String: Any]] = filters.map { ["kind": "runs", "experiment_ids": ["1"], "filter": $0] }
        queries += orders.map { ["kind": "runs", "experiment_ids": ["1"], "order_by": $0] }
        let answers = try SQLiteFixture.oracle(queries, db: s.oracleDB)
        for (q, answer) in zip(queries, answers) {
            let code = try XCTUnwrap(answer["error_code"] as? String, "MLflow accepted \(q)")
            do {
                _ = try await store.searchRuns(RunSearch(experimentIDs: ["1"], filter: q["filter"] as? String ?? "",
                                                         orderBy: q["order_by"] as? [String] ?? []))
                XCTFail("accepted \(q)")
            } catch let e as MLflowError {
                XCTAssertEqual(e.code.rawValue, code, "\(q): \(e.message) vs MLflow's \(answer["message"] ?? "")")
            }
        }
    }

    func testPagingTokensMatchMLflow() throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        let c = Case(filter: "", ast: [], orderBy: ["metrics.m DESC"], order: [OrderClause(m("m"), ascending: false)],
                     experiments: ["1", "2"], view: .all, maxResults: 3)
        var q = query(c)
        q["follow"] = true
        let pages = try XCTUnwrap(try SQLiteFixture.oracle([q], db: s.oracleDB)[0]["pages"] as? [[String: Any]])
        var token: String?
        var seen: [String] = []
        for answer in pages {
            let request = RunSearch(experimentIDs: c.experiments, orderBy: c.orderBy, viewType: c.view,
                                    maxResults: c.maxResults, pageToken: token)
            let page = try store.searchRuns(request, filter: [], orderBy: c.order)
            XCTAssertEqual(page.items.map(\.info.runID), answer["ids"] as? [String])
            XCTAssertEqual(page.nextPageToken, answer["token"] as? String)
            seen += page.items.map(\.info.runID)
            token = page.nextPageToken
        }
        XCTAssertNil(token)
        XCTAssertEqual(pages.count, 4)
        XCTAssertEqual(Set(seen).count, seen.count, "a run appeared on two pages")
        XCTAssertEqual(seen.count, 12)
    }

    func testRunSearchErrorsMatchMLflow() async throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        let requests: [(RunSearch, [OrderClause])] = [
            (RunSearch(experimentIDs: ["1"], orderBy: ["metrics.m", "metric.m DESC"]),
             [OrderClause(m("m"), ascending: true), OrderClause(m("m"), ascending: false)]),
            (RunSearch(experimentIDs: ["abc"]), []),
            (RunSearch(experimentIDs: ["1"], pageToken: "zzz"), []),
            (RunSearch(experimentIDs: ["1"], pageToken: PageToken.encode(offset: 0)), []),
            (RunSearch(experimentIDs: ["1"], maxResults: 0), []),
            (RunSearch(experimentIDs: ["1"], maxResults: 50001), []),
        ]
        let answers = try SQLiteFixture.oracle(requests.map { r, _ in
            var q: [String: Any] = ["kind": "runs", "experiment_ids": r.experimentIDs, "order_by": r.orderBy,
                                    "max_results": r.maxResults]
            if let t = r.pageToken { q["page_token"] = t }
            return q
        }, db: s.oracleDB)
        for ((request, order), answer) in zip(requests, answers) {
            let code = try XCTUnwrap(answer["error_code"] as? String, "MLflow accepted \(request)")
            do {
                if request.maxResults < 1 || request.maxResults > RunSearch.maxResultsLimit {
                    _ = try await store.searchRuns(request)   // validated before parsing
                } else {
                    _ = try store.searchRuns(request, filter: [], orderBy: order)
                }
                XCTFail("accepted \(request)")
            } catch let e as MLflowError {
                XCTAssertEqual(e.code.rawValue, code, "\(request)")
                // Known difference (shared PageToken): MLflow prints the parsed token as a Python dict.
                if request.pageToken != PageToken.encode(offset: 0) {
                    XCTAssertEqual(e.message, answer["message"] as? String)
                }
            }
        }
        // Python's int() accepts these experiment ids too.
        let spaced = try store.searchRuns(RunSearch(experimentIDs: [" 1", "+2"]), filter: [], orderBy: [])
        XCTAssertEqual(spaced.items.count, 11)
    }

    func testExperimentSearchMatchesMLflow() async throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        typealias ECase = (filter: String, ast: Filter, orderBy: [String], order: [OrderClause], view: ViewType, max: Int)
        let list: [ECase] = [
            ("", [], [], [], .activeOnly, 1000),
            ("", [], [], [], .all, 1000),
            ("", [], [], [], .deletedOnly, 1000),
            ("", [], ["name ASC"], [OrderClause(a("name"), ascending: true)], .all, 1000),
            ("", [], ["experiment_id DESC"], [OrderClause(a("experiment_id"), ascending: false)], .all, 1000),
            ("", [], ["last_update_time"], [OrderClause(a("last_update_time"), ascending: true)], .all, 1000),
            ("name LIKE 'e%'", [Comparison(a("name"), .like, .string("e%"))], [], [], .all, 1000),
            ("name ILIKE '%EXP%'", [Comparison(a("name"), .ilike, .string("%EXP%"))], [], [], .all, 1000),
            ("tags.team = 'ml'", [Comparison(t("team"), .equal, .string("ml"))], [], [], .all, 1000),
            ("tags.`nested/key` = 'v/1'", [Comparison(t("nested/key"), .equal, .string("v/1"))], [], [], .all, 1000),
            ("tags.team IS NULL", [Comparison(t("team"), .isNull, .none)], [], [], .all, 1000),
            ("experiment_id IN ('0', '2')", [Comparison(a("experiment_id"), .in, .list(["0", "2"]))], [], [], .all, 1000),
            ("experiment_id != '1'", [Comparison(a("experiment_id"), .notEqual, .string("1"))], [], [], .all, 1000),
            ("creation_time > 0", [Comparison(a("creation_time"), .greater, .number(0))], [], [], .all, 1000),
            ("", [], [], [], .all, 1),
        ]
        let answers = try SQLiteFixture.oracle(list.map {
            ["kind": "experiments", "filter": $0.filter, "order_by": $0.orderBy, "view": $0.view.rawValue,
             "max_results": $0.max, "follow": true]
        }, db: s.oracleDB)
        for (c, answer) in zip(list, answers) {
            let pages = try XCTUnwrap(answer["pages"] as? [[String: Any]], "\(answer)")
            var token: String?
            var got: [String] = []
            for expected in pages {
                let page = try await store.searchExperiments(ExperimentSearch(filter: c.filter, orderBy: c.orderBy, viewType: c.view,
                                                                              maxResults: c.max, pageToken: token),
                                                             filter: c.ast, orderBy: c.order)
                XCTAssertEqual(page.items.map(\.experimentID), expected["ids"] as? [String], "\(c.filter) \(c.orderBy) \(c.view)")
                XCTAssertEqual(page.nextPageToken, expected["token"] as? String)
                // The same request as strings, through the shared grammar.
                let parsed = try await store.searchExperiments(ExperimentSearch(filter: c.filter, orderBy: c.orderBy, viewType: c.view,
                                                                                maxResults: c.max, pageToken: token))
                XCTAssertEqual(parsed.items.map(\.experimentID), expected["ids"] as? [String], "parsed \(c.filter) \(c.orderBy)")
                got += page.items.map(\.experimentID)
                token = page.nextPageToken
            }
            XCTAssertNil(token)
            XCTAssertFalse(got.isEmpty, "\(c)")
            if c.view == .all && c.filter.isEmpty { XCTAssertEqual(got.count, 4) }
        }
        let bad = try SQLiteFixture.oracle([["kind": "experiments", "filter": "creation_time > 1.5"],
                                           ["kind": "experiment", "id": "abc"], ["kind": "experiment", "id": "999"]],
                                          db: s.oracleDB)
        do {
            _ = try await store.searchExperiments(ExperimentSearch(filter: "creation_time > 1.5"),
                                                  filter: [Comparison(a("creation_time"), .greater, .number(1.5))], orderBy: [])
            XCTFail("accepted a float creation_time")
        } catch let e as MLflowError {
            XCTAssertEqual(e.message, bad[0]["message"] as? String)
        }
        for (id, answer) in zip(["abc", "999"], bad.dropFirst()) {
            do {
                _ = try await store.getExperiment(id: id)
                XCTFail("found experiment \(id)")
            } catch let e as MLflowError {
                XCTAssertEqual(e.code.rawValue, answer["error_code"] as? String)
                XCTAssertEqual(e.message, answer["message"] as? String)
            }
        }
    }

    func testMetricHistoryMatchesMLflow() async throws {
        let s = try SQLiteFixture.store()
        let store = try SQLTrackingStore(path: s.db, warn: { _ in })
        let hist = s.ids["hist"]!
        func rows(_ page: Page<Metric>) -> [[String]] {
            page.items.map { [String($0.step), String($0.timestamp), $0.value.isNaN ? "NaN" : String($0.value)] }
        }
        func expectedRows(_ answer: [String: Any]) -> [[String]] {
            (answer["ids"] as? [[Any]] ?? []).map { r in
                // Values come as Python repr strings: Foundation's JSON number parsing is not exact.
                [String(describing: r[0]), String(describing: r[1]), r[2] as! String]
            }
        }
        let queries: [(String, String, Int?)] = [(hist, "loss", nil), (hist, "late", nil), (hist, "nope", nil),
                                                 ("0123456789abcdef0123456789abcdef", "m", nil), (hist, "loss", 50)]
        let answers = try SQLiteFixture.oracle(queries.map { q in
            var j: [String: Any] = ["kind": "history", "run_id": q.0, "key": q.1]
            if let n = q.2 { j["max_results"] = n }
            return j
        }, db: s.oracleDB)
        for (q, answer) in zip(queries, answers) {
            let page = try await store.metricHistory(runID: q.0, key: q.1, maxResults: q.2, pageToken: nil)
            XCTAssertEqual(rows(page), expectedRows(answer), "\(q)")
            XCTAssertEqual(page.nextPageToken, answer["token"] as? String)
        }
        let full = try await store.fullMetricHistory(runID: hist, key: "loss", pageSize: 50)
        XCTAssertEqual(full.count, 120)
        XCTAssertEqual(full.map(\.step), Array(0..<120))
        let late = try await store.metricHistory(runID: hist, key: "late", maxResults: nil, pageToken: nil)
        XCTAssertEqual(late.items.count, 3)
        XCTAssertTrue(late.items.contains { $0.value.isNaN })
    }
}

extension SQLTrackingStore {
    /// searchExperiments over an already parsed filter (the grammar lands on another branch).
    func searchExperiments(_ r: ExperimentSearch, filter: Filter, orderBy: [OrderClause]) async throws -> Page<Experiment> {
        try searchExperiments(r, parsedFilter: filter, orderBy: orderBy)
    }
}
