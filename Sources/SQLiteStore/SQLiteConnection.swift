import CSQLite
import Foundation

/// A value bound to a `?` placeholder or read from a column.
enum SQLValue: Equatable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case text(String)
    case null

    var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .text(let v): return "'\(v)'"
        case .null: return "NULL"
        }
    }
}

/// A failure reported by the sqlite3 library, with its primary result code.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "sqlite error \(code): \(message)" }

    var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
    var isNotADatabase: Bool { code & 0xff == SQLITE_NOTADB || code & 0xff == SQLITE_CORRUPT }
}

// sqlite3_bind_text needs SQLITE_TRANSIENT (copy the bytes), a macro Swift cannot import.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One read-only connection to a database file through the sqlite3 C API. Not thread-safe:
/// callers serialise access (SQLiteStore holds a lock around every use).
final class SQLiteConnection {
    private let handle: OpaquePointer
    /// Answers computed on this connection, for its user (see SQLiteStore.searchRuns).
    var pages = PageCache()
    /// The in-memory search columns of this connection, and the data_version its previous run
    /// search saw (see SQLiteStore.searchRuns).
    var columns: RunColumns?
    var lastSearchVersion: Int64?

    /// Opens `path` read-only (`mode=ro`, never `immutable`: a training job may be writing the
    /// file and we must see its commits). Opening read-only can never create, journal or
    /// alter the file, so MLflow's own schema check (`mlflow/store/db/utils.py` `_verify_schema`)
    /// keeps finding what MLflow wrote.
    init(readOnlyPath path: String, busyTimeoutMs: Int32) throws {
        var db: OpaquePointer?
        let uri = "file:" + SQLiteConnection.uriEscaped(path) + "?mode=ro"
        let rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMs)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Percent-escapes the characters that end or escape the path part of a `file:` URI.
    static func uriEscaped(_ path: String) -> String {
        var out = ""
        for ch in path.unicodeScalars {
            switch ch {
            case "%": out += "%25"
            case "?": out += "%3f"
            case "#": out += "%23"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw lastError(rc) }
        return SQLiteStatement(stmt, connection: self)
    }

    /// Runs `sql` with `bindings` and collects every row through `row`.
    func query<T>(_ sql: String, _ bindings: [SQLValue] = [], row: (SQLiteRow) throws -> T) throws -> [T] {
        let stmt = try prepare(sql)
        try stmt.bind(bindings)
        var out: [T] = []
        while try stmt.step() { out.append(try row(SQLiteRow(stmt: stmt.handle))) }
        return out
    }

    /// Runs a statement that returns no rows we need (PRAGMA, BEGIN, COMMIT).
    func execute(_ sql: String) throws {
        let stmt = try prepare(sql)
        while try stmt.step() {}
    }

    func lastError(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }
}

final class SQLiteStatement {
    fileprivate let handle: OpaquePointer
    private let connection: SQLiteConnection

    fileprivate init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        precondition(values.count == expected, "bound \(values.count) values to \(expected) placeholders")
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .int(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .double(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, transient)
            case .null: rc = sqlite3_bind_null(handle, index)
            }
            guard rc == SQLITE_OK else { throw connection.lastError(rc) }
        }
    }

    /// Advances to the next row; false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.lastError(rc)
        }
    }
}

/// The current row of a statement; valid only until the next `step()`.
struct SQLiteRow {
    fileprivate let stmt: OpaquePointer

    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    func isText(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_TEXT }
    func isNumber(_ i: Int32) -> Bool {
        let type = sqlite3_column_type(stmt, i)
        return type == SQLITE_FLOAT || type == SQLITE_INTEGER
    }
    /// The text of a column when it is valid UTF-8, else nil (no replacement characters).
    func validText(_ i: Int32) -> String? {
        guard let bytes = sqlite3_column_text(stmt, i) else { return nil }
        let count = Int(sqlite3_column_bytes(stmt, i))
        return String(validating: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func text(_ i: Int32) -> String { optionalText(i) ?? "" }
    func optionalText(_ i: Int32) -> String? {
        guard let bytes = sqlite3_column_text(stmt, i) else { return nil }
        let count = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// A REAL or INTEGER cell as a Double; nil for anything else (text, a blob, NULL).
    func number(_ i: Int32) -> Double? { isNumber(i) ? double(i) : nil }
    /// An INTEGER cell; nil for anything else (a REAL such as 1.5, text, a blob, NULL).
    func integer(_ i: Int32) -> Int64? { sqlite3_column_type(stmt, i) == SQLITE_INTEGER ? int(i) : nil }
    /// A TEXT cell; nil for anything else.
    func textCell(_ i: Int32) -> String? { isText(i) ? text(i) : nil }

    /// What a cell holds, for a warning about a value MLflow does not write there.
    func describe(_ i: Int32) -> String {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_NULL: return "NULL"
        case SQLITE_INTEGER: return "the integer \(int(i))"
        case SQLITE_FLOAT: return "the real number \(double(i))"
        case SQLITE_TEXT: return "the text '\(String(text(i).prefix(40)))'"
        default: return "a blob of \(sqlite3_column_bytes(stmt, i)) bytes"
        }
    }

    func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .int(int(i))
        case SQLITE_FLOAT: return .double(double(i))
        case SQLITE_NULL: return .null
        default: return .text(text(i))
        }
    }
}
