import Foundation
import TestSupport
import XCTest

/// `mltui watch` while the real MLflow client logs (watch_scenario.py): on a file store, an
/// SQLite store and through a real `mlflow server`, each alert kind is printed once, at the
/// right run: the run that had failed before the watch started, a metric gone NaN, a failed
/// run, a killed run, a running run gone silent; the healthy runs raise nothing.
/// `--fail-on-alert` exits 1 at the first alert, and only then.
final class WatchCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-watch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    private func scenario(_ uri: String, _ phase: String) throws {
        let script = RepoLayout.root.appendingPathComponent("Tests/RESTTests/watch_scenario.py").path
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), [script, uri, phase],
                                           environment: ProcessInfo.processInfo.environment.merging(["MLFLOW_ALLOW_FILE_STORE": "true"]) { $1 },
                                           timeout: 180)
        XCTAssertEqual(result.status, 0, "watch_scenario.py \(phase): \(result.stderrText.suffix(3000))")
    }

    /// `mltui watch ARGUMENTS` in the background, its stdout in a file.
    private func startWatch(_ arguments: [String]) throws -> (Process, URL) {
        let output = folder.appendingPathComponent("watch-\(UUID().uuidString.prefix(6)).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try RepoLayout.mltuiBinary()
        process.arguments = ["watch"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    private func alerts(_ output: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: output, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    private func watchWhileLogging(_ uri: String) throws {
        try scenario(uri, "before")
        let (watch, output) = try startWatch(["--tracking-uri", uri, "--experiment", "watched", "--interval", "0.3",
                                              "--since", "600", "--stall-factor", "5", "--stall-minimum", "5", "--format", "json"])
        defer {
            if watch.isRunning { kill(watch.processIdentifier, SIGTERM) }
            watch.waitUntilExit()
        }
        try scenario(uri, "during")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, watch.isRunning, try alerts(output).count < 6 { Thread.sleep(forTimeInterval: 0.2) }
        // A few more reads: nothing is raised twice.
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(watch.isRunning, "watch keeps going without --fail-on-alert")
        let seen = try alerts(output)
        let summary = seen.map { "\($0["kind"] as? String ?? "?") \($0["run_name"] as? String ?? "?")" }
        let text = try String(contentsOf: output, encoding: .utf8)
        XCTAssertEqual(summary.sorted(), ["failed crashes", "failed old-crash", "inf diverges", "killed killed", "nan diverges", "stalled stalls"], text)
        XCTAssertEqual(seen.filter { ["nan", "inf"].contains($0["kind"] as? String ?? "") }.compactMap { $0["message"] as? String }.sorted(),
                       ["grad_norm is +inf at step 4", "loss is NaN at step 4"], text)
        XCTAssertEqual(seen.first { $0["message"] as? String == "loss is NaN at step 4" }?["metric"] as? String, "loss")
        XCTAssertEqual(seen.first { $0["kind"] as? String == "stalled" }?["experiment_name"] as? String, "watched")
        XCTAssertTrue((seen.first { $0["kind"] as? String == "stalled" }?["message"] as? String ?? "").hasPrefix("no metric logged for "))
    }

    func testFileStore() throws {
        try watchWhileLogging("file://" + folder.appendingPathComponent("mlruns").path)
    }

    func testSQLiteStore() throws {
        try watchWhileLogging("sqlite:///" + folder.appendingPathComponent("mlflow.db").path)
    }

    func testThroughAnMLflowServer() throws {
        let server = try MLflowServer(backendStoreURI: "sqlite:///" + folder.appendingPathComponent("served.db").path)
        defer { server.stop() }
        try watchWhileLogging(server.url)
    }

    func testFailOnAlertExitsAtTheFirstAlertOnly() throws {
        let uri = "sqlite:///" + folder.appendingPathComponent("mlflow.db").path
        try scenario(uri, "before")
        // The run that failed before the start counts: exit 1 with its line.
        let failing = try CommandRunner.run(try RepoLayout.mltuiBinary(), ["watch", "--tracking-uri", uri, "--experiment", "watched",
                                                                          "--interval", "0.3", "--since", "600", "--fail-on-alert"], timeout: 60)
        XCTAssertEqual(failing.status, 1, failing.stderrText)
        let lines = failing.stdoutText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, failing.stdoutText)
        XCTAssertTrue(lines.first?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ failed  watched old-crash [0-9a-f]{32} the run ended FAILED$"#,
                                         options: .regularExpression) != nil, failing.stdoutText)
        // Ended before --since 0: nothing to say, so it keeps watching.
        let (quiet, output) = try startWatch(["--tracking-uri", uri, "--experiment", "watched", "--interval", "0.3", "--since", "0", "--fail-on-alert"])
        defer {
            if quiet.isRunning { kill(quiet.processIdentifier, SIGTERM) }
            quiet.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 2)
        XCTAssertTrue(quiet.isRunning)
        XCTAssertEqual(try String(contentsOf: output, encoding: .utf8), "")
        // An experiment that does not exist, or a store that is not there: one line, exit 1.
        let unknown = try CommandRunner.run(try RepoLayout.mltuiBinary(), ["watch", "--tracking-uri", uri, "--experiment", "nope"], timeout: 60)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderrText, "mltui: RESOURCE_DOES_NOT_EXIST: no experiment has the id or name 'nope'\n")
    }
}
