import Foundation
import XCTest
import TestSupport

/// The real binary over stores a user can break: under a memory and descriptor cap,
/// as another user, while the MLflow client rewrites a run, over a damaged database. Bad files
/// give one warning line each and the command goes on (exit 0, as for any corrupt file); a store
/// that cannot be read at all gives one error line and a non-zero exit.
final class BadStoreCommandTests: XCTestCase {
    struct Store {
        var root: String
        var experimentID: String
        var runs: [String]

        func run(_ i: Int) -> String { root + "/" + experimentID + "/" + runs[i] }
    }

    /// The store of Scripts/bad_store.py (runs r0, r1, r2 with param p, tag t, metric m).
    func makeStore() throws -> Store {
        let dir = try temporaryDirectory("badcli")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)  // readable by the unprivileged user of the permission test
        let answer = try XCTUnwrap(try MLflowPython.json(FileStoreBadStoreTests.script, ["make", dir]) as? [String: Any])
        return Store(root: dir + "/mlruns", experimentID: try XCTUnwrap(answer["experiment_id"] as? String),
                     runs: try XCTUnwrap(answer["runs"] as? [String]))
    }

    /// Runs `mltui ARGS` (through `prefix`, e.g. prlimit or setpriv), without a run cache so
    /// that every read goes to the store.
    func mltui(_ args: [String], through prefix: [String] = [], timeout: TimeInterval = 60) throws -> CommandResult {
        let binary = try RepoLayout.mltuiBinary().path
        var environment = ProcessInfo.processInfo.environment
        environment["MLTUI_CACHE_DIR"] = ""
        environment.removeValue(forKey: "MLFLOW_TRACKING_URI")
        let command = prefix + [binary] + args
        return try CommandRunner.run(URL(fileURLWithPath: command[0]), Array(command.dropFirst()),
                                     environment: environment, timeout: timeout)
    }

    func warnings(_ result: CommandResult) -> [String] {
        result.stderrText.split(separator: "\n").map(String.init)
    }

    /// The runs of a `runs --format json` answer: id -> (metric keys, param keys).
    func runs(_ result: CommandResult) throws -> [String: (metrics: [String], params: [String])] {
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        var out: [String: (metrics: [String], params: [String])] = [:]
        for run in document["runs"] as? [[String: Any]] ?? [] {
            let info = try XCTUnwrap(run["info"] as? [String: Any])
            let data = run["data"] as? [String: Any] ?? [:]
            let keys = { (name: String) in ((data[name] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String }.sorted() }
            out[try XCTUnwrap(info["run_id"] as? String)] = (keys("metrics"), keys("params"))
        }
        return out
    }

    /// `metrics/self -> .` made one search use 5 GB and 20,000 descriptors before it aborted;
    /// a param linked to /dev/zero aborted allocating 2.9 GB. Under 512 MiB of address space and
    /// 256 descriptors the command now finishes with one warning per link, every run intact.
    func testLinkLoopAndDevZeroUnderAMemoryCap() throws {
        let s = try makeStore()
        try FileManager.default.createSymbolicLink(atPath: s.run(0) + "/metrics/self", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: s.run(1) + "/params/zero", withDestinationPath: "/dev/zero")
        let cap = ["/usr/bin/prlimit", "--as=\(512 << 20)", "--nofile=256", "--"]
        let result = try mltui(["runs", "--tracking-uri", s.root, "--experiment-id", s.experimentID, "--format", "json"], through: cap)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.status, 0, result.stderrText)
        let lines = warnings(result)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("mltui: warning: ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains(s.run(0) + "/metrics/self: a symbolic link to a folder") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains(s.run(1) + "/params/zero: a symbolic link to /dev/zero, outside the store") }, "\(lines)")
        let found = try runs(result)
        XCTAssertEqual(Set(found.keys), Set(s.runs))
        for (id, run) in found {
            XCTAssertEqual(run.metrics, ["m"], id)
            XCTAssertEqual(run.params, ["p"], id)
        }
        // The history of a key below the loop is empty, not endless.
        let history = try mltui(["history", "--tracking-uri", s.root, s.runs[0], "self/m", "--format", "json"], through: cap)
        XCTAssertEqual(history.status, 0, history.stderrText)
        XCTAssertEqual(history.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "{}")
    }

    /// As a user who may not read them (root reads everything, so the binary runs as nobody):
    /// a meta.yaml is reported as unreadable with the reason, not as missing, and a metrics
    /// folder that cannot be opened is named instead of silently read as empty.
    func testPermissionDeniedAsAnotherUser() throws {
        let s = try makeStore()
        XCTAssertEqual(chmod(s.run(0) + "/meta.yaml", 0), 0)
        XCTAssertEqual(chmod(s.run(1) + "/metrics", 0), 0)
        let prefix: [String]
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                throw XCTSkip("running as root without setpriv: cannot drop the privilege that reads every file")
            }
            prefix = ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        } else {
            prefix = []
        }
        let result = try mltui(["runs", "--tracking-uri", s.root, "--experiment-id", s.experimentID, "--format", "json"], through: prefix)
        XCTAssertEqual(result.status, 0, result.stderrText)
        let lines = warnings(result)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("Skipping run folder \(s.run(0)): cannot read meta.yaml: Permission denied") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("Skipping folder \(s.run(1))/metrics: Permission denied") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("no meta.yaml") }, "\(lines)")
        let found = try runs(result)
        XCTAssertEqual(Set(found.keys), [s.runs[1], s.runs[2]])
        XCTAssertEqual(found[s.runs[1]]?.metrics, [])
        XCTAssertEqual(found[s.runs[1]]?.params, ["p"])
        XCTAssertEqual(found[s.runs[2]]?.metrics, ["m"])

        let history = try mltui(["history", "--tracking-uri", s.root, s.runs[0], "m"], through: prefix)
        XCTAssertNotEqual(history.status, 0)
        let errors = warnings(history).filter { !$0.hasPrefix("mltui: warning: ") }
        XCTAssertEqual(errors.count, 1, history.stderrText)
        XCTAssertTrue(errors.first?.contains("INVALID_STATE") ?? false, history.stderrText)
        XCTAssertTrue(errors.first?.contains("Permission denied") ?? false, history.stderrText)

        // An experiment folder that can be entered but not listed: its runs cannot be found,
        // and the folder is named instead of the experiment reading as empty.
        let experiment = s.root + "/" + s.experimentID
        XCTAssertEqual(chmod(experiment, 0o111), 0)
        defer { chmod(experiment, 0o755) }
        let unlisted = try mltui(["runs", "--tracking-uri", s.root, "--experiment-id", s.experimentID, "--format", "json"], through: prefix)
        XCTAssertEqual(unlisted.status, 0, unlisted.stderrText)
        XCTAssertEqual(warnings(unlisted), ["mltui: warning: Skipping folder \(experiment): Permission denied"])
        XCTAssertEqual(try runs(unlisted).count, 0)
    }

    /// The MLflow client rewrites a run's meta.yaml on every update (truncate, then write); the
    /// CLI's `history` read it in between and failed (2 of 252 calls in the first report, 120 of
    /// 300 here before the fix). The store now reads such a file again, so no call fails.
    func testHistoryWhileTheMLflowClientRewritesTheRun() throws {
        let s = try makeStore()
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: MLflowPython.executable)
        writer.arguments = [FileStoreBadStoreTests.script, "rewrite", s.root, s.runs[0], "1000000"]
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_ALLOW_FILE_STORE"] = "true"
        environment.removeValue(forKey: "MLFLOW_TRACKING_URI")
        writer.environment = environment
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        defer {
            if writer.isRunning { writer.terminate() }
            writer.waitUntilExit()
        }
        // Started once it has logged its first value.
        let live = s.run(0) + "/metrics/live"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: live) && writer.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(writer.isRunning, "the MLflow writer stopped early")

        var failures: [String] = []
        for _ in 0..<120 {
            let result = try mltui(["history", "--tracking-uri", s.root, s.runs[0], "m", "--format", "json"])
            if result.status != 0 { failures.append(result.stderrText) }
        }
        XCTAssertTrue(writer.isRunning, "the MLflow client rewrote the run throughout")
        XCTAssertEqual(failures.count, 0, "\(failures.prefix(3))")
    }

    /// A database with a dropped table is damaged, not "older than mltui supports": one error
    /// line naming the table, and a non-zero exit.
    func testDatabaseWithADroppedTable() throws {
        let s = try SQLiteFixture.store()
        let db = NSTemporaryDirectory() + "mltui-dropped-\(UUID().uuidString).db"
        try FileManager.default.copyItem(atPath: s.db, toPath: db)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: db) }
        try SQLiteFixture.run("/usr/bin/sqlite3", [db, "PRAGMA foreign_keys = OFF; DROP TABLE tags;"], cwd: NSTemporaryDirectory())
        let result = try mltui(["runs", "--tracking-uri", "sqlite:///" + db, "--experiment-id", s.ids["e1"]!])
        XCTAssertNotEqual(result.status, 0)
        let lines = warnings(result)
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines.first?.contains("INVALID_STATE") ?? false, "\(lines)")
        XCTAssertTrue(lines.first?.contains("has no table 'tags'") ?? false, "\(lines)")
        XCTAssertTrue(lines.first?.contains("damaged") ?? false, "\(lines)")
        XCTAssertFalse(lines.first?.contains("older") ?? true, "\(lines)")
    }
}
