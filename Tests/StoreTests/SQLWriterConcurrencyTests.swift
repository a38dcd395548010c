import Foundation
import XCTest
@testable import SQLStore
import TestSupport
import Tracking

/// mltui writing one SQLite file from several tasks at once (as `mltui serve` does for many
/// clients) while the real MLflow client logs to the same file from another process and mltui
/// reads it: every write lands, none fails with "database is locked", and MLflow reads them all.
final class SQLWriterConcurrencyTests: XCTestCase {
    func testConcurrentWritersAndReadersLoseNothing() async throws {
        let folder = NSTemporaryDirectory() + "mltui-sqlite-concurrent-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/mlflow.db"
        let writer = try SQLWriter(path: db, create: true, defaultArtifactRoot: folder + "/artifacts", warn: { _ in })
        let pythonRun = try await writer.createRun(RunCreation(experimentID: "0", startTime: 1, runName: "python")).info.runID
        let tasks = 4, pythonBatches = 150
        // mltui's writers and reader keep going until the Python writer has finished, so they
        // overlap all of its writes; bounded by a batch count should it never finish.
        let pythonDone = Locked(false), maxBatches = 300, maxReads = 5000

        let script = RepoLayout.root.appendingPathComponent("Tests/StoreTests/Scripts/sqlite_concurrent_writer.py").path
        let python = Task.detached {
            defer { pythonDone.withLock { $0 = true } }
            return try CommandRunner.run(try RepoLayout.mlflowPython(), [script, db, pythonRun, String(pythonBatches)], timeout: 300)
        }
        // Python takes seconds to import MLflow: start when it is about to write (bounded wait).
        for _ in 0..<1200 where !FileManager.default.fileExists(atPath: db + ".started") && !pythonDone.current {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let written = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for t in 0..<tasks {
                group.addTask {
                    let run = try await writer.createRun(RunCreation(experimentID: "0", startTime: 2, runName: "mltui-\(t)")).info.runID
                    var i = 0
                    repeat {
                        let metrics = (0..<10).map { Metric(key: "m", value: Double(i), timestamp: 1000 + Int64(i), step: Int64(10 * i + $0)) }
                        try await writer.logBatch(runID: run, metrics: metrics, params: i == 0 ? [Param("task", String(t))] : [],
                                                  tags: [Tag("t_\(i % 20)", String(i))])
                        i += 1
                    } while !pythonDone.current && i < maxBatches
                    return (run, i)
                }
            }
            // A reader meanwhile: each read sees whole batches only (multiples of 10 values).
            group.addTask {
                var reads = 0
                repeat {
                    let history = try await writer.store.fullMetricHistory(runID: pythonRun, key: "py")
                    XCTAssertEqual(history.count % 10, 0, "a reader saw half a batch")
                    reads += 1
                } while !pythonDone.current && reads < maxReads
                return ("", 0)
            }
            var written: [(String, Int)] = []
            for try await result in group where !result.0.isEmpty { written.append(result) }
            return written
        }
        let result = try await python.value
        XCTAssertEqual(result.status, 0, result.stderrText)
        let outcome = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        XCTAssertEqual(outcome["errors"] as? [String], [])
        XCTAssertEqual(outcome["done"] as? Int, pythonBatches)

        // mltui's read side and the real MLflow agree that nothing is missing.
        for (run, batches) in written {
            let history = try await writer.store.fullMetricHistory(runID: run, key: "m")
            XCTAssertEqual(history.count, batches * 10, run)
        }
        let dump = try StoreDump.json(uri: "sqlite:///" + db, maskPrefixes: [folder + "/artifacts"])
        let counts = Self.historyCounts(dump)
        XCTAssertEqual(counts.sorted(), (written.map { $0.1 * 10 } + [pythonBatches * 10]).sorted(), "\(counts)")
    }

    /// The length of every metric history in a dump (`runs[].metric_history{key: [...]}`).
    static func historyCounts(_ document: JSONDocument) -> [Int] {
        var counts: [Int] = []
        func walk(_ d: JSONDocument) {
            switch d {
            case .object(let fields):
                for (key, value) in fields {
                    if key.contains("history"), case .object(let histories) = value {
                        for (_, h) in histories { if let a = h.arrayValue { counts.append(a.count) } }
                    } else {
                        walk(value)
                    }
                }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(document)
        return counts
    }
}
