import CSQLite
import Foundation

/// A value bound to a `?` placeholder or read from a column.
enum SQLValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case text(String)
    /// MLflow's Boolean columns (is_nan): an INTEGER 0 or 1 in SQLite, a boolean in PostgreSQL.
    case bool(Bool)
    case null

    var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .text(let v): return "'\(v)'"
        case .bool(let v): return v ? "TRUE" : "FALSE"
        case .null: return "NULL"
        }
    }
}

/// The database engine behind a connection. The store's SQL is one text for both wherever
/// their dialects agree; each place they differ asks this (`SQLDialect` members below).
enum SQLDialect: Sendable {
    case sqlite, postgres

    /// The column that orders a table's rows as a plain scan returns them, which is the order
    /// MLflow's unordered child queries (selectinload of tags, params, metrics) see.
    func rowOrder(_ alias: String? = nil) -> String {
        let prefix = alias.map { $0 + "." } ?? ""
        return prefix + (self == .sqlite ? "rowid" : "ctid")
    }

    /// An inner join. SQLite's CROSS JOIN keeps the left table as the outer loop (its planner
    /// never reorders one); PostgreSQL takes no ON after CROSS JOIN and plans the order itself.
    var innerJoin: String { self == .sqlite ? "CROSS JOIN" : "JOIN" }

    /// How many tables one run search joins before the remaining comparisons become membership
    /// tests: SQLite's limit (the bitmask width of its planner); PostgreSQL's join_collapse_limit,
    /// past which its planner would search join orders for minutes (1,000 clauses: 2 minutes).
    var joinedTables: Int { self == .sqlite ? 64 : 8 }

    /// `LIMIT` for "no limit" before an OFFSET.
    var noLimit: String { self == .sqlite ? "LIMIT -1" : "LIMIT ALL" }

    /// MLflow's Boolean is_nan column tested true / false (an INTEGER in SQLite).
    func isTrue(_ column: String) -> String { self == .sqlite ? "\(column) = 1" : "\(column)" }
    func isFalse(_ column: String) -> String { self == .sqlite ? "\(column) = 0" : "NOT \(column)" }

    /// SQLAlchemy's `ilike`: `lower(x) LIKE lower(y)` on SQLite, PostgreSQL's own ILIKE there.
    func ilike(_ column: String) -> String {
        self == .sqlite ? "lower(\(column)) LIKE lower(?)" : "\(column) ILIKE ?"
    }

    /// Always false / always true as a condition (SQLAlchemy's empty IN / NOT IN).
    static let never = "1 = 0"
    static let always = "1 = 1"
}

/// A connection the read side of `SQLTrackingStore` runs its SQL on: SQLite (`SQLiteConnection`)
/// or PostgreSQL (`PostgresConnection`). Placeholders are `?` for both. One thread at a time
/// uses a connection (`ReadConnections` lends each to one reader).
protocol SQLConnection: AnyObject, Sendable {
    var dialect: SQLDialect { get }
    /// False once the connection cannot run statements any more (the server dropped it).
    var isUsable: Bool { get }

    /// Runs `sql` with `bindings` and collects every row through `row`. `columns` finds, once
    /// per statement, the columns `row` reads, by name (see `SQLColumns`).
    func query<Columns, T>(_ sql: String, _ bindings: [SQLValue], columns: (SQLColumns) throws -> Columns,
                           row: (SQLRow, Columns) throws -> T) throws -> [T]

    /// Runs a statement that returns no rows we need (BEGIN, COMMIT, a session setting).
    func execute(_ sql: String) throws
}

/// A connection a writer changes the database through.
protocol SQLWriteConnection: SQLConnection {
    /// Runs one statement that writes; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> Int
}

extension SQLWriteConnection {
    @discardableResult
    func run(_ sql: String) throws -> Int { try run(sql, []) }

    /// Inserts `rows` with one multi-row `INSERT` per chunk (a batch of 1,000 metrics is a few
    /// statements, not 1,000 round trips to a server): `head` is `INSERT INTO t (columns)`,
    /// `tail` what follows the VALUES (`ON CONFLICT DO NOTHING`). Every row binds the same count.
    func insertRows(_ head: String, _ rows: [[SQLValue]], _ tail: String = "") throws {
        guard let width = rows.first?.count, width > 0 else { return }
        let chunk = 200
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let part = rows[start..<min(start + chunk, rows.count)]
            let values = Array(repeating: tuple, count: part.count).joined(separator: ", ")
            try run("\(head) VALUES \(values) \(tail)", part.flatMap { $0 })
        }
    }
}

extension SQLConnection {
    func query<Columns, T>(_ sql: String, columns: (SQLColumns) throws -> Columns,
                           row: (SQLRow, Columns) throws -> T) throws -> [T] {
        try query(sql, [], columns: columns, row: row)
    }

    /// `query` for a statement whose result has exactly one column (a count, a PRAGMA value).
    func values<T>(_ sql: String, _ bindings: [SQLValue] = [], _ read: (SQLRow, SQLColumn) throws -> T) throws -> [T] {
        try query(sql, bindings, columns: { try $0.only() }, row: read)
    }

    /// Runs `body` between `begin` (BEGIN, BEGIN IMMEDIATE) and COMMIT, rolling back on error.
    func transaction<T>(_ begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A failure of a statement or of the columns it returns, from either engine.
struct SQLError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Where one result column of a statement sits; only `SQLColumns` makes one, from its name.
struct SQLColumn {
    let index: Int32
}

/// The result columns of one statement by name (the AS alias, else the column's own name),
/// looked up once per statement. Rows are read through these, never by position, so a
/// reordered SELECT cannot silently swap fields.
struct SQLColumns {
    private let names: [String]

    init(names: [String]) { self.names = names }

    /// The column called `name`; an error when the result has none or several of that name.
    subscript(_ name: String) -> SQLColumn {
        get throws {
            let matches = names.indices.filter { names[$0] == name }
            guard matches.count == 1 else {
                throw SQLError(message: "the result has \(matches.count) columns named \(name) (columns: \(names))")
            }
            return SQLColumn(index: Int32(matches[0]))
        }
    }

    /// Every column, in the order of the result.
    var all: [SQLColumn] { names.indices.map { SQLColumn(index: Int32($0)) } }

    /// The one column of a result that has exactly one.
    func only() throws -> SQLColumn {
        guard names.count == 1 else { throw SQLError(message: "expected one result column, got \(names)") }
        return SQLColumn(index: 0)
    }
}

/// The current row of a statement; valid only until the next row is read. SQLite reports each
/// cell's storage class (any column can hold any type); PostgreSQL each column's declared type.
struct SQLRow {
    enum Source {
        case sqlite(OpaquePointer)
        case postgres(PostgresResult, row: Int32)
    }
    let source: Source

    /// The kind of value a cell holds, in SQLite's storage classes.
    enum Kind { case null, integer, real, text, blob }

    func kind(_ c: SQLColumn) -> Kind {
        switch source {
        case .sqlite(let stmt):
            switch sqlite3_column_type(stmt, c.index) {
            case SQLITE_NULL: return .null
            case SQLITE_INTEGER: return .integer
            case SQLITE_FLOAT: return .real
            case SQLITE_TEXT: return .text
            default: return .blob
            }
        case .postgres(let result, let row): return result.kind(row, c.index)
        }
    }

    func isNull(_ c: SQLColumn) -> Bool { kind(c) == .null }

    func int(_ c: SQLColumn) -> Int64 {
        switch source {
        case .sqlite(let stmt): return sqlite3_column_int64(stmt, c.index)
        case .postgres(let result, let row): return result.int(row, c.index)
        }
    }

    func optionalInt(_ c: SQLColumn) -> Int64? { isNull(c) ? nil : int(c) }

    func double(_ c: SQLColumn) -> Double {
        switch source {
        case .sqlite(let stmt): return sqlite3_column_double(stmt, c.index)
        case .postgres(let result, let row): return result.double(row, c.index)
        }
    }

    func isText(_ c: SQLColumn) -> Bool { kind(c) == .text }
    func isNumber(_ c: SQLColumn) -> Bool {
        let kind = kind(c)
        return kind == .real || kind == .integer
    }

    /// The bytes of a text cell, nil for NULL.
    private func withBytes<T>(_ c: SQLColumn, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        switch source {
        case .sqlite(let stmt):
            guard let bytes = sqlite3_column_text(stmt, c.index) else { return nil }
            return body(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(stmt, c.index))))
        case .postgres(let result, let row):
            return result.withBytes(row, c.index, body)
        }
    }

    /// The text of a column when it is valid UTF-8, else nil (no replacement characters).
    func validText(_ c: SQLColumn) -> String? {
        withBytes(c) { String(validating: $0, as: UTF8.self) } ?? nil
    }

    func text(_ c: SQLColumn) -> String { optionalText(c) ?? "" }
    func optionalText(_ c: SQLColumn) -> String? {
        withBytes(c) { String(decoding: $0, as: UTF8.self) }
    }

    /// A REAL or INTEGER cell as a Double; nil for anything else (text, a blob, NULL).
    func number(_ c: SQLColumn) -> Double? { isNumber(c) ? double(c) : nil }
    /// An INTEGER cell; nil for anything else (a REAL such as 1.5, text, a blob, NULL).
    func integer(_ c: SQLColumn) -> Int64? { kind(c) == .integer ? int(c) : nil }
    /// A TEXT cell; nil for anything else.
    func textCell(_ c: SQLColumn) -> String? { isText(c) ? text(c) : nil }

    /// What a cell holds, for a warning about a value MLflow does not write there.
    func describe(_ c: SQLColumn) -> String {
        switch kind(c) {
        case .null: return "NULL"
        case .integer: return "the integer \(int(c))"
        case .real: return "the real number \(double(c))"
        case .text: return "the text '\(String(text(c).prefix(40)))'"
        case .blob: return "a blob of \(withBytes(c) { $0.count } ?? 0) bytes"
        }
    }

    func value(_ c: SQLColumn) -> SQLValue {
        switch kind(c) {
        case .integer: return .int(int(c))
        case .real: return .double(double(c))
        case .null: return .null
        default: return .text(text(c))
        }
    }
}
