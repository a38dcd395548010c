import Foundation
import TestSupport
import Tracking
import XCTest

/// The write commands on local stores: copies of the fixture stores (file, SQLite, PostgreSQL) changed
/// once by the real `mltui` binary and once by MLflow's own client doing the same edits; the real
/// MLflow then reads both copies and they must be equal (`scripts/mlflow_dump_store.py`).
final class WriteCommandStoreTests: XCTestCase {
    func testFileStore() throws { try checkSameAsMLflow(.file) }

    func testSQLiteStore() throws { try checkSameAsMLflow(.sqlite) }

    func testPostgreSQLStore() throws { try checkSameAsMLflow(.postgres) }

    /// The edits, as command lines (stdin for `note`).
    static let edits: [([String], String?)] = [
        (["tag", "gpt-4o-live", "nan-run", "stage=prod", "team=ml"], nil),
        (["untag", "nan-run", "team"], nil),
        (["note", "gpt-4o-live"], "## Live\nserving\n"),
        (["rename", "no-artifacts", "no-artifacts-renamed"], nil),
        (["delete", "nan-run"], nil),
        (["restore", "gpt-4o-bad"], nil),
        (["rename", "--experiment", "empty-experiment", "empty-renamed"], nil),
        (["tag", "--experiment", "empty-renamed", "owner=me", "gone=1"], nil),
        (["untag", "--experiment", "empty-renamed", "gone"], nil),
        (["restore", "--experiment", "archived-2024"], nil),
        (["delete", "--experiment", "émoji 🚀 runs"], nil),
    ]

    func checkSameAsMLflow(_ format: StoreFormat) throws {
        let stores = try FixtureStores.shared()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-write-commands-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        func copy(_ name: String) throws -> String {
            let folder = scratch.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            switch format {
            case .file:
                let target = folder.appendingPathComponent("mlruns")
                try FileManager.default.copyItem(at: stores.fileStore, to: target)
                return target.path
            case .sqlite:
                let target = folder.appendingPathComponent("mlflow.db")
                try FileManager.default.copyItem(at: stores.sqliteDatabase, to: target)
                return "sqlite:///" + target.path
            case .postgres:
                let server = try FixtureStores.postgres().server
                let database = "edits_\(name)_\(UUID().uuidString.prefix(8).lowercased())"
                try server.copyDatabase(PostgresFixture.database, to: database)
                return server.uri(database: database)
            }
        }
        let ours = try copy("ours"), theirs = try copy("theirs")

        // MLflow edits its copy meanwhile.
        let script = scratch.appendingPathComponent("edits.py")
        try mlflowEdits.write(to: script, atomically: true, encoding: .utf8)
        var mlflowEnvironment = ProcessInfo.processInfo.environment
        mlflowEnvironment["MLFLOW_ALLOW_FILE_STORE"] = "true"
        let environment = mlflowEnvironment, python = try RepoLayout.mlflowPython()
        let mlflow = Thread.detachedResult {
            try CommandRunner.run(python, [script.path, theirs], environment: environment, timeout: 120)
        }
        for (arguments, input) in Self.edits {
            let result = try mltui(arguments + ["--tracking-uri", ours], input: input, in: scratch)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderrText)")
            XCTAssertFalse(result.stdoutText.isEmpty, "\(arguments)")
        }
        let edited = try mlflow.wait()
        XCTAssertEqual(edited.status, 0, edited.stderrText)

        let theirDumping = Thread.detachedResult { try StoreDump.text(uri: theirs) }
        let ourDump = try StoreDump.text(uri: ours), theirDump = try theirDumping.wait()
        XCTAssertTrue(ourDump.contains("no-artifacts-renamed") && ourDump.contains("empty-renamed"))
        XCTAssertEqual(ourDump, theirDump)

        // A failure changes nothing: the second run is unknown, so the first is not tagged.
        let failed = try mltui(["tag", "gpt-4o-live", "no-such-run", "late=1", "--tracking-uri", ours], input: nil, in: scratch)
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(failed.stderrText, "mltui: RESOURCE_DOES_NOT_EXIST: no run has the id or name 'no-such-run'\n")
        XCTAssertEqual(try StoreDump.text(uri: ours), ourDump)
    }

    func mltui(_ arguments: [String], input: String?, in scratch: URL) throws -> CommandResult {
        let stdin = scratch.appendingPathComponent("stdin")
        try (input ?? "").write(to: stdin, atomically: true, encoding: .utf8)
        let quoted = ([try RepoLayout.mltuiBinary().path] + arguments)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "MLFLOW_TRACKING_URI")
        let result = try CommandRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", quoted + " < '\(stdin.path)'"],
                                           environment: environment, timeout: 60)
        XCTAssertFalse(result.timedOut, "\(arguments)")
        return result
    }
}

extension Thread {
    /// Runs `body` on a thread of its own; `wait()` gives its result.
    static func detachedResult<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> PendingResult<T> {
        let pending = PendingResult<T>()
        Thread.detachNewThread { pending.finish(Result { try body() }) }
        return pending
    }
}

/// The result of work on another thread, waited for once.
final class PendingResult<T: Sendable>: Sendable {
    private let result = Locked<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    fileprivate func finish(_ value: Result<T, any Error>) {
        result.withLock { $0 = value }
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        return try result.current!.get()
    }
}

/// `edits` through MLflow's own client, on a store given by URI.
private let mlflowEdits = #"""
import sys
from mlflow import MlflowClient
from mlflow.entities import ViewType
c = MlflowClient(sys.argv[1])
experiments = {e.name: e.experiment_id for e in c.search_experiments(view_type=ViewType.ALL)}
def run(name):
    runs = c.search_runs(list(experiments.values()), f"attributes.run_name = '{name}'", run_view_type=ViewType.ALL)
    assert len(runs) == 1, name
    return runs[0].info.run_id
live, nan, noart, bad = run("gpt-4o-live"), run("nan-run"), run("no-artifacts"), run("gpt-4o-bad")
for r in (live, nan):
    c.set_tag(r, "stage", "prod")
    c.set_tag(r, "team", "ml")
c.delete_tag(nan, "team")
c.set_tag(live, "mlflow.note.content", "## Live\nserving")
c.update_run(noart, name="no-artifacts-renamed")
c.delete_run(nan)
c.restore_run(bad)
empty = experiments["empty-experiment"]
c.rename_experiment(empty, "empty-renamed")
c.set_experiment_tag(empty, "owner", "me")
c.set_experiment_tag(empty, "gone", "1")
c.delete_experiment_tag(empty, "gone")
c.restore_experiment(experiments["archived-2024"])
c.delete_experiment(experiments["émoji 🚀 runs"])
"""#
