import Foundation

/// A few read-only connections to one database, so concurrent readers (the server answers
/// requests on every core) do not queue behind one sqlite3 handle, which is not thread-safe.
/// Connections open on demand up to `capacity`; a reader beyond that waits for one to free up.
/// Every connection is read-only: more of them never write to or lock the file beyond each
/// reader's own short read transaction.
final class ReadConnections: @unchecked Sendable {
    // @unchecked: `idle` and `opened` are only touched under `available`'s lock.
    private let available = NSCondition()
    private var idle: [SQLiteConnection]
    private var opened: Int
    private let capacity: Int
    private let open: () throws -> SQLiteConnection

    /// `first` is the connection the store already opened (and checked the schema on).
    init(first: SQLiteConnection, capacity: Int, open: @escaping () throws -> SQLiteConnection) {
        idle = [first]
        opened = 1
        self.capacity = max(1, capacity)
        self.open = open
    }

    /// One connection per core and one more, so a reader that blocks briefly on I/O does not
    /// leave a core idle; beyond that, more connections only add memory.
    static var defaultCapacity: Int { ProcessInfo.processInfo.activeProcessorCount + 1 }

    /// Runs `body` with a connection that no other thread uses meanwhile.
    func with<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let connection = try acquire()
        defer { release(connection) }
        return try body(connection)
    }

    private func acquire() throws -> SQLiteConnection {
        available.lock()
        while true {
            if let connection = idle.popLast() {
                available.unlock()
                return connection
            }
            if opened < capacity {
                opened += 1
                available.unlock()
                do {
                    return try open()
                } catch {
                    available.lock()
                    opened -= 1
                    available.signal()
                    available.unlock()
                    throw error
                }
            }
            available.wait()
        }
    }

    private func release(_ connection: SQLiteConnection) {
        available.lock()
        idle.append(connection)
        available.signal()
        available.unlock()
    }
}
