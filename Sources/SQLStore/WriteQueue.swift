import Foundation
import Tracking

/// The writer's connection, shared by concurrent writes through group commit: whoever finds the
/// queue idle drains it, taking every write waiting and running them in one transaction
/// (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's `BEGIN`) … `COMMIT`, each write inside its own
/// savepoint (a write that fails rolls back alone and fails alone),
/// and each caller resumes only after the COMMIT that made its write durable. Many clients of one
/// server then cost one transaction per round rather than one each, so the database is free far
/// more often for other processes (a training job's MLflow client waits only 5 s for the lock),
/// and no thread blocks waiting for its turn.
final class WriteQueue: Sendable {
    private struct Pending: Sendable {
        /// Runs the write on the connection, keeping its result for `finish`.
        let run: @Sendable (any SQLWriteConnection) throws -> Void
        /// Resumes the caller: nil after a commit, else why its write did not happen.
        let finish: @Sendable (Error?) -> Void
    }

    /// The connection; only the drainer (one thread at a time) touches it.
    private let connection: Locked<(any SQLWriteConnection)?>
    /// Opens a new connection when the server dropped the last one (PostgreSQL restarted).
    private let reopen: @Sendable () throws -> any SQLWriteConnection
    /// Waiting writes, and whether a drainer is running.
    private let state = Locked<(waiting: [Pending], draining: Bool)>(([], false))
    /// At most this many writes share one transaction, so none holds the lock long.
    private static let roundLimit = 64
    /// Between two rounds while writes keep coming, the lock is left free this long so another
    /// process's writer (which polls for it) gets its turn.
    private static let pauseBetweenRounds: useconds_t = 500

    /// PostgreSQL ends one of two transactions that wait on each other's rows (a deadlock) or
    /// cannot be ordered: nothing of the round was kept, so it runs again, this many times.
    private static let roundRetries = 5

    init(_ db: any SQLWriteConnection, reopen: @escaping @Sendable () throws -> any SQLWriteConnection) {
        connection = Locked(db)
        self.reopen = reopen
    }

    /// Runs `body` in a write transaction on the connection, possibly together with other
    /// callers' writes; returns after its transaction committed. `mapError` turns a failure of
    /// the write or of its transaction into the error the caller sees.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLWriteConnection) throws -> T,
                            mapError: @escaping @Sendable (Error) -> Error) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let result = Locked<T?>(nil)
            let pending = Pending(
                run: { db in
                    let value = try body(db)
                    result.withLock { $0 = value }
                },
                finish: { error in
                    if let error { continuation.resume(throwing: mapError(error)) } else { continuation.resume(returning: result.current!) }
                })
            let startDrainer = state.withLock { state -> Bool in
                state.waiting.append(pending)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrainer { Thread.detachNewThread { self.drain() } }
        }
    }

    /// Runs rounds until no write waits.
    private func drain() {
        while true {
            let round = state.withLock { state -> [Pending] in
                let taken = Array(state.waiting.prefix(Self.roundLimit))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if round.isEmpty { return }
            let outcomes = runRoundRetrying(round)
            for (pending, outcome) in zip(round, outcomes) { pending.finish(outcome) }
            if !state.withLock({ $0.waiting.isEmpty }) { usleep(Self.pauseBetweenRounds) }
        }
    }

    /// `runRound`, on a usable connection, again while PostgreSQL ends it as a deadlock victim.
    private func runRoundRetrying(_ round: [Pending]) -> [Error?] {
        var attempt = 0
        var reconnected = false
        while true {
            let db: any SQLWriteConnection
            do {
                db = try usableConnection()
            } catch {
                return round.map { _ in error }
            }
            let outcomes: [Error?]
            do {
                outcomes = try runRound(round, on: db)
            } catch {
                // BEGIN found the connection dropped (PostgreSQL restarted since the last round):
                // nothing of the round was sent, so it runs again on a new connection, once.
                if reconnected { return round.map { _ in error } }
                reconnected = true
                continue
            }
            attempt += 1
            guard attempt <= Self.roundRetries,
                  outcomes.contains(where: { ($0 as? PostgresError)?.isTransactionRollback == true }) else { return outcomes }
            // Two replicas' rounds that deadlocked must not meet again in step: a random wait
            // that grows with each attempt (MLflow's own deadlock retry waits with jitter too).
            usleep(useconds_t.random(in: 0...useconds_t(20_000 * attempt)))
        }
    }

    /// The connection, opened again when the server dropped it.
    private func usableConnection() throws -> any SQLWriteConnection {
        if let db = connection.current, db.isUsable { return db }
        connection.withLock { $0 = nil }
        let db = try reopen()
        connection.withLock { $0 = db }
        return db
    }

    /// One transaction over `round`: per write nil (committed) or its error. Throws only when
    /// BEGIN found the connection gone, before any write was sent.
    private func runRound(_ round: [Pending], on db: any SQLWriteConnection) throws -> [Error?] {
        do {
            try db.execute(db.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")
        } catch let error as PostgresError where error.connectionLost {
            throw error
        } catch {
            return round.map { _ in error }
        }
        var outcomes: [Error?] = []
        for pending in round {
            do {
                try db.execute("SAVEPOINT write")
                do {
                    try pending.run(db)
                    try db.execute("RELEASE write")
                    outcomes.append(nil)
                } catch let error as PostgresError where error.isTransactionRollback || error.connectionLost {
                    // The whole transaction is gone, not only this write.
                    throw error
                } catch {
                    try db.execute("ROLLBACK TO write")
                    try db.execute("RELEASE write")
                    outcomes.append(error)
                }
            } catch {
                // The savepoint itself failed: the transaction cannot be trusted; undo all of it.
                try? db.execute("ROLLBACK")
                return round.map { _ in error }
            }
        }
        do {
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            return round.map { _ in error }
        }
        return outcomes
    }
}
