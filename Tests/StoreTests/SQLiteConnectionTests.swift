import Foundation
import XCTest
@testable import SQLiteStore
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
        let rows = try db.query("SELECT i, d, s, n FROM t WHERE i > ? AND s != ? ORDER BY i", [.int(-5), .text("nope")]) {
            ($0.int(0), $0.double(1), $0.text(2), $0.optionalText(3), $0.isNull(3), $0.value(1))
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
        let injected = try db.query("SELECT count(*) FROM t WHERE s = ?", [.text("x' OR '1'='1")]) { $0.int(0) }
        XCTAssertEqual(injected, [0])
        let exact = try db.query("SELECT count(*) FROM t WHERE s = ?", [.text("x'y")]) { $0.int(0) }
        XCTAssertEqual(exact, [1])
        let nulls = try db.query("SELECT ? IS NULL, ?", [.null, .double(2.5)]) { ($0.int(0), $0.double(1)) }
        XCTAssertEqual(nulls.first?.0, 1)
        XCTAssertEqual(nulls.first?.1, 2.5)
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
        let count = try db.query("SELECT count(*) FROM sqlite_master") { $0.int(0) }
        XCTAssertEqual(count, [1])
    }

    func testPathsWithURICharacters() throws {
        let path = try makeDB("CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (7);", dirName: "a?b#c%20d e")
        let db = try SQLiteConnection(readOnlyPath: path, busyTimeoutMs: 100)
        XCTAssertEqual(try db.query("SELECT i FROM t") { $0.int(0) }, [7])
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
