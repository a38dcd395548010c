import Foundation
import XCTest
import Tracking
import FileStore
import SQLStore

/// Following history page tokens resumes where the last page ended (a byte in the metric file,
/// a keyset in SQL) instead of re-reading from the start: the pages must stay exactly MLflow's.
/// The store is written by the real MLflow (Scripts/history_paging.py) with duplicates, NaN
/// tied with 0.0, infinities and equal timestamps and steps.
final class MetricHistoryPagingTests: XCTestCase {
    struct Fixture {
        var dir: String
        /// "fs"/"sqlite" -> {"run", "full", "pages": {size: {tokens, rows}}}, as the script printed it.
        var answersJSON: Data
        var answers: [String: Any] { try! JSONSerialization.jsonObject(with: answersJSON) as! [String: Any] }
    }

    static let shared: Result<Fixture, Error> = Result {
        let dir = try temporaryDirectory("history-paging")
        let script = MLflowPython.scripts.appendingPathComponent("history_paging.py").path
        return Fixture(dir: dir, answersJSON: try MLflowPython.run(script, ["make", dir]))
    }

    func fixture() throws -> Fixture { try Self.shared.get() }

    func open(_ kind: String, _ f: Fixture, root: String? = nil) throws -> any TrackingStore {
        kind == "fs" ? try FileStore(root: root ?? f.dir + "/fs/mlruns", warn: { _ in })
                     : try SQLTrackingStore(path: f.dir + "/mlflow.db", warn: { _ in })
    }

    /// A metric as MLflow's answers print it: [timestamp, repr(value), step].
    func row(_ m: Metric) -> String {
        let value: String
        if m.value.isNaN { value = "nan" } else if m.value.isInfinite { value = m.value < 0 ? "-inf" : "inf" } else { value = "\(m.value)" }
        return "\(m.timestamp) \(value) \(m.step)"
    }

    func rows(_ answer: Any?) -> [String] {
        (answer as! [[Any]]).map { r in
            "\((r[0] as! NSNumber).int64Value) \(r[1] as! String) \((r[2] as! NSNumber).int64Value)"
        }
    }

    /// Follows tokens from the first page; returns the rows and the tokens handed out.
    func follow(_ store: any TrackingStore, run: String, key: String, size: Int) async throws -> ([Metric], [String]) {
        var metrics: [Metric] = [], tokens: [String] = [], token: String?
        repeat {
            let page = try await store.metricHistory(runID: run, key: key, maxResults: size, pageToken: token)
            XCTAssertLessThanOrEqual(page.items.count, size)
            metrics += page.items
            token = page.nextPageToken
            if let token { tokens.append(token) }
            // A continuation that repeats rows would hand out tokens forever.
            if tokens.count > 1000 { XCTFail("more than 1000 pages"); break }
        } while token != nil
        return (metrics, tokens)
    }

    func testPagesEqualOneShotReadAndMLflow() async throws {
        let f = try fixture()
        for kind in ["fs", "sqlite"] {
            let answer = f.answers[kind] as! [String: Any]
            let run = answer["run"] as! String
            let mlflowFull = rows(answer["full"])
            XCTAssertGreaterThan(mlflowFull.count, 200, kind)
            XCTAssertTrue(mlflowFull.contains { $0.contains(" nan ") }, kind)
            let store = try open(kind, f)
            let oneShot = try await store.metricHistory(runID: run, key: "m", maxResults: nil, pageToken: nil)
            XCTAssertEqual(oneShot.items.map(row), mlflowFull, kind)
            XCTAssertNil(oneShot.nextPageToken)
            let pages = answer["pages"] as! [String: [String: Any]]
            for size in [1, 7, 1000] {
                let mlflow = pages[String(size)]!
                let (metrics, tokens) = try await follow(store, run: run, key: "m", size: size)
                XCTAssertEqual(metrics.map(row), mlflowFull, "\(kind) pages of \(size)")
                XCTAssertEqual(metrics.map(row), rows(mlflow["rows"]), "\(kind) pages of \(size)")
                XCTAssertEqual(tokens, mlflow["tokens"] as! [String], "\(kind) pages of \(size)")
                // The same tokens again (a retry, or a second reader) give the same pages.
                let (again, _) = try await follow(store, run: run, key: "m", size: size)
                XCTAssertEqual(again.map(row), mlflowFull, "\(kind) pages of \(size), again")
            }
            // A token used out of order, by a store object that never saw it, and a full read
            // from a token: all as the offset says.
            let fresh = try open(kind, f)
            for offset in [13, 1, 200, 7] {
                let page = try await fresh.metricHistory(runID: run, key: "m", maxResults: 7, pageToken: PageToken.encode(offset: offset))
                XCTAssertEqual(page.items.map(row), Array(mlflowFull[offset..<offset + 7]), "\(kind) offset \(offset)")
                XCTAssertEqual(page.nextPageToken, PageToken.encode(offset: offset + 7))
            }
            let tail = try await store.metricHistory(runID: run, key: "m", maxResults: nil, pageToken: PageToken.encode(offset: 14))
            XCTAssertEqual(tail.items.map(row), Array(mlflowFull[14...]), kind)
            let past = try await store.metricHistory(runID: run, key: "m", maxResults: 7, pageToken: PageToken.encode(offset: mlflowFull.count))
            XCTAssertEqual(past.items.count, 0)
            XCTAssertNil(past.nextPageToken)
        }
    }

    /// A live chart holding the first k points asks for the rest (`metricHistoryTail`): it gets
    /// exactly the rest, or nil (read it whole) where SQL's order cannot place the last point
    /// held (a NaN tied with 0.0), never a wrong tail; a held point the store does not have at
    /// that place (a rewritten history) is nil.
    func testHistoryTailIsTheRestOrNil() async throws {
        let f = try fixture()
        for kind in ["fs", "sqlite"] {
            let run = (f.answers[kind] as! [String: Any])["run"] as! String
            let store = try open(kind, f)
            let full = try await store.fullMetricHistory(runID: run, key: "m")
            var exact = 0
            for k in Array(1...20) + [full.count / 2, full.count - 1, full.count] {
                let tail = try await store.metricHistoryTail(runID: run, key: "m", after: HistoryHeld(Array(full.prefix(k))))
                if let tail {
                    XCTAssertEqual(tail.map(row), full[k...].map(row), "\(kind) after \(k)")
                    exact += 1
                } else {
                    XCTAssertEqual(kind, "sqlite", "the file store always continues after \(k)")
                    let last = full[k - 1]
                    XCTAssertTrue(full.contains { $0.timestamp == last.timestamp && $0.step == last.step && $0.value.isNaN != last.value.isNaN },
                                  "\(kind): nil only for a tie, after \(k)")
                }
            }
            XCTAssertGreaterThan(exact, 15, kind)
            var moved = full[9]
            moved.value = 12345.678  // logged nowhere in this history
            let changed = try await store.metricHistoryTail(runID: run, key: "m", after: HistoryHeld(count: 10, last: moved))
            XCTAssertNil(changed, kind)
            let none = try await store.metricHistoryTail(runID: run, key: "m", after: HistoryHeld(count: 0, last: nil))
            XCTAssertEqual(none?.map(row), full.map(row), kind)
        }
    }

    /// A running job appends to the metric file between pages, sometimes half a line at a time:
    /// the continuation must read the new lines, once each.
    func testFileStoreContinuesWhileTheFileGrows() async throws {
        let f = try fixture()
        let root = try temporaryDirectory("history-append")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: f.dir + "/fs/mlruns", toPath: root + "/mlruns")
        let run = (f.answers["fs"] as! [String: Any])["run"] as! String
        let store = try open("fs", f, root: root + "/mlruns")
        let experiment = try FileManager.default.contentsOfDirectory(atPath: root + "/mlruns")
            .first { FileManager.default.fileExists(atPath: root + "/mlruns/\($0)/\(run)") }!
        let file = root + "/mlruns/\(experiment)/\(run)/metrics/grow"
        func append(_ text: String) throws {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: file))
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            handle.closeFile()
        }
        // Follows tokens from `offset` to the last page, as a client polling a live run does.
        var got: [Metric] = []
        func catchUp() async throws {
            var token: String? = got.isEmpty ? nil : PageToken.encode(offset: got.count)
            var pages = 0
            repeat {
                pages += 1
                if pages > 100 { XCTFail("more than 100 pages"); return }
                let page = try await store.metricHistory(runID: run, key: "grow", maxResults: 7, pageToken: token)
                got += page.items
                token = page.nextPageToken
            } while token != nil
        }
        let page = try await store.metricHistory(runID: run, key: "grow", maxResults: 7, pageToken: nil)
        got += page.items
        try append("1795369469000 100.0 100\n1795369469001 10")   // the second line is half written
        var token = page.nextPageToken
        while let current = token {
            let next = try await store.metricHistory(runID: run, key: "grow", maxResults: 7, pageToken: current)
            got += next.items
            token = next.nextPageToken
        }
        XCTAssertEqual(got.map(\.step), Array(0..<20) + [100])
        try append("1.0 101\n1795369469002 102.0 102\n")   // finished, plus one more
        try await catchUp()
        try append("1795369469003 nan 103\n1795369469003 nan 103\n")
        try await catchUp()
        let fresh = try open("fs", f, root: root + "/mlruns")
        let whole = try await fresh.metricHistory(runID: run, key: "grow", maxResults: nil, pageToken: nil)
        XCTAssertEqual(whole.items.count, 25)
        XCTAssertEqual(got.map(row), whole.items.map(row))
        XCTAssertEqual(got.map(\.step), Array(0..<20) + [100, 101, 102, 103, 103])
    }

    /// A metric file replaced or rewritten between pages is read again from its start.
    func testFileStoreRereadsARewrittenFile() async throws {
        let f = try fixture()
        let root = try temporaryDirectory("history-rewrite")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: f.dir + "/fs/mlruns", toPath: root + "/mlruns")
        let run = (f.answers["fs"] as! [String: Any])["run"] as! String
        let experiment = try FileManager.default.contentsOfDirectory(atPath: root + "/mlruns")
            .first { FileManager.default.fileExists(atPath: root + "/mlruns/\($0)/\(run)") }!
        let file = root + "/mlruns/\(experiment)/\(run)/metrics/grow"
        let store = try open("fs", f, root: root + "/mlruns")
        let lines = (0..<30).map { "\(1795369470000 + $0) \(Double($0) * 2) \($0 + 500)\n" }
        // Replaced (new inode) with other content.
        let first = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: nil)
        XCTAssertEqual(first.items.map(\.step), Array(0..<5))
        try Data(lines.joined().utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        let second = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: first.nextPageToken)
        XCTAssertEqual(second.items.map(\.step), Array(505..<510))
        // Rewritten in place (same inode), longer, with other bytes before the cursor.
        let third = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: second.nextPageToken)
        XCTAssertEqual(third.items.map(\.step), Array(510..<515))
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: file))
        handle.truncateFile(atOffset: 0)
        handle.write(Data(lines.map { $0.replacingOccurrences(of: " 5", with: " 7") }.joined().utf8))
        handle.closeFile()
        let fourth = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: third.nextPageToken)
        XCTAssertEqual(fourth.items.map(\.step), Array(715..<720))
    }

    /// A value logged by another process between pages changes the database: the next page is
    /// what OFFSET gives on the new content, as MLflow would answer.
    func testSQLiteFollowsTheDatabaseWhenItChanges() async throws {
        let f = try fixture()
        let dir = try temporaryDirectory("history-sqlchange")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: f.dir + "/mlflow.db", toPath: dir + "/mlflow.db")
        let run = (f.answers["sqlite"] as! [String: Any])["run"] as! String
        let store = try SQLTrackingStore(path: dir + "/mlflow.db", warn: { _ in })
        let first = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: nil)
        let second = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: first.nextPageToken)
        XCTAssertEqual(second.items.map(\.step), Array(5..<10))
        // Sorts first: every later row moves one place down.
        let script = MLflowPython.scripts.appendingPathComponent("history_paging.py").path
        _ = try MLflowPython.run(script, ["log", "sqlite:///" + dir + "/mlflow.db", run, "grow", "1795369467000", "-1.0", "-1"])
        let third = try await store.metricHistory(runID: run, key: "grow", maxResults: 5, pageToken: second.nextPageToken)
        XCTAssertEqual(third.items.map(\.step), Array(9..<14))
        let whole = try await store.metricHistory(runID: run, key: "grow", maxResults: nil, pageToken: nil)
        XCTAssertEqual(whole.items.map(\.step), [-1] + Array(0..<20))
    }
}
