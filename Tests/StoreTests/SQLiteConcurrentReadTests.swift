import Foundation
import XCTest
@testable import SQLStore
import Tracking

/// Concurrent readers each get their own read-only connection: answers must be the same as one
/// reader's, whatever the interleaving, and the store file must stay untouched.
final class SQLiteConcurrentReadTests: XCTestCase {
    func testConcurrentSearchesAnswerAsSequentialOnes() async throws {
        let fixture = try SQLiteFixture.store()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.db))
        let store = try SQLTrackingStore(path: fixture.db, warn: { _ in })
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

    /// A repeated search may be answered from memory, but never after another process committed.
    func testRepeatedSearchSeesAnotherProcessCommit() async throws {
        let fixture = try SQLiteFixture.store()
        let copy = NSTemporaryDirectory() + "mltui-pagecache-\(UUID().uuidString).db"
        try FileManager.default.copyItem(atPath: fixture.db, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let store = try SQLTrackingStore(path: copy, warn: { _ in })
        let ids = try await store.allExperiments(ExperimentSearch(viewType: .all)).map(\.experimentID)
        let request = RunSearch(experimentIDs: ids, viewType: .all, maxResults: 1000)
        let first = try await store.searchRuns(request).items
        // Concurrent searches, so that several pooled connections hold the page.
        for again in try await concurrentSearches(store, request) {
            XCTAssertEqual(again.map(\.info.runID), first.map(\.info.runID))
        }
        let run = try XCTUnwrap(first.first).info.runID
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [copy, "UPDATE runs SET name = 'renamed-by-writer' WHERE run_uuid = '\(run)'"]
        try sqlite.run()
        sqlite.waitUntilExit()
        XCTAssertEqual(sqlite.terminationStatus, 0)
        // Every pooled connection must notice, whichever one answers.
        for after in try await concurrentSearches(store, request) {
            XCTAssertEqual(after.first { $0.info.runID == run }?.info.runName, "renamed-by-writer")
        }
    }

    private func concurrentSearches(_ store: SQLTrackingStore, _ request: RunSearch) async throws -> [[Run]] {
        try await withThrowingTaskGroup(of: [Run].self) { group in
            for _ in 0..<(ReadConnections.defaultCapacity * 3) {
                group.addTask { try await store.searchRuns(request).items }
            }
            var out: [[Run]] = []
            for try await items in group { out.append(items) }
            return out
        }
    }

    func testPoolNeverOpensMoreThanItsCapacity() throws {
        let opened = Counter()
        let fixture = try SQLiteFixture.store()
        let open = { @Sendable () throws -> SQLiteConnection in
            opened.add()
            return try SQLiteConnection(readOnlyPath: fixture.db, busyTimeoutMs: 100)
        }
        let pool = ReadConnections(first: try open(), capacity: 2, open: open)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            _ = try? pool.with { db in try db.values("SELECT count(*) FROM runs") { $0.int($1) } }
        }
        XCTAssertLessThanOrEqual(opened.value, 2)
        XCTAssertGreaterThanOrEqual(opened.value, 1)
    }
}

private final class Counter: Sendable {
    private let count = Locked(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.current }
}
