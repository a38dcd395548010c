import Foundation
import XCTest
@testable import SQLiteStore
import Tracking

/// Concurrent readers each get their own read-only connection: answers must be the same as one
/// reader's, whatever the interleaving, and the store file must stay untouched.
final class SQLiteConcurrentReadTests: XCTestCase {
    func testConcurrentSearchesAnswerAsSequentialOnes() async throws {
        let fixture = try SQLiteFixture.store()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.db))
        let store = try SQLiteStore(path: fixture.db, warn: { _ in })
        let ids = try await store.allExperiments(ExperimentSearch(viewType: .all)).map(\.experimentID)
        let requests = [
            RunSearch(experimentIDs: ids, viewType: .all, maxResults: 3),
            RunSearch(experimentIDs: ids, filter: "attributes.status != 'RUNNING'", viewType: .all, maxResults: 2),
            RunSearch(experimentIDs: ids, orderBy: ["attributes.run_name"], viewType: .all, maxResults: 5),
        ]
        var expected: [[String]] = []
        for request in requests {
            expected.append(try await store.allRuns(request).map(\.info.runID))
        }
        XCTAssertFalse(expected[0].isEmpty)
        // More tasks than connections, so readers also wait for a free one.
        let rounds = ReadConnections.defaultCapacity * 4
        let answers = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for i in 0..<rounds {
                group.addTask {
                    let n = i % requests.count
                    return (n, try await store.allRuns(requests[n]).map(\.info.runID))
                }
            }
            var out: [(Int, [String])] = []
            for try await answer in group { out.append(answer) }
            return out
        }
        XCTAssertEqual(answers.count, rounds)
        for (n, ids) in answers { XCTAssertEqual(ids, expected[n], "request \(n)") }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: fixture.db)), before, "reading changed the store")
    }

    func testPoolNeverOpensMoreThanItsCapacity() throws {
        let opened = Counter()
        let fixture = try SQLiteFixture.store()
        let open = { () throws -> SQLiteConnection in
            opened.add()
            return try SQLiteConnection(readOnlyPath: fixture.db, busyTimeoutMs: 100)
        }
        let pool = ReadConnections(first: try open(), capacity: 2, open: open)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            _ = try? pool.with { db in try db.query("SELECT count(*) FROM runs") { $0.int(0) } }
        }
        XCTAssertLessThanOrEqual(opened.value, 2)
        XCTAssertGreaterThanOrEqual(opened.value, 1)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
