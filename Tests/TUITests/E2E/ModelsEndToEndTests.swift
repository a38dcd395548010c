import Foundation
import TestSupport
import XCTest

/// The real binary under tmux on the fixture stores (written by the real MLflow client, with
/// logged models, a registry and datasets in experiment "model-zoo"), at 120×50: from a run to
/// its logged model and its files and back; from a registered model to a version to its source
/// run; a dataset's schema and profile. What the screens show is checked against what MLflow's
/// own client reads from the same store.
final class ModelsEndToEndTests: XCTestCase {
    private func start(_ format: StoreFormat, arguments: String = "--experiment model-zoo") throws -> TmuxSession {
        let uri = try FixtureStores.shared().trackingURI(format)
        let stateHome = NSTemporaryDirectory() + "mltui-models-e2e-\(getpid())-\(format.rawValue)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: stateHome) }
        let binary = try RepoLayout.mltuiBinary().path
        let command = "TERM=xterm-256color LANG=C.UTF-8 XDG_STATE_HOME='\(stateHome)' \(binary) --refresh 0 \(arguments) '\(uri)'; echo \"EXITED $?\"; sleep 30"
        let tui = try TmuxSession(command: command, width: 120, height: 50)
        addTeardownBlock { tui.close() }
        try tui.waitFor("Runs · model-zoo · 4")
        return tui
    }

    /// What MLflow's client reads: a JSON value printed by a short script over the store.
    private func mlflow(_ format: StoreFormat, _ body: String) throws -> Any {
        let uri = try FixtureStores.shared().trackingURI(format)
        let script = """
        import json, os, sys, warnings
        warnings.filterwarnings("ignore")
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        import mlflow
        from mlflow import MlflowClient
        mlflow.set_tracking_uri(sys.argv[1])
        mlflow.set_registry_uri(sys.argv[1])
        client = MlflowClient()
        \(body.split(separator: "\n").joined(separator: "\n"))
        """
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), ["-c", script, uri], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderrText)
        return try JSONSerialization.jsonObject(with: result.stdout)
    }

    private func lines(_ screen: String) -> [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// Moves a model page's cursor (on its first field, line 1) to the first line holding `text`:
    /// the page's lines start on screen row 2, under the header and the title.
    private func moveOnPage(_ tui: TmuxSession, to text: String, from current: Int = 1) throws {
        try move(tui, to: text, firstRow: 2, from: current)
    }

    /// The runs table's rows start on screen row 3, under the title and the column header.
    private func moveInRuns(_ tui: TmuxSession, to name: String) throws {
        try move(tui, to: name, firstRow: 3, from: 0)
    }

    private func move(_ tui: TmuxSession, to text: String, firstRow: Int, from current: Int) throws {
        let screen = try tui.capture()
        guard let row = lines(screen).firstIndex(where: { $0.contains(text) }) else { return XCTFail("no \(text) on\n\(screen)") }
        for _ in 0..<max(0, row - firstRow - current) { try tui.send("j") }
    }

    func testFromARunToItsLoggedModelAndItsFilesAndBack() throws {
        let format = StoreFormat.file
        let expected = try mlflow(format, """
            run = mlflow.search_runs(experiment_names=["model-zoo"], filter_string="attributes.run_name = 'package-scorer'", output_format="list")[0]
            ids = [o.model_id for o in run.outputs.model_outputs]
            model = client.get_logged_model(ids[0])
            print(json.dumps({"ids": ids, "name": model.name, "type": model.model_type, "params": model.params}))
            """) as? [String: Any]
        let ids = try XCTUnwrap(expected?["ids"] as? [String])
        XCTAssertEqual(ids.count, 1)
        let tui = try start(format)
        try moveInRuns(tui, to: "package-scorer")
        try tui.send("Enter")
        try tui.waitFor("Run details · package-scorer")
        try tui.send("5")
        var screen = try tui.waitFor("Logged models (1)")
        XCTAssertTrue(screen.contains("↳ ✓ \(expected!["name"] as! String)"), screen)
        XCTAssertTrue(screen.contains(ids[0]), screen)
        try tui.send("Enter")
        screen = try tui.waitFor("Logged model · \(ids[0])")
        screen = try tui.waitFor("↑ source run")
        XCTAssertTrue(screen.contains("type                           \(expected!["type"] as! String)"), screen)
        XCTAssertTrue(screen.contains("package-scorer"), screen)
        for (key, value) in expected!["params"] as! [String: String] {
            XCTAssertTrue(lines(screen).contains { $0.contains(key) && $0.hasSuffix(value) }, "param \(key)=\(value)\n\(screen)")
        }
        XCTAssertTrue(screen.contains("Registered as (1)") && screen.contains("length-scorer"), screen)
        // The model's files, in the artifact browser.
        try tui.send("a")
        screen = try tui.waitFor("MLmodel")
        XCTAssertTrue(screen.contains("python_env.yaml") && screen.contains("requirements.txt"), screen)
        try tui.send("Escape")
        try tui.waitUntil("the browser closed") { !$0.contains("python_env.yaml") }
        // Back to the run it was opened from.
        try tui.send("Escape")
        screen = try tui.waitFor("Run details · package-scorer")
        XCTAssertFalse(screen.contains("Logged model ·"), screen)
        try tui.send("Escape")
        try tui.waitFor("Runs · model-zoo · 4")
    }

    func testFromARegisteredModelToAVersionToItsSourceRun() throws { try registryScenario(.sqlite) }

    /// The same walk over PostgreSQL read directly (`mltui postgresql://…`): the registry lists
    /// in PostgreSQL's collation (ICU en-US: "empty-model" before "Support Agent ✨"), as
    /// MLflow's client reads it, and no screen shows the URI's password.
    func testRegistryOnPostgreSQL() throws {
        try registryScenario(.postgres)
        let tui = try start(.postgres)
        let screen = try tui.capture()
        XCTAssertFalse(screen.contains(PostgresServer.password), screen)
        XCTAssertTrue(screen.contains("postgresql+psycopg2://mltui:***@127.0.0.1"), screen)
    }

    /// PostgreSQL restarted under an open UI: the dropped connections' "terminating connection"
    /// messages never reach the terminal (libpq would print them to stderr over the screen), and
    /// Ctrl-R reads again on new connections.
    func testPostgreSQLRestartUnderTheUI() throws {
        let tui = try start(.postgres)
        try FixtureStores.postgres().server.restart(mode: "immediate")
        try tui.send("C-r")
        let screen = try tui.waitFor("refreshed")
        XCTAssertTrue(screen.contains("Runs · model-zoo · 4") && screen.contains("● connected"), screen)
        XCTAssertFalse(screen.contains("terminating") || screen.contains("shutdown") || screen.contains("FATAL"), screen)
    }

    private func registryScenario(_ format: StoreFormat) throws {
        let expected = try mlflow(format, """
            names = [m.name for m in client.search_registered_models()]
            v = client.get_model_version_by_alias("review-classifier", "champion")
            run = client.get_run(v.run_id)
            print(json.dumps({"names": names, "version": str(v.version), "stage": v.current_stage, "run": run.info.run_name,
                              "run_id": v.run_id, "versions": sorted(int(x.version) for x in client.search_model_versions("name = 'review-classifier'"))}))
            """) as? [String: Any]
        let names = try XCTUnwrap(expected?["names"] as? [String])
        let tui = try start(format)
        try tui.send(":")
        try tui.type("registry")
        try tui.send("Enter")
        var screen = try tui.waitFor("Model registry · \(names.count) registered models")
        for name in names { XCTAssertTrue(screen.contains(name), "\(name)\n\(screen)") }
        let screenLines = lines(screen)
        let listed: [Int] = names.compactMap { name in screenLines.firstIndex { line in line.contains(" " + name + " ") } }
        XCTAssertEqual(listed, listed.sorted(), "listed in MLflow's order \(names)\n\(screen)")
        // The registry's own grammar in the filter.
        try tui.send("/")
        try tui.type("name LIKE 'review%'")
        try tui.send("Enter")
        screen = try tui.waitFor("Model registry · 1 registered model")
        XCTAssertTrue(screen.contains("@champion=v\(expected!["version"] as! String)"), screen)
        try tui.send("Enter")
        screen = try tui.waitFor("Registered model · review-classifier")
        screen = try tui.waitFor("Versions (\((expected!["versions"] as! [Int]).count))")
        try moveOnPage(tui, to: "↳ v\(expected!["version"] as! String)")
        try tui.send("Enter")
        screen = try tui.waitFor("Model version · review-classifier v\(expected!["version"] as! String)")
        screen = try tui.waitFor("↑ source run")
        XCTAssertTrue(screen.contains("@champion") && screen.contains(expected!["stage"] as! String), screen)
        try moveOnPage(tui, to: "↑ source run")
        try tui.send("Enter")
        screen = try tui.waitFor("Run details · \(expected!["run"] as! String)")
        XCTAssertTrue(screen.contains(expected!["run_id"] as! String), screen)
        // Esc walks back: the version, the registered model, the registry.
        try tui.send("Escape")
        try tui.waitFor("Model version · review-classifier")
        try tui.send("Escape")
        try tui.waitFor("Registered model · review-classifier")
        try tui.send("Escape")
        try tui.waitFor("Model registry")
        // A bad filter is one clear line, a caret under its token, and changes nothing.
        try tui.send("/")
        try tui.send("C-u")
        try tui.type("name > 'a'")
        screen = try tui.waitFor("Invalid comparator '>' for attribute 'name'")
        let rows = lines(screen)
        guard let input = rows.firstIndex(where: { $0.hasPrefix("/ name > 'a'") }) else { return XCTFail(screen) }
        XCTAssertEqual(rows[input + 1].firstIndex(of: "^").map { rows[input + 1].distance(from: rows[input + 1].startIndex, to: $0) }, 7,
                       "the caret points at '>'\n\(screen)")
        try tui.send("Escape")
        screen = try tui.waitFor("filter: name LIKE 'review%'")
        XCTAssertTrue(screen.contains("Model registry · 1 registered model"), screen)
    }

    func testADatasetShowsItsSchemaAndProfile() throws {
        let format = StoreFormat.sqlite
        let expected = try mlflow(format, """
            run = mlflow.search_runs(experiment_names=["model-zoo"], filter_string="attributes.run_name = 'train-clf-large'", output_format="list")[0]
            d = [i.dataset for i in run.inputs.dataset_inputs if i.dataset.name == "reviews-eval"][0]
            print(json.dumps({"digest": d.digest, "schema": json.loads(d.schema)["mlflow_colspec"], "profile": json.loads(d.profile)}))
            """) as? [String: Any]
        let tui = try start(format)
        try moveInRuns(tui, to: "train-clf-large")
        try tui.send("Enter")
        try tui.waitFor("Run details · train-clf-large")
        try tui.send("6")
        var screen = try tui.waitFor("Datasets (3)")
        guard let heading = lines(screen).firstIndex(where: { $0.hasPrefix("Datasets (") }),
              let row = lines(screen).firstIndex(where: { $0.contains("reviews-eval [eval]") }) else { return XCTFail(screen) }
        for _ in 0..<(row - heading - 1) { try tui.send("j") }
        try tui.send("Enter")
        screen = try tui.waitFor("Schema (")
        XCTAssertTrue(screen.contains("digest   \(expected!["digest"] as! String)"), screen)
        for column in expected!["schema"] as! [[String: Any]] {
            let name = column["name"] as! String, type = column["type"] as! String
            XCTAssertTrue(lines(screen).contains { $0.contains(name) && $0.contains(type) && !$0.contains("digest") }, "\(name) \(type)\n\(screen)")
        }
        for (key, value) in expected!["profile"] as! [String: Any] {
            XCTAssertTrue(lines(screen).contains { $0.contains(key) && $0.contains("\(value)") }, "\(key)\n\(screen)")
        }
        try tui.send("Escape")
        try tui.waitUntil("the viewer closed") { !$0.contains("Schema (") }
    }
}
