import Foundation
import XCTest
@testable import SQLStore
import Tracking

/// The thin sqlite3 wrapper: read-only opening, bound parameters, row access.
final class SQLiteConnectionTests: XCTestCase {
    private func makeDB(_ sql: String, dirName: String = "plain") throws -> String {
        let dir = NSTemporaryDirectory() + "mltui-conn-\(UUID().uuidString)/\(dirName)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let path = dir + "/t.db"
        try SQLiteFixture.run("/usr/bin/sqlite3", [path, sql], cwd: dir)
        return path
    }

    func testBindingsAndColumns() throws {
        let path = try makeDB("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT); INSERT INTO t VALUES (9007199254740993, 1.5, 'x''y', NULL), (-1, -0.25, 'ключ ✓', 'z');")
        let db = try SQLiteConnection(readOnlyPath: path, busyTimeoutMs: 100)
        let rows = try db.query("SELECT i, d, s, n FROM t WHERE i > ? AND s != ? ORDER BY i", [.int(-5), .text("nope")],
                                columns: { try (i: $0["i"], d: $0["d"], s: $0["s"], n: $0["n"]) }) { row, c in
            (row.int(c.i), row.double(c.d), row.text(c.s), row.optionalText(c.n), row.isNull(c.n), row.value(c.d))
        }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].0, -1)
        XCTAssertEqual(rows[0].2, "ключ ✓")
        XCTAssertEqual(rows[0].3, "z")
        XCTAssertEqual(rows[1].0, 9_007_199_254_740_993, "64-bit integers survive binding and reading")
        XCTAssertEqual(rows[1].1, 1.5)
        XCTAssertEqual(rows[1].2, "x'y")
        XCTAssertNil(rows[1].3)
        XCTAssertTrue(rows[1].4)
        XCTAssertEqual(rows[1].5, .double(1.5))
        // A bound value is data, never SQL.
        let injected = try db.values("SELECT count(*) FROM t WHERE s = ?", [.text("x' OR '1'='1")]) { $0.int($1) }
        XCTAssertEqual(injected, [0])
        let exact = try db.values("SELECT count(*) FROM t WHERE s = ?", [.text("x'y")]) { $0.int($1) }
        XCTAssertEqual(exact, [1])
        let nulls = try db.query("SELECT ? IS NULL AS missing, ? AS given", [.null, .double(2.5)],
                                 columns: { try (missing: $0["missing"], given: $0["given"]) }) { row, c in (row.int(c.missing), row.double(c.given)) }
        XCTAssertEqual(nulls.first?.0, 1)
        XCTAssertEqual(nulls.first?.1, 2.5)
    }

    /// Rows are read by column name: the same reader gives the same fields whatever the SELECT's
    /// column order, and a name the result lacks or holds twice is an error, not a wrong field.
    func testRowsReadByColumnName() throws {
        let path = try makeDB("CREATE TABLE t (k TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1);")
        let db = try SQLiteConnection(readOnlyPath: path, busyTimeoutMs: 100)
        func read(_ sql: String) throws -> [String] {
            try db.query(sql, columns: { try (k: $0["k"], v: $0["v"]) }) { row, c in "\(row.text(c.k))=\(row.int(c.v))" }
        }
        XCTAssertEqual(try read("SELECT k, v FROM t"), ["a=1"])
        XCTAssertEqual(try read("SELECT v, k FROM t"), ["a=1"])
        XCTAssertEqual(try read("SELECT t.v, t.k FROM t t"), ["a=1"], "a qualified column is named by its own name")
        XCTAssertThrowsError(try read("SELECT k, v AS value FROM t")) { error in
            XCTAssertTrue(String(describing: error).contains("0 columns named v"), "\(error)")
        }
        XCTAssertThrowsError(try read("SELECT k, v, v FROM t")) { error in
            XCTAssertTrue(String(describing: error).contains("2 columns named v"), "\(error)")
        }
        XCTAssertThrowsError(try db.values("SELECT k, v FROM t") { $0.text($1) }, "values reads one-column results only")
    }

    func testReadOnlyConnectionRefusesWrites() throws {
        let path = try makeDB("CREATE TABLE t (i INTEGER);")
        let db = try SQLiteConnection(readOnlyPath: path, busyTimeoutMs: 100)
        XCTAssertThrowsError(try db.execute("INSERT INTO t VALUES (1)")) { error in
            XCTAssertEqual((error as? SQLiteError).map { $0.code & 0xff }, 8 /* SQLITE_READONLY */)
        }
        XCTAssertThrowsError(try db.execute("PRAGMA journal_mode = WAL; CREATE TABLE u (x)"))
        XCTAssertThrowsError(try db.prepare("SELEC nonsense")) { error in
            XCTAssertTrue(String(describing: error).contains("syntax error"))
        }
        let count = try db.values("SELECT count(*) FROM sqlite_master") { $0.int($1) }
        XCTAssertEqual(count, [1])
    }

    func testPathsWithURICharacters() throws {
        let path = try makeDB("CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (7);", dirName: "a?b#c%20d e")
        let db = try SQLiteConnection(readOnlyPath: path, busyTimeoutMs: 100)
        XCTAssertEqual(try db.values("SELECT i FROM t") { $0.int($1) }, [7])
    }

    func testExperimentIDsParseLikePythonInt() throws {
        XCTAssertEqual(try parseExperimentID("12"), 12)
        XCTAssertEqual(try parseExperimentID(" 3 "), 3)
        XCTAssertEqual(try parseExperimentID("+4"), 4)
        XCTAssertEqual(try parseExperimentID("1_0"), 10)
        for bad in ["", "abc", "1.0", "1__0", "_1", "0x10", "١"] {
            XCTAssertThrowsError(try parseExperimentID(bad), bad) { error in
                XCTAssertEqual((error as? MLflowError)?.message,
                               "Invalid experiment ID '\(bad)'. Experiment ID must be a valid integer.")
            }
        }
    }
}
