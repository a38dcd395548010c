import Foundation
import XCTest
import Tracking
import TestSupport
@testable import FileStore

/// The file store's run cache (RunCache): what a later process reads from it must be exactly
/// what reading the files gives, after the real MLflow client changed them in every way it can.
final class FileStoreRunCacheTests: XCTestCase {
    /// A private copy of the fixture file store whose files all look an hour old (a store
    /// written earlier), and an empty cache directory.
    private func copyOfFixture() throws -> (root: String, cache: String) {
        let fixture = try FixtureStores.shared()
        let dir = NSTemporaryDirectory() + "mltui-runcache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/mlruns"
        try FileManager.default.copyItem(atPath: fixture.fileStore.path, toPath: root)
        try shell("find '\(root)' -exec touch -d '-1 hour' {} +")
        return (root, dir + "/cache")
    }

    private func shell(_ command: String, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, command)
    }

    /// Every run of every experiment, deleted ones included, in one answer per experiment.
    private func everything(_ store: FileStore) async throws -> [[Run]] {
        var out: [[Run]] = []
        for experiment in try await store.allExperiments(ExperimentSearch(viewType: .all)) {
            out.append(try await store.searchRuns(RunSearch(experimentIDs: [experiment.experimentID], viewType: .all,
                                                            maxResults: 50_000)).items)
        }
        return out
    }

    func testLaterProcessReadsTheSameFromTheCache() async throws {
        let (root, cache) = try copyOfFixture()
        let first = try FileStore(root: root, warn: { _ in }, cacheDirectory: cache)
        let expected = try await everything(first)
        XCTAssertEqual(first.runCacheHits, 0)
        XCTAssertGreaterThan(expected.joined().count, 10)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache)
        XCTAssertFalse(files.isEmpty, "the cache is written outside the store")

        let second = try FileStore(root: root, warn: { _ in }, cacheDirectory: cache)
        let again = try await everything(second)
        XCTAssertEqual(again, expected)
        // Each run's meta.yaml and data came from the cache (runs with unreadable files excepted).
        XCTAssertGreaterThan(second.runCacheHits, expected.joined().count)

        // The file round-trips, and a damaged or foreign one is refused.
        let path = cache + "/" + files[0]
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let experimentPath = String(decoding: bytes[RunCacheCoding.magic.count + 8..<RunCacheCoding.magic.count + 8 + Int(bytes[RunCacheCoding.magic.count])], as: UTF8.self)
        let decoded = try XCTUnwrap(RunCacheCoding.decode(bytes, experimentPath: experimentPath))
        XCTAssertEqual(RunCacheCoding.encode(decoded, experimentPath: experimentPath), bytes)
        XCTAssertNil(RunCacheCoding.decode(Array(bytes.dropLast()), experimentPath: experimentPath))
        XCTAssertNil(RunCacheCoding.decode(bytes, experimentPath: experimentPath + "x"))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: path))
        let third = try FileStore(root: root, warn: { _ in }, cacheDirectory: cache)
        let afterDamage = try await everything(third)
        XCTAssertEqual(afterDamage, expected, "a truncated cache file is ignored")
    }

    func testChangesByMLflowAreSeenThroughTheCache() async throws {
        let (root, cache) = try copyOfFixture()
        let before = try await everything(try FileStore(root: root, warn: { _ in }, cacheDirectory: cache))
        let runs = before.joined().filter { $0.info.lifecycleStage == .active && !$0.data.tags.isEmpty && !$0.data.metrics.isEmpty }
        XCTAssertGreaterThanOrEqual(runs.count, 2)
        let (a, b) = (runs[0], runs[1])
        let tag = a.data.tags.first { !$0.key.hasPrefix("mlflow.") && !$0.value.isEmpty && $0.value.allSatisfy(\.isASCII) }
            ?? a.data.tags.first { $0.value.allSatisfy(\.isASCII) } ?? a.data.tags[0]
        // Same length, other content: only the file's stamp can tell.
        let sameLength = String(tag.value.map { $0 == "x" ? "y" : "x" })
        let metric = a.data.metrics[0]
        let script = """
            import sys
            from mlflow import MlflowClient
            c = MlflowClient(sys.argv[1])
            a, b = sys.argv[2], sys.argv[3]
            c.set_tag(a, sys.argv[4], sys.argv[5])
            c.log_metric(a, sys.argv[6], 12345.5, step=10**9)
            c.log_param(a, "added_by_test", "v")
            c.delete_tag(b, [t for t in c.get_run(b).data.tags if not t.startswith("mlflow.")][0]) if [t for t in c.get_run(b).data.tags if not t.startswith("mlflow.")] else None
            c.set_terminated(b, "KILLED")
            c.create_run(c.get_run(a).info.experiment_id, run_name="new-after-cache")
            """
        try shell("'\(RepoLayout.mlflowPythonPath)' -c \"$SCRIPT\" '\(root)' '\(a.info.runID)' '\(b.info.runID)' '\(tag.key)' '\(sameLength)' '\(metric.key)'",
                  environment: ["SCRIPT": script, "MLFLOW_ALLOW_FILE_STORE": "true"])

        let cached = try FileStore(root: root, warn: { _ in }, cacheDirectory: cache)
        let fresh = try FileStore(root: root, warn: { _ in })
        let viaCache = try await everything(cached)
        let viaFiles = try await everything(fresh)
        XCTAssertEqual(viaCache, viaFiles)
        XCTAssertGreaterThan(cached.runCacheHits, 0, "unchanged runs still come from the cache")
        let all = viaCache.joined()
        let changedA = try XCTUnwrap(all.first { $0.info.runID == a.info.runID })
        XCTAssertEqual(changedA.data.tags.first { $0.key == tag.key }?.value, sameLength)
        XCTAssertEqual(changedA.data.metric(metric.key)?.value, 12345.5)
        XCTAssertEqual(changedA.data.params.first { $0.key == "added_by_test" }?.value, "v")
        XCTAssertEqual(all.first { $0.info.runID == b.info.runID }?.info.status, .killed)
        XCTAssertTrue(all.contains { $0.info.runName == "new-after-cache" })
    }

    /// A running job's metric file only grows: a search reads only what was appended since the
    /// last one (ReadMeter's bytes), and finds what reading the whole file finds; a file rewritten
    /// in place (same inode, other bytes) is read whole again.
    func testALongMetricFileIsReadOnlyPastWhatWasRead() async throws {
        let (root, _) = try copyOfFixture()
        let store = try FileStore(root: root, warn: { _ in })
        let before = try await everything(store).joined()
        let run = try XCTUnwrap(before.first { $0.info.lifecycleStage == .active && !$0.data.metrics.isEmpty })
        let experiment = try FileManager.default.contentsOfDirectory(atPath: root)
            .first { FileManager.default.fileExists(atPath: "\(root)/\($0)/\(run.info.runID)") }!
        let file = "\(root)/\(experiment)/\(run.info.runID)/metrics/grows"
        func append(_ lines: [String]) throws {
            if !FileManager.default.fileExists(atPath: file) { FileManager.default.createFile(atPath: file, contents: nil) }
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: file))
            handle.seekToEndOfFile()
            handle.write(Data(lines.map { $0 + "\n" }.joined().utf8))
            handle.closeFile()
        }
        func search() async throws -> (latest: Metric?, bytes: Int64) {
            let read = ReadMeter.current.fileBytes
            let runs = try await store.searchRuns(RunSearch(experimentIDs: [run.info.experimentID], maxResults: 1000)).items
            let bytes = ReadMeter.current.fileBytes - read
            let fresh = try await FileStore(root: root, warn: { _ in }).searchRuns(RunSearch(experimentIDs: [run.info.experimentID], maxResults: 1000)).items
            XCTAssertEqual(runs, fresh, "what reading every file whole gives")
            return (runs.first { $0.info.runID == run.info.runID }?.data.metric("grows"), bytes)
        }
        try append((0..<50_000).map { "\(1_795_369_000_000 + $0) \(Double($0) / 7) \($0)" })
        let whole = try await search()
        XCTAssertEqual(whole.latest?.step, 49_999)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        XCTAssertGreaterThan(whole.bytes, Int64(size), "the first search reads the file whole")

        try append(["1795369100000 -1.0 60000"])
        let grown = try await search()
        XCTAssertEqual(grown.latest?.step, 60_000)
        XCTAssertEqual(grown.latest?.value, -1.0)
        XCTAssertLessThan(grown.bytes, Int64(size) / 20, "only what was appended")
        try append(["1795369200000 5.0 10"])  // an older step: the latest stays
        let older = try await search()
        XCTAssertEqual(older.latest?.step, 60_000)

        // Rewritten in place, same inode, longer: read whole again.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: file))
        handle.truncateFile(atOffset: 0)
        handle.write(Data((0..<60_000).map { "\(1_795_369_000_000 + $0) 3.5 \($0)\n" }.joined().utf8))
        handle.closeFile()
        let rewritten = try await search()
        XCTAssertEqual(rewritten.latest?.step, 59_999)
        XCTAssertEqual(rewritten.latest?.value, 3.5)
    }

    /// Cache files nobody used for a month are removed when a cache is written; reading a cache
    /// file marks it as used, even when nothing needs rewriting.
    func testUnusedCacheFilesArePruned() async throws {
        let (root, cache) = try copyOfFixture()
        _ = try await everything(try FileStore(root: root, warn: { _ in }, cacheDirectory: cache))
        let ours = try FileManager.default.contentsOfDirectory(atPath: cache)
        XCTAssertFalse(ours.isEmpty)
        try shell("touch -d '-60 days' '\(cache)'/*.runs")
        _ = try await everything(try FileStore(root: root, warn: { _ in }, cacheDirectory: cache))
        for name in ours {
            let age = Date().timeIntervalSince1970 - Double(try XCTUnwrap(PosixFiles.stamp(cache + "/" + name)).mtimeSeconds)
            XCTAssertLessThan(age, 3600, "\(name) was read, so it is in use")
        }
        // A stranger's file unused for two months goes when runs that changed are written back
        // (every run tag rewritten, its mtime an hour back so that the new reads are kept).
        try shell("printf x > '\(cache)/0ld.runs' && touch -d '-60 days' '\(cache)/0ld.runs'")
        try shell("find '\(root)' -mindepth 4 -path '*/tags/*' -type f -exec sh -c 'printf changed > \"$1\" && touch -d \"-1 hour\" \"$1\"' _ {} ';'")
        _ = try await everything(try FileStore(root: root, warn: { _ in }, cacheDirectory: cache))
        let left = try FileManager.default.contentsOfDirectory(atPath: cache)
        XCTAssertFalse(left.contains("0ld.runs"), "an unused file is removed")
        XCTAssertEqual(Set(left), Set(ours), "files in use stay")
    }

    func testFilesChangedJustNowAreNotCached() async throws {
        let fixture = try FixtureStores.shared()
        let dir = NSTemporaryDirectory() + "mltui-runcache-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.fileStore.path, toPath: dir + "/mlruns")
        try shell("find '\(dir)/mlruns' -exec touch {} +")
        let first = try FileStore(root: dir + "/mlruns", warn: { _ in }, cacheDirectory: dir + "/cache")
        let expected = try await everything(first)
        let second = try FileStore(root: dir + "/mlruns", warn: { _ in }, cacheDirectory: dir + "/cache")
        let again = try await everything(second)
        XCTAssertEqual(again, expected)
        XCTAssertEqual(second.runCacheHits, 0, "a file changed within the clock's resolution could change again unseen")
    }
}
