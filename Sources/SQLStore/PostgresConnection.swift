import CPQ
import Foundation
import Tracking

/// A failure reported by libpq or the server, with the server's SQLSTATE when it sent one.
struct PostgresError: Error, CustomStringConvertible {
    var message: String
    var sqlState: String?
    /// The server's primary message and its DETAIL line, as psycopg2 prints them.
    var primary: String?
    var detail: String?
    /// The connection itself is gone (server restarted, network cut): it cannot be used again.
    var connectionLost = false
    var description: String { message }

    /// PostgreSQL chose this transaction as a deadlock's victim or could not serialize it: it was
    /// rolled back whole, and running it again may succeed.
    var isTransactionRollback: Bool { sqlState == "40P01" || sqlState == "40001" }

    /// What psycopg2, under SQLAlchemy, calls an `OperationalError` (MLflow: TEMPORARILY_UNAVAILABLE):
    /// the SQLSTATE classes psycopg2 maps to it (the connection, authorization, resources, a lock
    /// or statement timeout, an operator's intervention, a rollback).
    var isOperational: Bool {
        connectionLost || ["08", "26", "27", "28", "34", "40", "53", "54", "55", "57", "58", "HV"]
            .contains(sqlState.map { String($0.prefix(2)) } ?? "")
    }

    /// psycopg2's name for the error class of `sqlState`, as SQLAlchemy prints it first in
    /// MLflow's messages (`(psycopg2.errors.UniqueViolation) duplicate key value …`).
    var psycopgName: String {
        switch sqlState {
        case "23505": return "psycopg2.errors.UniqueViolation"
        case "23503": return "psycopg2.errors.ForeignKeyViolation"
        case "23502": return "psycopg2.errors.NotNullViolation"
        case "23514": return "psycopg2.errors.CheckViolation"
        case "22001": return "psycopg2.errors.StringDataRightTruncation"
        case "22003": return "psycopg2.errors.NumericValueOutOfRange"
        case "42501": return "psycopg2.errors.InsufficientPrivilege"   // a role without write grants
        default: return sqlState?.hasPrefix("23") == true ? "psycopg2.IntegrityError" : "psycopg2.DatabaseError"
        }
    }

    /// The server's words as psycopg2 gives them (`str(error)`): the primary message, then
    /// `DETAIL:  …` on a line of its own when the server sent one.
    var serverMessage: String {
        guard let primary else { return message }
        return primary + (detail.map { "\nDETAIL:  \($0)" } ?? "")
    }

    /// libpq's messages span lines ("connection to server at ... failed: ...\n\tIs the server
    /// running ...?"): one line for a terminal and a log.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}

/// One connection to PostgreSQL through libpq, which reads the URI, `sslmode` and the other
/// connection parameters, `PGPASSWORD` and `~/.pgpass` exactly as psql does. Statements are sent
/// with `PQexecParams`: values always bound, never spliced; results in text form, which for
/// float8 is the shortest text that reads back to the same double (PostgreSQL 12+).
final class PostgresConnection: SQLWriteConnection, @unchecked Sendable {
    private let handle: OpaquePointer
    let dialect = SQLDialect.postgres

    /// Connects to `target`. libpq waits `connect_timeout` seconds at most (10 unless the URI
    /// says otherwise) rather than forever for a server that does not answer, and TCP keepalives
    /// and a user timeout end a connection whose network went silent (unless the URI sets its
    /// own); the client encoding is always UTF-8 (it comes after the URI, which cannot change it).
    init(_ target: PostgresTarget) throws {
        let keywords = ["connect_timeout", "application_name", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "dbname", "client_encoding"]
        let values = ["10", "mltui", "30", "10", "3", "60000", target.libpqURI, "UTF8"]
        let conn = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let conn else { throw PostgresError(message: "cannot connect to \(target.redacted): out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            // libpq quotes a URI token it cannot read, which may be the password.
            let reason = target.hidingPassword(PostgresError.oneLine(String(cString: PQerrorMessage(conn))))
            PQfinish(conn)
            throw PostgresError(message: "cannot connect to \(target.redacted): \(reason)", connectionLost: true)
        }
        handle = conn
        // libpq prints notices, and a server's "terminating connection" arriving between
        // statements, to stderr, which would write over the terminal UI; errors reach us anyway
        // through the failed statement.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        // Floats as text are exact from PostgreSQL 12 on; older servers round unless asked.
        try exec("SET extra_float_digits = 3", [])
        // A statement whose client has gone (a killed CLI, a closed UI) would otherwise run on in
        // the server until it finishes: bounded unless the URI or the role set a limit of its own.
        if (try? exec("SHOW statement_timeout", []))?.firstText == "0" {
            try exec("SET statement_timeout = '\(Self.statementTimeoutSeconds)s'", [])
        }
    }

    /// The longest one statement may run when nothing else sets a limit.
    static let statementTimeoutSeconds = 300

    deinit { PQfinish(handle) }

    /// False once the server or the network dropped the connection: the pool opens a new one.
    var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    func query<Columns, T>(_ sql: String, _ bindings: [SQLValue], columns: (SQLColumns) throws -> Columns,
                           row: (SQLRow, Columns) throws -> T) throws -> [T] {
        let result = try exec(sql, bindings)
        let found = try columns(result.columns)
        var out: [T] = []
        out.reserveCapacity(Int(result.rowCount))
        for i in 0..<result.rowCount { out.append(try row(SQLRow(source: .postgres(result, row: i)), found)) }
        ReadMeter.addRows(out.count)
        return out
    }

    func execute(_ sql: String) throws { _ = try exec(sql, []) }

    /// Runs one statement that writes; returns how many rows it changed (`PQcmdTuples`).
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> Int {
        Int(String(cString: PQcmdTuples(try exec(sql, bindings).raw))) ?? 0
    }

    /// Runs one statement; `?` placeholders become `$1`, `$2`, … (PostgreSQL's own).
    @discardableResult
    func exec(_ sql: String, _ bindings: [SQLValue]) throws -> PostgresResult {
        let (text, count) = Self.numberedPlaceholders(sql)
        precondition(count == bindings.count, "bound \(bindings.count) values to \(count) placeholders")
        var types: [Oid] = []
        var texts: [String?] = []
        for value in bindings {
            switch value {
            case .int(let v): types.append(20); texts.append(String(v))          // int8
            case .double(let v): types.append(701); texts.append(Self.text(of: v))  // float8
            case .text(let v): types.append(25); texts.append(v)                 // text
            case .bool(let v): types.append(16); texts.append(v ? "t" : "f")      // bool
            case .null: types.append(0); texts.append(nil)
            }
        }
        let raw = withOptionalCStrings(texts) { values in
            PQexecParams(handle, text, Int32(bindings.count), types, values, nil, nil, 0)
        }
        guard let raw else {
            throw PostgresError(message: PostgresError.oneLine(String(cString: PQerrorMessage(handle))), connectionLost: !isUsable)
        }
        let status = PQresultStatus(raw)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let message = PostgresError.oneLine(String(cString: PQresultErrorMessage(raw)))
            func field(_ code: Character) -> String? { PQresultErrorField(raw, Int32(code.asciiValue!)).map { String(cString: $0) } }
            let error = PostgresError(message: message.isEmpty ? "PostgreSQL error" : message, sqlState: field("C"),
                                      primary: field("M"), detail: field("D"), connectionLost: !isUsable)
            PQclear(raw)
            throw error
        }
        return PostgresResult(raw)
    }

    /// PostgreSQL's input text for a float8 (Swift prints infinity as "inf").
    static func text(of value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return String(value)
    }

    /// `sql` with each `?` outside quotes replaced by `$n`, and how many there were.
    static func numberedPlaceholders(_ sql: String) -> (String, Int) {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var quote: Character?
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
            } else if ch == "?" {
                count += 1
                out += "$\(count)"
            } else {
                out.append(ch)
            }
        }
        return (out, count)
    }
}

/// The rows of one statement (a PGresult), freed when the last row reading it is gone.
final class PostgresResult {
    fileprivate let raw: OpaquePointer
    let rowCount: Int32
    /// Each column's kind, from its declared type.
    private let kinds: [SQLRow.Kind]

    init(_ raw: OpaquePointer) {
        self.raw = raw
        rowCount = PQntuples(raw)
        kinds = (0..<PQnfields(raw)).map { Self.kind(ofType: PQftype(raw, $0)) }
    }

    deinit { PQclear(raw) }

    /// The first column of the first row as text, if any.
    var firstText: String? {
        guard rowCount > 0, PQnfields(raw) > 0, PQgetisnull(raw, 0, 0) == 0 else { return nil }
        return String(cString: PQgetvalue(raw, 0, 0))
    }

    var columns: SQLColumns {
        SQLColumns(names: (0..<PQnfields(raw)).map { String(cString: PQfname(raw, $0)) })
    }

    /// The storage class SQLite would give a value of this type (boolean is 0/1 as in SQLite).
    private static func kind(ofType oid: Oid) -> SQLRow.Kind {
        switch oid {
        case 16, 20, 21, 23, 26: return .integer     // bool, int8, int2, int4, oid
        case 700, 701, 1700: return .real            // float4, float8, numeric
        case 17: return .blob                        // bytea
        default: return .text
        }
    }

    func kind(_ row: Int32, _ column: Int32) -> SQLRow.Kind {
        PQgetisnull(raw, row, column) == 1 ? .null : kinds[Int(column)]
    }

    func withBytes<T>(_ row: Int32, _ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        guard PQgetisnull(raw, row, column) == 0, let value = PQgetvalue(raw, row, column) else { return nil }
        return value.withMemoryRebound(to: UInt8.self, capacity: Int(PQgetlength(raw, row, column))) {
            body(UnsafeBufferPointer(start: $0, count: Int(PQgetlength(raw, row, column))))
        }
    }

    func int(_ row: Int32, _ column: Int32) -> Int64 {
        withBytes(row, column) { bytes -> Int64 in
            guard let first = bytes.first else { return 0 }
            if first == UInt8(ascii: "t") { return 1 }       // boolean true
            if first == UInt8(ascii: "f") { return 0 }
            var value: Int64 = 0
            var negative = false
            for (i, byte) in bytes.enumerated() {
                if i == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
                guard byte >= 48 && byte <= 57 else {
                    // A real number read as an integer truncates, as sqlite3_column_int64 does.
                    return Int64(exactly: (Double(String(decoding: bytes, as: UTF8.self)) ?? 0).rounded(.towardZero)) ?? 0
                }
                value = value &* 10 &+ Int64(byte - 48)
            }
            return negative ? 0 &- value : value   // -9223372036854775808 wraps back to itself
        } ?? 0
    }

    func double(_ row: Int32, _ column: Int32) -> Double {
        withBytes(row, column) { bytes -> Double in
            switch String(decoding: bytes, as: UTF8.self) {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            case "t": return 1
            case "f": return 0
            case let text: return Double(text) ?? 0
            }
        } ?? 0
    }
}

/// Calls `body` with a C array of C strings living for the call.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    withOptionalCStrings(strings) { body($0) }
}

/// Calls `body` with a NULL-terminated C array of C strings (nil entries stay NULL).
private func withOptionalCStrings<T>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
