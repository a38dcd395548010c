import Foundation
import TestSupport
import Tracking
import XCTest

/// `mltui plot` takes run names as well as ids (the real binary, on a store the real MLflow
/// client wrote): a name shared by several runs is an error listing them, `--experiment`
/// narrows the search.
final class PlotRunNamesCommandTests: XCTestCase {
    /// Two runs named "twin" (experiments alpha and beta) and one "solo" (alpha); prints ids.
    static let script = """
        import sys
        from mlflow import MlflowClient
        from mlflow.entities import Metric
        client = MlflowClient(tracking_uri=sys.argv[1])
        alpha, beta = client.create_experiment("alpha"), client.create_experiment("beta")
        for experiment, name in ((alpha, "twin"), (beta, "twin"), (alpha, "solo")):
            run_id = client.create_run(experiment, run_name=name, start_time=1700000000000).info.run_id
            client.log_batch(run_id, metrics=[Metric("loss", 1.0 / (i + 1), 1700000000000 + i * 1000, i) for i in range(20)])
            client.set_terminated(run_id, "FINISHED", end_time=1700000060000)
            print(run_id)
        """

    static let store = Locked<(uri: String, twinAlpha: String, twinBeta: String, solo: String)?>(nil)
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-plot-names-\(getpid())")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func makeStore() throws -> (uri: String, twinAlpha: String, twinBeta: String, solo: String) {
        if let store = Self.store.current { return store }
        let dir = Self.directory
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let uri = "sqlite:///" + dir.appendingPathComponent("mlflow.db").path
        let made = try CommandRunner.run(try RepoLayout.mlflowPython(), ["-c", Self.script, uri], cwd: dir, timeout: 300)
        XCTAssertEqual(made.status, 0, made.stderrText)
        let ids = made.stdoutText.split(separator: "\n").map(String.init)
        guard ids.count == 3 else { throw XCTSkip("store script printed \(ids)") }
        let store = (uri: uri, twinAlpha: ids[0], twinBeta: ids[1], solo: ids[2])
        Self.store.withLock { $0 = store }
        return store
    }

    func plot(_ args: [String]) throws -> CommandResult {
        try CommandRunner.run(try RepoLayout.mltuiBinary(), ["plot", "--tracking-uri", try makeStore().uri] + args + ["--metric", "loss", "--width", "80"],
                              timeout: 60)
    }

    func legends(_ result: CommandResult) -> [String] {
        result.stdoutText.split(separator: "\n").filter { $0.hasPrefix("━━ ") }.map(String.init)
    }

    func testNamesAndIdsMix() throws {
        let store = try makeStore()
        let result = try plot(["solo", store.twinBeta])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let lines = legends(result)
        XCTAssertEqual(lines.count, 2, result.stdoutText)
        XCTAssertTrue(lines[0].hasPrefix("━━ solo (\(store.solo.prefix(8)))"), result.stdoutText)
        XCTAssertTrue(lines[1].hasPrefix("━━ twin (\(store.twinBeta.prefix(8)))"), result.stdoutText)
    }

    func testSharedNameIsAnErrorListingTheRuns() throws {
        let store = try makeStore()
        let result = try plot(["twin"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("2 runs are named 'twin'"), result.stderrText)
        XCTAssertTrue(result.stderrText.contains(store.twinAlpha) && result.stderrText.contains(store.twinBeta), result.stderrText)
        XCTAssertEqual(result.stdoutText, "")
    }

    func testExperimentNarrowsTheNameSearch() throws {
        let store = try makeStore()
        for experiment in ["beta", "2"] {  // by name, and by id (MLflow's SQL store numbers them from 1 after Default's 0)
            let result = try plot(["twin", "--experiment", experiment])
            XCTAssertEqual(result.status, 0, result.stderrText)
            XCTAssertTrue(legends(result).first?.hasPrefix("━━ twin (\(store.twinBeta.prefix(8)))") ?? false, result.stdoutText)
        }
        let outside = try plot(["solo", "--experiment", "beta"])
        XCTAssertEqual(outside.status, 1)
        XCTAssertTrue(outside.stderrText.contains("no run has the id or name 'solo' in the given experiment"), outside.stderrText)
        let unknown = try plot(["twin", "--experiment", "gamma"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderrText.contains("no experiment has the id or name 'gamma'"), unknown.stderrText)
        let nobody = try plot(["nobody"])
        XCTAssertEqual(nobody.status, 1)
        XCTAssertEqual(nobody.stderrText.split(separator: "\n").count, 1, nobody.stderrText)
        XCTAssertTrue(nobody.stderrText.contains("no run has the id or name 'nobody'"), nobody.stderrText)
    }
}
