import Foundation

/// A value shared between threads, reachable only while holding its lock: the one way this
/// package keeps mutable state that several tasks or threads touch (a memo, a counter, a cache
/// index), so that no such state is ever read or written unlocked.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is touched only inside `withLock`, under `lock`.
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock; keep `body` short and free of I/O.
    @discardableResult
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value as it is now.
    public var current: Value { withLock { $0 } }
}
