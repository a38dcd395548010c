import Foundation
import Tracking

/// A few read-only connections to one database, so concurrent readers (the server answers
/// requests on every core) do not queue behind one handle (neither sqlite3's nor libpq's is thread-safe).
/// Connections open on demand up to `capacity`; a reader beyond that waits for one to free up.
/// Every connection is read-only: more of them never write to or lock the file beyond each
/// reader's own short read transaction.
final class ReadConnections: Sendable {
    /// Opened connections not in use. `free` counts the ones a reader may still take (idle or
    /// not yet opened): a reader beyond `capacity` waits on it.
    private let idle: Locked<[any SQLConnection]>
    private let free: DispatchSemaphore
    private let open: @Sendable () throws -> any SQLConnection

    /// `first` is the connection the store already opened (and checked the schema on).
    init(first: any SQLConnection, capacity: Int, open: @escaping @Sendable () throws -> any SQLConnection) {
        idle = Locked([first])
        free = DispatchSemaphore(value: max(1, capacity))
        self.open = open
    }

    /// One connection per core and one more, so a reader that blocks briefly on I/O does not
    /// leave a core idle; beyond that, more connections only add memory.
    static var defaultCapacity: Int { ProcessInfo.processInfo.activeProcessorCount + 1 }

    /// Runs `body` with a connection that no other thread uses meanwhile. Blocks while all are
    /// in use: call it on a thread of `BlockingWork`.
    /// Closes the idle connections (after one was found dropped, the others likely are too).
    func discardIdle() { idle.withLock { $0.removeAll() } }

    /// A connection the server dropped (PostgreSQL restarted) is not given back: the next
    /// reader opens a new one.
    func with<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        free.wait()
        defer { free.signal() }
        let connection = try idle.withLock { $0.popLast() } ?? open()
        defer { if connection.isUsable { idle.withLock { $0.append(connection) } } }
        return try body(connection)
    }
}
