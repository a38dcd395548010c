import Foundation
import RESTStore
import TestSupport
import Tracking
import XCTest

/// The write commands (`tag`, `untag`, `note`, `rename`, `delete`, `restore`) run as the real
/// binary against the class's real `mlflow server` (after the scenario's store was compared),
/// each result read back by the real MLflow from the SQLite store directly.
extension RESTWriterTests {
    /// An experiment of its own with runs alpha and beta (and a deleted run "gone") for one test.
    func cliExperiment(_ name: String, _ f: Fixture) async throws -> (experiment: String, runs: [String: String]) {
        let store = RESTStore(url: f.ours.url, configuration: RESTConfiguration())
        let experiment = try await store.createExperiment(name: name, artifactLocation: nil, tags: [])
        var runs: [String: String] = [:]
        for run in ["alpha", "beta", "gone"] {
            runs[run] = try await store.createRun(RunCreation(experimentID: experiment, startTime: Self.base, runName: "\(name)-\(run)")).info.runID
        }
        try await store.setTag(runID: runs["alpha"]!, tag: Tag("old", "1"))
        try await store.deleteRun(id: runs["gone"]!)
        return (experiment, runs)
    }

    /// `mltui ARGS --tracking-uri URL`, stdin from `input`, retries off so a refused connection
    /// fails at once.
    func mltui(_ arguments: [String], uri: String, input: String? = nil) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
        environment.removeValue(forKey: "MLFLOW_TRACKING_URI")
        let binary = try RepoLayout.mltuiBinary().path
        let command = ([binary] + arguments + ["--tracking-uri", uri]).map(Self.shellQuoted).joined(separator: " ")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-stdin-\(UUID().uuidString.prefix(8))")
        try (input ?? "").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CommandRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command + " < " + Self.shellQuoted(file.path)],
                                           environment: environment, timeout: 60)
        XCTAssertFalse(result.timedOut, "\(arguments)")
        return result
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The experiment as the real MLflow reads it from the store's file (not through a server):
    /// its name, stage and tags, then each run's name, stage and user tags, sorted.
    func readBack(_ experiment: String, _ f: Fixture) throws -> String {
        try Self.python(readExperiment, [f.database("ours.db"), experiment], in: f.scratch)
    }

    func testWriteCommandsChangeWhatTheySay() async throws {
        let f = try await fixture()
        let (experiment, runs) = try await cliExperiment("cli", f)
        let (alpha, beta) = (runs["alpha"]!, runs["beta"]!)
        let uri = f.ours.url

        var result = try mltui(["tag", "cli-alpha", beta, "stage=prod", "formula=a=b", "empty="], uri: uri)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, """
            run \(alpha) tag stage=prod
            run \(alpha) tag formula=a=b
            run \(alpha) tag empty=
            run \(beta) tag stage=prod
            run \(beta) tag formula=a=b
            run \(beta) tag empty=

            """)
        result = try mltui(["untag", "cli-alpha", "old", "empty", "--in", "cli"], uri: uri)
        XCTAssertEqual(result.stdoutText, "run \(alpha) untag old\nrun \(alpha) untag empty\n", result.stderrText)
        result = try mltui(["untag", "-q", beta, "--key", "empty"], uri: uri)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "")
        result = try mltui(["note", "cli-alpha"], uri: uri, input: "# Result\n\nBetter *loss*.\n\n")
        XCTAssertEqual(result.stdoutText, "run \(alpha) note 24 characters\n", result.stderrText)
        result = try mltui(["rename", "cli-beta", "cli-beta-2"], uri: uri)
        XCTAssertEqual(result.stdoutText, "run \(beta) rename cli-beta-2\n", result.stderrText)
        result = try mltui(["tag", "--experiment", "cli", "owner=me", "gone=x"], uri: uri)
        XCTAssertEqual(result.stdoutText, "experiment \(experiment) tag owner=me\nexperiment \(experiment) tag gone=x\n", result.stderrText)
        result = try mltui(["untag", "--experiment", experiment, "gone"], uri: uri)
        XCTAssertEqual(result.status, 0, result.stderrText)
        result = try mltui(["rename", "--experiment", "cli", "cli-renamed"], uri: uri)
        XCTAssertEqual(result.stdoutText, "experiment \(experiment) rename cli-renamed\n", result.stderrText)
        result = try mltui(["delete", "cli-beta-2", "--in", "cli-renamed"], uri: uri)
        XCTAssertEqual(result.stdoutText, "run \(beta) delete\n", result.stderrText)
        // Restore finds the deleted run by name; a target already as asked is left alone.
        result = try mltui(["restore", "cli-beta-2", "cli-alpha"], uri: uri)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "run \(beta) restore\n")
        XCTAssertTrue(result.stderrText.contains("run \(alpha) is already active: left as it is"), result.stderrText)

        XCTAssertEqual(try readBack(experiment, f), """
            experiment cli-renamed active owner=me
            run cli-alpha active formula=a=b mlflow.note.content=# Result\\n\\nBetter *loss*. mlflow.runName=cli-alpha stage=prod
            run cli-beta-2 active formula=a=b mlflow.runName=cli-beta-2 stage=prod
            run cli-gone deleted mlflow.runName=cli-gone

            """)

        // Experiments: delete (its runs go with it) and restore.
        result = try mltui(["delete", "--experiment", "cli-renamed"], uri: uri)
        XCTAssertEqual(result.stdoutText, "experiment \(experiment) delete\n", result.stderrText)
        XCTAssertTrue(try readBack(experiment, f).hasPrefix("experiment cli-renamed deleted"))
        result = try mltui(["restore", "--experiment", "cli-renamed"], uri: uri)
        XCTAssertEqual(result.stdoutText, "experiment \(experiment) restore\n", result.stderrText)
        XCTAssertTrue(try readBack(experiment, f).hasPrefix("experiment cli-renamed active"))
    }

    /// Every failure: one line on stderr, exit 1, and nothing changed (every argument is checked
    /// before the first write).
    func testWriteCommandErrorsExitOneAndChangeNothing() async throws {
        let f = try await fixture()
        let (experiment, runs) = try await cliExperiment("cli-errors", f)
        let uri = f.ours.url
        let before = try readBack(experiment, f)
        let cases: [([String], String)] = [
            (["tag", "cli-errors-alpha", "nosuch", "k=v"], "RESOURCE_DOES_NOT_EXIST: no run has the id or name 'nosuch'"),
            (["tag", "cli-errors-alpha"], "INVALID_PARAMETER_VALUE: give runs (id or name), then tags as KEY=VALUE"),
            (["tag", "k=v"], "INVALID_PARAMETER_VALUE: give at least one run (id or name) before the KEY=VALUE tags"),
            (["tag", "cli-errors-alpha", "k=v", "junk"], "INVALID_PARAMETER_VALUE: 'junk' is not KEY=VALUE: runs come first, then tags"),
            (["tag", "cli-errors-alpha", "=v"], "INVALID_PARAMETER_VALUE: '=v' has no key before '='"),
            (["tag", runs["gone"]!, "k=v"], "INVALID_PARAMETER_VALUE: The run \(runs["gone"]!) must be in the 'active' state. Current state is deleted."),
            (["untag", "cli-errors-alpha", "nope"], "RESOURCE_DOES_NOT_EXIST: No tag with name: nope in run with id \(runs["alpha"]!)"),
            (["untag", "cli-errors-alpha"], "INVALID_PARAMETER_VALUE: give a run then the keys to delete, or runs and --key KEY"),
            (["rename", "--experiment", "cli-errors", "writes"], "RESOURCE_ALREADY_EXISTS: Experiment(name=writes) already exists (id \(f.created.experiments[0]))"),
            (["rename", "cli-errors-alpha", ""], "INVALID_PARAMETER_VALUE: the new name is empty"),
            (["rename", "cli-errors-alpha"], "INVALID_PARAMETER_VALUE: give the run (id or name), then its new name"),
            (["note"], "INVALID_PARAMETER_VALUE: give the run (id or name) whose description stdin holds"),
            (["delete"], "INVALID_PARAMETER_VALUE: give at least one run (id or name)"),
            (["delete", "--experiment", "no-such-experiment"], "RESOURCE_DOES_NOT_EXIST: no experiment has the id or name 'no-such-experiment'"),
        ]
        for (arguments, message) in cases {
            let result = try mltui(arguments, uri: uri)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderrText)")
            XCTAssertEqual(result.stderrText, "mltui: \(message)\n", "\(arguments)")
            XCTAssertEqual(result.stdoutText, "", "\(arguments)")
        }
        // A bad key among good ones: the server refuses the batch, and no run is changed.
        var result = try mltui(["tag", "cli-errors-alpha", "cli-errors-beta", "good=1", "bad key!=v"], uri: uri)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderrText.hasPrefix("mltui: INVALID_PARAMETER_VALUE: Invalid value \"bad key!\" for parameter 'tags[1].key'") ||
                      result.stderrText.hasPrefix("mltui: INVALID_PARAMETER_VALUE: Invalid tag name: 'bad key!'"), result.stderrText)
        // --dry-run checks and prints, and writes nothing.
        result = try mltui(["tag", "--dry-run", "cli-errors-alpha", "k=v"], uri: uri)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "run \(runs["alpha"]!) tag k=v\n")
        XCTAssertEqual(result.stderrText, "mltui: dry run: 1 change checked, none made\n")
        XCTAssertEqual(try readBack(experiment, f), before)

        // Nobody listening.
        let down = "http://127.0.0.1:\(try MLflowServer.freePort())"
        result = try mltui(["tag", "some-run", "k=v"], uri: down)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderrText.hasPrefix("mltui: TEMPORARILY_UNAVAILABLE: Cannot reach the tracking server \(down)"), result.stderrText)
    }

    /// A server that refuses writes to this user (`mltui serve --read-only`): its 403 is the message.
    func testWriteCommandOnAReadOnlyServer() async throws {
        let f = try await fixture()
        let (experiment, _) = try await cliExperiment("cli-read-only", f)
        let before = try readBack(experiment, f)
        let (server, url) = try MltuiServe.start(["--backend-store-uri", f.database("ours.db"), "--no-serve-artifacts", "--read-only"])
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        let result = try mltui(["delete", "cli-read-only-alpha", "cli-read-only-beta"], uri: url)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderrText.hasPrefix("mltui: PERMISSION_DENIED: "), result.stderrText)
        XCTAssertEqual(result.stderrText.filter { $0 == "\n" }.count, 1, result.stderrText)
        XCTAssertEqual(result.stdoutText, "")
        XCTAssertEqual(try readBack(experiment, f), before)
    }
}

/// Prints an experiment as MLflow reads it from a store: `experiment NAME STAGE TAGS`, then one
/// `run NAME STAGE TAGS` line per run (sorted), tags as sorted KEY=VALUE with line breaks as \n,
/// MLflow's own tags left out except the run name and the note.
private let readExperiment = #"""
import sys
from mlflow import MlflowClient
from mlflow.entities import ViewType
c = MlflowClient(sys.argv[1])
e = c.get_experiment(sys.argv[2])
def tags(d):
    kept = sorted((k, v) for k, v in d.items() if not k.startswith("mlflow.") or k in ("mlflow.runName", "mlflow.note.content"))
    return " ".join(f"{k}={v}".replace("\n", "\\n") for k, v in kept)
print(f"experiment {e.name} {e.lifecycle_stage} {tags(e.tags)}".rstrip())
runs = c.search_runs([e.experiment_id], run_view_type=ViewType.ALL)
for line in sorted(f"run {r.info.run_name} {r.info.lifecycle_stage} {tags(r.data.tags)}".rstrip() for r in runs):
    print(line)
"""#
