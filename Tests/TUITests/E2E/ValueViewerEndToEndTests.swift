import Foundation
import TestSupport
import Tracking
import XCTest

/// Writes, with the real mlflow client, a file store with a run holding a 6,000-character param
/// (MLflow's cap: mlflow.utils.validation.MAX_PARAM_VAL_LENGTH) and a parent with a nested child.
private let valuesStoreScript = #"""
import os, sys
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import mlflow
from mlflow.tracking import MlflowClient

out = os.path.abspath(sys.argv[1])
uri = "file://" + out + "/mlruns"
mlflow.set_tracking_uri(uri)
exp = MlflowClient(uri).create_experiment("long-values", artifact_location="file://" + out + "/artifacts")
mlflow.set_experiment(experiment_id=exp)
head = "BEGIN " + " ".join("w%04d" % i for i in range(990))
prompt = head + " " + "z" * (6000 - len(head) - 1 - len(" END-OF-PROMPT")) + " END-OF-PROMPT"
assert len(prompt) == 6000
with mlflow.start_run(run_name="long-param"):
    mlflow.log_param("prompt", prompt)
with mlflow.start_run(run_name="sweep-parent"):
    with mlflow.start_run(run_name="trial-child", nested=True):
        mlflow.log_param("lr", "0.1")
"""#

private let valuesStore = Locked<String?>(nil)

/// The value viewer, the message history and the details pane's names and section jumps, on
/// the real binary.
extension TUIEndToEndTests {
    /// A store made under a long directory name, so the header has to shorten it.
    func valuesStoreURI() throws -> String {
        if let dir = valuesStore.current { return dir + "/mlruns" }
        let python = ProcessInfo.processInfo.environment["MLFLOW_PYTHON"] ?? RepoLayout.mlflowPythonPath
        let dir = NSTemporaryDirectory() + "mltui-values-e2e-a-deliberately-long-folder-name-for-the-header-\(getpid())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", valuesStoreScript, dir]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SupportError("writing the values store with \(python) failed") }
        valuesStore.withLock { $0 = dir }
        return dir + "/mlruns"
    }

    /// The binary on the values store, its one experiment open.
    func launchOnValuesStore() throws -> TmuxSession {
        let tui = try launch(try valuesStoreURI(), extra: "--experiment long-values")
        try tui.waitFor("Runs · long-values · 3")
        return tui
    }

    /// Types a `:` command line and runs it.
    func runCommand(_ tui: TmuxSession, _ line: String) throws {
        try tui.send(":")
        try tui.type(line)
        try tui.send("Enter")
    }

    func quit(_ tui: TmuxSession) throws {
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    func openRun(_ tui: TmuxSession, _ name: String) throws {
        try tui.send("f")
        try tui.type(name)
        try tui.send("Enter")
        try tui.waitFor("Runs · long-values · 1 of 3")
        try tui.send("Enter")
        try tui.waitFor("Run details · \(name)")
    }

    func testLongParamOpensInFullAndScrollsToItsEnd() throws {
        let tui = try launchOnValuesStore()
        defer { tui.close() }
        var screen = try tui.capture()
        let header = screen.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(header.contains("…") && header.contains("/mlruns"), "the store path is shortened in the middle: \(header)")
        try openRun(tui, "long-param")
        screen = try tui.waitFor("Params (1)")
        let artifacts = screen.split(separator: "\n").first { $0.contains(" artifacts ") }.map(String.init) ?? ""
        XCTAssertTrue(artifacts.hasSuffix("/artifacts") && artifacts.contains("…"), "the artifact URI keeps its end: \(artifacts)")
        XCTAssertFalse(screen.contains("END-OF-PROMPT"))
        try tui.send("1", "Enter")
        screen = try tui.waitFor("Params · prompt · 6000 chars")
        XCTAssertTrue(screen.contains("BEGIN w0000 w0001"), screen)
        XCTAssertFalse(screen.contains("END-OF-PROMPT"), screen)
        try tui.send("G")
        screen = try tui.waitFor("END-OF-PROMPT")
        XCTAssertTrue(screen.contains("(end)"), screen)
        XCTAssertTrue(screen.contains("w0989"), "the last words before the end\n\(screen)")
        try tui.send("y")
        try tui.waitFor("copied Params · prompt (6000 characters)")
        try tui.send("Escape")
        screen = try tui.waitFor("Run details · long-param")
        XCTAssertFalse(screen.contains("END-OF-PROMPT"))
        try quit(tui)
    }

    func testErrorLongerThanTheScreenIsReadableFromTheHistory() throws {
        let tui = try launchOnValuesStore()
        defer { tui.close() }
        let name = String(repeating: "a-theme-name-that-goes-on-", count: 8) + "and-ends-here"
        try runCommand(tui, "theme " + name)
        var screen = try tui.waitFor("(press M for more)")
        XCTAssertFalse(screen.contains("and-ends-here"), screen)
        try tui.send("M")
        screen = try tui.waitFor("Messages (")
        XCTAssertTrue(screen.contains("✗ theme"), screen)
        XCTAssertTrue(screen.contains("and-ends-here' not found"), screen)
        XCTAssertTrue(screen.contains("mono)"), screen)
        try tui.send("Escape")
        try runCommand(tui, "messages")
        try tui.waitFor("Messages (")
        try tui.send("Escape")
        try quit(tui)
    }

    func testDetailsShowNamesAndJumpToTheLinks() throws {
        let tui = try launchOnValuesStore()
        defer { tui.close() }
        try openRun(tui, "trial-child")
        let screen = try tui.waitUntil("the experiment and parent names") { $0.contains("long-values (") && $0.contains("sweep-parent  ") }
        XCTAssertTrue(screen.split(separator: "\n").contains { $0.contains("experiment") && $0.contains("long-values (") }, screen)
        // 4 jumps to the links: the parent's, then Enter follows it.
        try tui.send("4", "Enter")
        try tui.waitUntil("the parent with its child") { $0.contains("Run details · sweep-parent") && $0.contains("Children (1)") }
        // ] from the top: the next section is the children's links.
        try tui.send("]", "Enter")
        try tui.waitFor("Run details · trial-child")
        try quit(tui)
    }
}
