import Foundation

/// Runs blocking work (sqlite3 calls, POSIX file I/O, waits on a connection pool) on a few
/// threads of its own. Swift's cooperative pool has one thread per core: a store call that sits
/// in the kernel or on a lock there stops every other task (the UI, the server's other requests)
/// from running. The stores call this at their async boundary; the code inside stays synchronous.
public enum BlockingWork {
    /// Runs `body` on a blocking-work thread and returns its result. A task cancelled while its
    /// work still waits for a thread gets CancellationError without the work running; work that
    /// has started runs to the end (it checks nothing in between).
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let cancelled = Locked(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                pool.submit {
                    if cancelled.current { return continuation.resume(throwing: CancellationError()) }
                    continuation.resume(with: Result { try body() })
                }
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
        }
    }

    /// Two threads per core, at least four: enough that a few readers waiting on a writer's lock
    /// (SQLite's busy timeout) do not hold up everyone else, few enough that a burst of requests
    /// queues here instead of growing threads without bound.
    static let threadCount = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)

    private static let pool = ThreadPool(threads: threadCount)

    /// Whether the calling thread is one of these (for tests).
    static var isCurrentThread: Bool { ThreadPool.isPoolThread }
}

/// A fixed set of threads taking jobs in order from one queue.
final class ThreadPool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct Queue {
        var jobs: [Job] = []
        var head = 0

        mutating func pop() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            // Drop the run-through prefix now and then, not on every pop.
            if head >= 64, head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private let queue = Locked(Queue())
    /// Counts jobs waiting in `queue`; a thread takes one job per signal.
    private let waiting = DispatchSemaphore(value: 0)

    init(threads: Int) {
        for _ in 0..<threads {
            Thread { [self] in work() }.start()
        }
    }

    private static let marker = "mltui.blocking-work"
    static var isPoolThread: Bool { Thread.current.threadDictionary[marker] != nil }

    func submit(_ job: @escaping Job) {
        queue.withLock { $0.jobs.append(job) }
        waiting.signal()
    }

    private func work() -> Never {
        Thread.current.threadDictionary[Self.marker] = true
        while true {
            waiting.wait()
            if let job = queue.withLock({ $0.pop() }) { job() }
        }
    }
}
