import Foundation
import XCTest
import Tracking
@testable import FileStore

/// What a damaged or hostile file store can do to a reader: link loops, links out of
/// the store, special files, files far larger than MLflow writes, a meta.yaml caught while MLflow
/// rewrites it. Each bad file is skipped with one warning naming it; the rest reads as before.
final class FileStoreBadStoreTests: XCTestCase {
    struct Store {
        var root: String
        var experimentID: String
        var runs: [String]  // r0, r1, r2

        func run(_ i: Int) -> String { root + "/" + experimentID + "/" + runs[i] }
    }

    static let script = MLflowPython.scripts.appendingPathComponent("bad_store.py").path

    /// A fresh store written by MLflow: experiment "bad", runs r0, r1, r2, each with param p,
    /// tag t and metric m logged at steps 0, 1, 2 (see Scripts/bad_store.py).
    func makeStore() throws -> Store {
        let dir = try temporaryDirectory("bad")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let answer = try XCTUnwrap(try MLflowPython.json(Self.script, ["make", dir]) as? [String: Any])
        return Store(root: dir + "/mlruns", experimentID: try XCTUnwrap(answer["experiment_id"] as? String),
                     runs: try XCTUnwrap(answer["runs"] as? [String]))
    }

    func link(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// Asserts exactly one warning names `path`, on one line; returns it.
    @discardableResult
    func assertOneWarning(_ log: StoreWarnings, naming path: String, saying words: String,
                          file: StaticString = #filePath, line: UInt = #line) -> String? {
        let found = log.messages.filter { $0.contains(path + ":") || $0.contains(path + " ") }
        XCTAssertEqual(found.count, 1, "warnings naming \(path): \(log.messages)", file: file, line: line)
        XCTAssertTrue(found.first?.contains(words) ?? false, "\(found) lacks '\(words)'", file: file, line: line)
        XCTAssertFalse(found.first?.contains("\n") ?? false, file: file, line: line)
        return found.first
    }

    // MARK: links

    /// A link is followed only inside the store, never around it: `metrics/self -> .` (which made
    /// one search take 5 GB and 20,000 descriptors), a param linked to /dev/zero (an abort trying
    /// to allocate 2.9 GB), a tag linked to a file outside the store (which runs/get would have
    /// served to anyone), a run folder looping onto its experiment, an experiment onto the root.
    /// A link to a file elsewhere in the store is followed, and an experiment moved to another
    /// disk and linked back (`ln -s /bigdisk/exp mlruns/5`) reads as before.
    func testLinksAreFollowedOnlyInsideTheStore() async throws {
        let s = try makeStore()
        let outside = try temporaryDirectory("outside")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: outside) }
        try Data("the server user's secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret"))
        try link(s.run(0) + "/metrics/self", to: ".")
        try link(s.run(1) + "/params/zero", to: "/dev/zero")
        try link(s.run(1) + "/tags/secret", to: outside + "/secret")
        try link(s.run(2) + "/tags/etc", to: "/etc")
        try link(s.run(2) + "/params/shared", to: "../../" + s.runs[0] + "/params/p")
        // A dataset folder moved out of the store and linked back: its meta.yaml is not read.
        let datasets = s.root + "/" + s.experimentID + "/datasets"
        let dataset = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: datasets).first)
        try FileManager.default.moveItem(atPath: datasets + "/" + dataset, toPath: outside + "/dataset")
        try link(datasets + "/" + dataset, to: outside + "/dataset")
        let loopingRun = s.root + "/" + s.experimentID + "/0123456789abcdef0123456789abcdef"
        try link(loopingRun, to: ".")
        try link(s.root + "/777", to: s.root)

        let log = StoreWarnings()
        let store = try FileStore(root: s.root, warn: log.sink)
        let runs = try await store.allRuns(RunSearch(experimentIDs: [s.experimentID]))
        XCTAssertEqual(Set(runs.map(\.info.runID)), Set(s.runs))
        func run(_ i: Int) throws -> Run { try XCTUnwrap(runs.first { $0.info.runID == s.runs[i] }) }
        XCTAssertEqual(try run(0).data.metrics.map(\.key), ["m"])
        XCTAssertEqual(try run(0).data.metric("m")?.step, 2)
        XCTAssertEqual(try run(1).data.params.map(\.key), ["p"])
        XCTAssertNil(try run(1).data.tag("secret"))
        XCTAssertEqual(try run(2).data.param("shared"), "0", "a link to a file inside the store is followed")
        XCTAssertFalse(try run(2).data.tags.contains { $0.key.hasPrefix("etc") })
        XCTAssertEqual(try run(2).data.tag("t"), "tag-2")
        XCTAssertEqual(try run(0).inputs.datasetInputs.count, 0)

        assertOneWarning(log, naming: s.run(0) + "/metrics/self", saying: "a symbolic link to a folder, which MLflow does not follow")
        assertOneWarning(log, naming: s.run(1) + "/params/zero", saying: "a symbolic link to /dev/zero, outside the store")
        assertOneWarning(log, naming: s.run(1) + "/tags/secret", saying: "outside the store")
        assertOneWarning(log, naming: s.run(2) + "/tags/etc", saying: "a symbolic link to a folder")
        assertOneWarning(log, naming: loopingRun, saying: "a folder that holds it (a loop)")
        assertOneWarning(log, naming: datasets + "/" + dataset + "/meta.yaml", saying: "outside the store")
        XCTAssertFalse(log.messages.contains { $0.contains("secret'") || $0.contains("server user") })

        // The same files read one by one, by a filter, by get_run and by a history.
        let experiments = try await store.allExperiments(ExperimentSearch(viewType: .all))
        XCTAssertEqual(Set(experiments.map(\.name)), ["Default", "bad"])
        assertOneWarning(log, naming: s.root + "/777", saying: "a folder that holds it (a loop)")
        func matching(_ filter: String) async throws -> Set<String> {
            Set(try await store.allRuns(RunSearch(experimentIDs: [s.experimentID], filter: filter)).map(\.info.runID))
        }
        var found = try await matching("params.zero = ''")
        XCTAssertEqual(found, [])
        found = try await matching("tags.secret LIKE '%secret%'")
        XCTAssertEqual(found, [])
        found = try await matching("tags.`etc/hostname` != ''")
        XCTAssertEqual(found, [])
        found = try await matching("metrics.`self/m` >= 0")
        XCTAssertEqual(found, [])
        found = try await matching("params.shared = '0'")
        XCTAssertEqual(found, [s.runs[2]])
        let history = try await store.metricHistory(runID: s.runs[0], key: "self/m", maxResults: nil, pageToken: nil)
        XCTAssertEqual(history.items.count, 0)
        let single = try await store.getRun(id: s.runs[1])
        XCTAssertNil(single.data.tag("secret"))
        XCTAssertEqual(single.data.param("p"), "1")

        // An experiment moved to another disk and linked back: its runs, and links between its
        // own files, read as before.
        let disk = try temporaryDirectory("disk")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: disk) }
        try FileManager.default.moveItem(atPath: s.root + "/" + s.experimentID, toPath: disk + "/exp")
        try link(s.root + "/" + s.experimentID, to: disk + "/exp")
        let moved = try FileStore(root: s.root, warn: StoreWarnings().sink)
        let movedRuns = try await moved.allRuns(RunSearch(experimentIDs: [s.experimentID]))
        XCTAssertEqual(Set(movedRuns.map(\.info.runID)), Set(s.runs))
        XCTAssertEqual(movedRuns.first { $0.info.runID == s.runs[2] }?.data.param("shared"), "0")
        XCTAssertNil(movedRuns.first { $0.info.runID == s.runs[1] }?.data.tag("secret"))
    }

    /// A read that skipped something is never cached: a second process (a new store over the
    /// same cache directory) reports the problem again instead of serving what was read around it.
    func testSkippedFilesAreNotCached() async throws {
        let s = try makeStore()
        try link(s.run(0) + "/metrics/self", to: ".")
        try link(s.run(1) + "/params/zero", to: "/dev/zero")
        // Everything settled long ago, so that a clean read would be kept (see RunCache).
        let touch = Process()
        touch.executableURL = URL(fileURLWithPath: "/usr/bin/find")
        touch.arguments = [s.root, "-exec", "touch", "-h", "-d", "2 hours ago", "{}", "+"]
        try touch.run()
        touch.waitUntilExit()
        let cache = try temporaryDirectory("cache")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: cache) }
        for pass in 0..<2 {
            let log = StoreWarnings()
            let store = try FileStore(root: s.root, warn: log.sink, cacheDirectory: cache)
            let runs = try await store.allRuns(RunSearch(experimentIDs: [s.experimentID]))
            XCTAssertEqual(runs.count, 3)
            assertOneWarning(log, naming: s.run(0) + "/metrics/self", saying: "symbolic link")
            assertOneWarning(log, naming: s.run(1) + "/params/zero", saying: "outside the store")
            if pass == 1 { XCTAssertGreaterThan(store.runCacheHits, 0, "the clean run and every meta.yaml came from the cache") }
        }
    }

    // MARK: special and oversized files

    /// FIFOs are never opened (the open would wait for a writer), a param or meta.yaml far larger
    /// than MLflow writes is not read, and a metric file without line ends is streamed past.
    func testSpecialAndOversizedFilesAreSkipped() async throws {
        let s = try makeStore()
        XCTAssertEqual(mkfifo(s.run(0) + "/params/fifo", 0o644), 0)
        XCTAssertEqual(mkfifo(s.run(0) + "/metrics/fifo", 0o644), 0)
        let meta = s.run(1) + "/meta.yaml"
        try FileManager.default.removeItem(atPath: meta)
        XCTAssertEqual(mkfifo(meta, 0o644), 0)
        let big = s.run(2) + "/params/big"
        try Data(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1).write(to: URL(fileURLWithPath: big))
        let flat = s.run(2) + "/metrics/flat"
        XCTAssertTrue(FileManager.default.createFile(atPath: flat, contents: nil))
        XCTAssertEqual(truncate(flat, 40 << 20), 0)  // 40 MB of zero bytes, no line end

        let log = StoreWarnings()
        let store = try FileStore(root: s.root, warn: log.sink)
        let runs = try await store.allRuns(RunSearch(experimentIDs: [s.experimentID]))
        XCTAssertEqual(Set(runs.map(\.info.runID)), [s.runs[0], s.runs[2]])
        let r0 = try XCTUnwrap(runs.first { $0.info.runID == s.runs[0] })
        XCTAssertEqual(r0.data.params.map(\.key), ["p"])
        XCTAssertEqual(r0.data.metrics.map(\.key), ["m"])
        let r2 = try XCTUnwrap(runs.first { $0.info.runID == s.runs[2] })
        XCTAssertEqual(r2.data.params.map(\.key), ["p"])
        XCTAssertEqual(r2.data.metrics.map(\.key), ["m"])
        assertOneWarning(log, naming: s.run(0) + "/params/fifo", saying: "a FIFO, not a regular file")
        assertOneWarning(log, naming: s.run(0) + "/metrics/fifo", saying: "a FIFO, not a regular file")
        assertOneWarning(log, naming: s.run(1), saying: "meta.yaml is a FIFO")
        assertOneWarning(log, naming: big, saying: "larger than 1 MiB")
        XCTAssertTrue(log.messages.contains { $0.contains(flat) && $0.contains("longer than 1 MiB without a line end") }, "\(log.messages)")
        let history = try await store.metricHistory(runID: s.runs[2], key: "flat", maxResults: nil, pageToken: nil)
        XCTAssertEqual(history.items.count, 0)
        do {
            _ = try await store.getRun(id: s.runs[1])
            XCTFail("a run whose meta.yaml is a FIFO read")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .invalidState)
            XCTAssertTrue(error.message.contains("meta.yaml is a FIFO"), error.message)
        }
    }

    /// The latest value read in chunks is the one read from the whole file: the best line so far
    /// crosses each chunk boundary (ties on step and timestamp, NaN values, malformed lines, a
    /// last line without its end and an over-long line included).
    func testStreamedLatestEqualsWholeFileLatest() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<6 {
            var text = ""
            let lines = [3, 40_000, 120_000, 70_000, 90_000, 100_000][round]
            for i in 0..<lines {
                let step = Int.random(in: 0...5, using: &generator)
                let timestamp = Int.random(in: 0...3, using: &generator)
                let value = ["nan", "1.5", "2", "-inf", "0.1", "inf", "bad"].randomElement(using: &generator)!
                text += i % 997 == 5 ? "garbage\n" : "\(timestamp) \(value) \(step)\n"
            }
            if round == 4 { text += "1 2 3" }  // cut off
            let dir = try temporaryDirectory("stream")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var bytes = Array(text.utf8)
            if round == 5 {  // a 2 MiB "line" in the middle
                let middle = bytes.count / 2
                bytes.insert(contentsOf: [UInt8](repeating: 0x31, count: 2 << 20), at: middle)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/m"))
            let whole = MetricFile.latest(round == 5 ? [] : bytes) { _ in }
            let garbage = (0..<lines).filter { $0 % 997 == 5 }.map { $0 + 1 }
            let fd = open(dir + "/m", O_RDONLY)
            defer { close(fd) }
            var streamedBad: [Int] = []
            let streamed = MetricFile.latest(reading: fd) { streamedBad.append($0.number) }
            XCTAssertNil(streamed.error)
            if round == 5 {
                XCTAssertTrue(streamedBad.contains { $0 > 1 }, "the long line is reported")
                continue
            }
            XCTAssertEqual(streamed.line?.step, whole?.step, "round \(round)")
            XCTAssertEqual(streamed.line?.timestamp, whole?.timestamp, "round \(round)")
            XCTAssertEqual(streamed.line?.value.bitPattern, whole?.value.bitPattern, "round \(round)")
            XCTAssertTrue(Set(streamedBad).isSuperset(of: garbage), "round \(round): every malformed line is reported with its number")
        }
    }

    // MARK: a meta.yaml being rewritten

    /// MLflow rewrites a run's meta.yaml in place (truncate, then write) on every update; a read
    /// in between sees an empty file. The store reads it again after a short pause, as MLflow's
    /// own reader does (`FileStore._read_yaml`), so get_run and a history never fail for it.
    /// The writer here leaves the file empty for 20 ms at a time, 40 % of the time: about what
    /// the MLflow client logging in a loop does on a busy machine.
    func testRunMetaCaughtMidRewriteIsReadAgain() async throws {
        let s = try makeStore()
        let meta = s.run(0) + "/meta.yaml"
        let content = try XCTUnwrap(FileManager.default.contents(atPath: meta))
        // The writer works for a fixed time (no state shared with it); the test waits for it.
        let done = DispatchGroup()
        let until = Date().addingTimeInterval(3)
        DispatchQueue.global().async(group: done) {
            while Date() < until {
                let fd = open(meta, O_WRONLY | O_TRUNC)
                usleep(20_000)
                _ = content.withUnsafeBytes { write(fd, $0.baseAddress, content.count) }
                close(fd)
                usleep(30_000)
            }
        }
        defer { done.wait() }
        let store = try FileStore(root: s.root, warn: StoreWarnings().sink)
        var failures: [String] = []
        for _ in 0..<40 where Date() < until {
            do {
                let run = try await store.getRun(id: s.runs[0])
                XCTAssertEqual(run.info.runName, "r0")
                let history = try await store.metricHistory(runID: s.runs[0], key: "m", maxResults: nil, pageToken: nil)
                XCTAssertEqual(history.items.count, 3)
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures, [])
    }
}
