import Foundation
@testable import Tracking
import XCTest

final class BlockingWorkTests: XCTestCase {
    /// The work runs on a blocking-work thread, not on the caller's (a cooperative-pool thread).
    func testRunsOnItsOwnThreads() async throws {
        XCTAssertFalse(BlockingWork.isCurrentThread)
        let onPoolThread = try await BlockingWork.run { BlockingWork.isCurrentThread }
        XCTAssertTrue(onPoolThread)
    }

    func testResultsAndErrorsComeBack() async throws {
        let sum = try await BlockingWork.run { (1...100).reduce(0, +) }
        XCTAssertEqual(sum, 5050)
        do {
            _ = try await BlockingWork.run { () throws -> Int in throw MLflowError.notFound("gone") }
            XCTFail("the error should come back")
        } catch let error as MLflowError {
            XCTAssertEqual(error.message, "gone")
        }
    }

    /// More jobs than threads: the extra ones wait in the queue, and every one finishes.
    func testMoreJobsThanThreadsAllFinish() async throws {
        let count = BlockingWork.threadCount * 3
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<count { group.addTask { try await BlockingWork.run { usleep(1000); return i } } }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        XCTAssertEqual(done, Set(0..<count))
    }

    /// A task cancelled before its work starts gets CancellationError and the work never runs.
    func testCancelledBeforeStartDoesNotRun() async throws {
        let ran = Locked(false)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await BlockingWork.run { ran.withLock { $0 = true } }
        }
        await XCTAssertThrowsCancellation { try await task.value }
        XCTAssertFalse(ran.current)
    }

    private func XCTAssertThrowsCancellation(_ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("expected CancellationError")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }
}
