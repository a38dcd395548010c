import CSQLite
import Foundation
import Tracking

/// A failure reported by the sqlite3 library, with its primary result code.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "sqlite error \(code): \(message)" }

    var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
    var isConstraint: Bool { code & 0xff == SQLITE_CONSTRAINT }
    var isNotADatabase: Bool { code & 0xff == SQLITE_NOTADB || code & 0xff == SQLITE_CORRUPT }
}

// sqlite3_bind_text needs SQLITE_TRANSIENT (copy the bytes), a macro Swift cannot import.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One connection to a database file through the sqlite3 C API (opened NOMUTEX: not
/// thread-safe by itself): read-only for every reader, read-write only for `SQLWriter`.
// @unchecked: one thread at a time uses a connection (ReadConnections lends each to one reader).
final class SQLiteConnection: SQLWriteConnection, @unchecked Sendable {
    private let handle: OpaquePointer
    let dialect = SQLDialect.sqlite
    let isUsable = true
    /// Answers computed on this connection, for its user (see SQLTrackingStore.searchRuns).
    var pages = PageCache()
    /// The in-memory search columns of this connection, and the data_version its previous run
    /// search saw (see SQLTrackingStore.searchRuns).
    var columns: RunColumns?
    var lastSearchVersion: Int64?
    /// Statements kept prepared, by SQL text, once `keepStatementsPrepared()` is called: a
    /// writer runs the same few statements for every request, and preparing one again costs
    /// more than running it. Nil (the readers, whose search SQL varies without end): none kept.
    private var prepared: [String: SQLiteStatement]?
    private static let preparedLimit = 200

    /// Opens `path` read-only (`mode=ro`, never `immutable`: a training job may be writing the
    /// file and we must see its commits). Opening read-only can never create, journal or
    /// alter the file, so MLflow's own schema check (`mlflow/store/db/utils.py` `_verify_schema`)
    /// keeps finding what MLflow wrote.
    convenience init(readOnlyPath path: String, busyTimeoutMs: Int32) throws {
        try self.init(uri: "file:" + SQLiteConnection.uriEscaped(path) + "?mode=ro",
                      flags: SQLITE_OPEN_READONLY, busyTimeoutMs: busyTimeoutMs)
    }

    /// Opens `path` to write, only for `SQLWriter` (a store opened for an edit the user asked
    /// for); `create` makes the file when it is missing. The journal mode stays the file's own.
    convenience init(readWritePath path: String, create: Bool, busyTimeoutMs: Int32) throws {
        try self.init(uri: "file:" + SQLiteConnection.uriEscaped(path),
                      flags: SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), busyTimeoutMs: busyTimeoutMs)
    }

    private init(uri: String, flags: Int32, busyTimeoutMs: Int32) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(uri, &db, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // Not sqlite3_busy_timeout: its sleeps grow to 100 ms, and while writers commit back to
        // back (rollback journal) the file is free only for the few ms between two commits, so a
        // waiter that sleeps long keeps missing them and times out. Trying every millisecond
        // catches those gaps; the timeout stays the same.
        sqlite3_busy_handler(db, { limit, tries in
            guard Int(tries) < Int(bitPattern: limit) else { return 0 }
            usleep(1000)
            return 1
        }, UnsafeMutableRawPointer(bitPattern: Int(busyTimeoutMs)))
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

    func keepStatementsPrepared() { prepared = prepared ?? [:] }

    /// A statement for `sql`, to be given back with `release` once run: a kept one when free
    /// (a statement running inside another's row loop gets a new one), else a new one.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        if let kept = prepared?[sql], !kept.inUse {
            kept.inUse = true
            return kept
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw lastError(rc) }
        let statement = SQLiteStatement(stmt, connection: self)
        if prepared != nil, prepared![sql] == nil, prepared!.count < Self.preparedLimit {
            statement.inUse = true
            prepared![sql] = statement
        }
        return statement
    }

    /// Ends a run of a statement from `prepare`: a kept one is reset (its locks and bindings
    /// let go) for the next use; any other is finalized when dropped.
    func release(_ statement: SQLiteStatement) {
        guard statement.inUse else { return }
        statement.reset()
        statement.inUse = false
    }

    func query<Columns, T>(_ sql: String, _ bindings: [SQLValue], columns: (SQLColumns) throws -> Columns,
                           row: (SQLRow, Columns) throws -> T) throws -> [T] {
        let stmt = try prepare(sql)
        defer { release(stmt) }
        try stmt.bind(bindings)
        let found = try columns(stmt.columns)
        var out: [T] = []
        while try stmt.step() { out.append(try row(SQLRow(source: .sqlite(stmt.handle)), found)) }
        ReadMeter.addRows(out.count, steps: Int(sqlite3_stmt_status(stmt.handle, SQLITE_STMTSTATUS_VM_STEP, 1)))
        return out
    }

    /// Runs a statement that returns no rows we need (PRAGMA, BEGIN, COMMIT).
    func execute(_ sql: String) throws {
        let stmt = try prepare(sql)
        defer { release(stmt) }
        while try stmt.step() {}
    }

    /// Runs one statement that writes; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> Int {
        let stmt = try prepare(sql)
        defer { release(stmt) }
        try stmt.bind(bindings)
        while try stmt.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// The rowid the last INSERT on this connection gave its row.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs a script of several statements (a schema whose triggers hold `;`).
    func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, message: message.map { String(cString: $0) } ?? "error \(rc)")
        }
    }

    func lastError(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }
}

final class SQLiteStatement {
    fileprivate let handle: OpaquePointer
    private unowned let connection: SQLiteConnection  // it keeps some statements: no cycle
    /// Kept by its connection and running now (`SQLiteConnection.prepare`, `release`).
    fileprivate var inUse = false

    fileprivate init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// The result columns by name (`sqlite3_column_name`: the AS alias, else the column's name).
    var columns: SQLColumns {
        SQLColumns(names: (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) })
    }

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
            case .bool(let v): rc = sqlite3_bind_int64(handle, index, v ? 1 : 0)
            case .null: rc = sqlite3_bind_null(handle, index)
            }
            guard rc == SQLITE_OK else { throw connection.lastError(rc) }
        }
    }

    /// Makes the statement ready to run again with new bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
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

