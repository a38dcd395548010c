import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// Every edit from the keyboard with the real binary under tmux, on a copy of a store the real
/// MLflow client wrote, then the real MLflow reads the copy back: what the UI wrote is what
/// MLflow sees. One session per store kind; each test its own copy of the store.
extension TUIEndToEndTests {
    func testEditingWritesWhatMLflowReadsBackOnSQLite() throws {
        let folder = try editCopy()
        try FileManager.default.copyItem(atPath: try store() + "/sqlite", toPath: folder + "/sqlite")
        try editScenario(uri: "sqlite:///\(folder)/sqlite/mlflow.db", folder: folder)
    }

    func testEditingWritesWhatMLflowReadsBackOnAFileStore() throws {
        let folder = try editCopy()
        try FileManager.default.copyItem(atPath: try store() + "/fs", toPath: folder + "/fs")
        // The runs' meta.yaml name their artifact folder by absolute path: only the metadata is edited here.
        try editScenario(uri: "\(folder)/fs/mlruns", folder: folder)
    }

    /// On PostgreSQL: the same content written by the real client into a new database of the
    /// shared test cluster.
    func testEditingWritesWhatMLflowReadsBackOnPostgreSQL() throws {
        let folder = try editCopy()
        let server = try FixtureStores.postgres().server
        let database = "tui_edits_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try server.psql("CREATE DATABASE \(database)")
        let uri = server.uri(database: database)
        let python = ProcessInfo.processInfo.environment["MLFLOW_PYTHON"] ?? RepoLayout.mlflowPythonPath
        let made = try CommandRunner.run(URL(fileURLWithPath: python), [
            Self.packageRoot.appendingPathComponent("Tests/TUITests/E2E/make_store.py").path, folder, uri,
        ], timeout: 300)
        XCTAssertEqual(made.status, 0, made.stderrText)
        try editScenario(uri: uri, folder: folder)
    }

    /// Through a real `mlflow server` on a copy of the SQLite store: the REST client's writes.
    func testEditingWritesWhatMLflowReadsBackThroughATrackingServer() throws {
        let folder = try editCopy()
        try FileManager.default.copyItem(atPath: try store() + "/sqlite", toPath: folder + "/sqlite")
        let server = try MLflowServer(backendStoreURI: "sqlite:///\(folder)/sqlite/mlflow.db")
        defer { server.stop() }
        try editScenario(uri: server.url, folder: folder)
    }

    /// A server that refuses writes (`mltui serve --read-only` answers 403): one message, and
    /// the screen and the store stay as they were.
    func testAServerRefusingWritesIsOneMessageAndChangesNothing() throws {
        let folder = try editCopy()
        try FileManager.default.copyItem(atPath: try store() + "/sqlite", toPath: folder + "/sqlite")
        let database = folder + "/sqlite/mlflow.db"
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let port = try MLflowServer.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try binary())
        server.arguments = ["serve", "--backend-store-uri", "sqlite:///" + database, "--host", "127.0.0.1",
                            "--port", String(port), "--quiet", "--no-serve-artifacts", "--read-only"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(30)
        while (try? HTTPAnswer.fetch(URLRequest(url: URL(string: url + "/health")!)))?.status != 200 {
            guard Date() < deadline, server.isRunning else { return XCTFail("mltui serve did not answer /health") }
            usleep(100_000)
        }
        let tui = try launch(url, width: 120, height: 30, extra: "--experiment vision-模型")
        defer { tui.close() }
        try tui.waitFor("Runs · vision-模型 · 7")
        let shown = try tui.capture()
        try tui.send("T")
        try tui.type("team=x")
        try tui.send("Enter")
        let screen = try tui.waitFor("PERMISSION_DENIED")
        XCTAssertTrue(screen.contains("could not set tag team=x on run "), screen)
        // The table as it was (times aside, which move on): the same runs in the same order.
        let names = ["still-running", "crashed 🚀", "日本語の実験-run", "child-2-λ", "child-1-λ", "child-0-λ", "parent-sweep"]
        XCTAssertEqual(runNames(screen.split(separator: "\n").dropLast(2).joined(separator: "\n"), among: names), names)
        XCTAssertEqual(runNames(shown, among: names), names)
        XCTAssertTrue(screen.contains("Runs · vision-模型 · 7"), screen)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: database)), before, "nothing was written")
    }

    /// `--read-only`: every edit key says so and the store's bytes stay as they were.
    func testReadOnlyTurnsEditsOffAndWritesNothing() throws {
        let folder = try editCopy()
        try FileManager.default.copyItem(atPath: try store() + "/sqlite", toPath: folder + "/sqlite")
        let database = folder + "/sqlite/mlflow.db"
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let tui = try launch("sqlite:///" + database, width: 120, height: 30, extra: "--read-only --experiment vision-模型")
        defer { tui.close() }
        try tui.waitFor("Runs · vision-模型")
        try tui.waitFor("read-only")
        for key in ["T", "u", "r", "e", "D", "R"] {
            try tui.send(key)
            try tui.waitFor("read-only (--read-only): edits are off")
            // Esc (focus experiments) clears the message, Tab comes back for the next key.
            try tui.send("Escape")
            try tui.send("Tab")
            try tui.waitUntil("the message cleared") { !$0.contains("edits are off") }
        }
        try tui.send("q")
        try tui.waitFor("EXITED 0")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: database)), before, "nothing was written")
    }

    private func editCopy() throws -> String {
        let folder = NSTemporaryDirectory() + "mltui-edit-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    private func editScenario(uri: String, folder: String) throws {
        // The "editor": writes a Markdown description into the file it is given, as a user would.
        let editor = folder + "/editor.sh"
        try "#!/bin/sh\nprintf '# Plan\\n\\nThe **best** run so far.\\n\\n- more data\\n' > \"$1\"\n"
            .write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        let tui = try launch(uri, width: 120, height: 30, extra: "--experiment vision-模型", environment: "EDITOR='\(editor)'")
        defer { tui.close() }
        try tui.waitFor("Runs · vision-模型 · 7")

        // Tags on the selected run: set one (Tab completes the key), remove one from the picker.
        try tui.send("f")
        try tui.type("日本語")
        try tui.send("Enter")
        try tui.send("T")
        try tui.type("tea")
        try tui.send("Tab")
        try tui.waitFor("KEY=VALUE: team=")
        try tui.type("nlp")
        try tui.send("Enter")
        try tui.waitFor("set tag team=nlp on run 日本語の実験-run")
        try tui.send("u")
        try tui.waitFor("Remove a tag from run 日本語の実験-run")
        try tui.type("stage")
        try tui.send("Enter")
        try tui.waitFor("removed tag stage from run 日本語の実験-run")
        // A key MLflow refuses: one message, nothing written.
        try tui.send("T")
        try tui.type("bad key!=x")
        try tui.send("Enter")
        try tui.waitFor("could not set tag bad key!=x on run 日本語の実験-run: INVALID_PARAMETER_VALUE")

        // The description, through $EDITOR, then shown as Markdown in details.
        try tui.send("e")
        try tui.waitFor("saved the description of 日本語の実験-run")
        try tui.send("Enter")
        let details = try tui.waitFor("The best run so far.")
        XCTAssertTrue(details.contains("• more data"), details)
        // (Not any "**": the title shows a PostgreSQL URI's password as ***.)
        XCTAssertFalse(details.contains("**best**"), details)
        try tui.send("Escape")
        try tui.send("r")
        try tui.send("C-u")
        try tui.type("jp-run")
        try tui.send("Enter")
        try tui.waitFor("renamed run 日本語の実験-run to jp-run")

        // Delete, then show deleted runs and restore.
        try tui.send("f")
        try tui.send("C-u")
        try tui.type("crashed")
        try tui.send("Enter")
        try tui.send("D")
        try tui.waitFor("Delete run crashed 🚀? y/N")
        try tui.send("y")
        try tui.waitFor("deleted run crashed 🚀")
        // Its row (✗, a failed run) leaves the table once the reload answers.
        try tui.waitUntil("the deleted run's row gone") { !$0.contains("✗ crashed 🚀") }
        try tui.send("d")
        try tui.waitFor("showing deleted runs")
        try tui.waitFor("✗ crashed 🚀")  // its row, back once the deleted runs are loaded
        try tui.send("R")
        try tui.waitFor("Restore run crashed 🚀? y/N")
        try tui.send("y")
        try tui.waitFor("restored run crashed 🚀")

        // The experiment: rename and tag it in the experiments pane.
        try tui.send("Tab")
        try tui.send("r")
        try tui.send("C-u")
        try tui.type("vision-v2")
        try tui.send("Enter")
        try tui.waitFor("renamed the experiment to vision-v2")
        try tui.waitFor("▸vision-v2")
        try tui.send("T")
        try tui.type("owner=ml")
        try tui.send("Enter")
        try tui.waitFor("set experiment tag owner=ml")
        try tui.send("T")
        try tui.type("gone=x")
        try tui.send("Enter")
        try tui.waitFor("set experiment tag gone=x")
        try tui.send("u")
        try tui.type("gone")
        try tui.send("Enter")
        try tui.waitFor("removed experiment tag gone")
        // Delete the experiment (its runs go with it), show deleted ones, jump back and restore.
        try tui.send("D")
        try tui.waitFor("Delete experiment vision-v2")
        try tui.send("y")
        try tui.waitFor("deleted experiment vision-v2")
        try tui.send("d")
        try tui.waitFor("showing deleted experiments")
        try tui.send("/")
        try tui.type("vision-v2")
        try tui.send("Enter")  // opens it in the runs pane
        try tui.send("Tab")
        try tui.send("R")
        try tui.waitFor("Restore experiment vision-v2")
        try tui.send("y")
        try tui.waitFor("restored experiment vision-v2")
        try tui.send("q")
        try tui.waitFor("EXITED 0")

        let read = try readBack(uri)
        XCTAssertEqual(read["experiment"] as? String, "vision-v2")
        XCTAssertEqual(read["experiment_tags"] as? [String: String], ["owner": "ml"])
        XCTAssertEqual(read["experiment_lifecycle"] as? String, "active", "deleted, then restored")
        let runs = try XCTUnwrap(read["runs"] as? [String: [String: Any]])
        let jp = try XCTUnwrap(runs["jp-run"], "renamed: \(runs.keys.sorted())")
        XCTAssertEqual(jp["tags"] as? [String: String], ["team": "nlp", "mlflow.runName": "jp-run",
                                                         "mlflow.note.content": "# Plan\n\nThe **best** run so far.\n\n- more data"])
        XCTAssertEqual((runs["crashed 🚀"]?["lifecycle"]) as? String, "active", "deleted, then restored")
        XCTAssertEqual(runs.count, 7)
    }

    /// The real MLflow reads the store: the experiment, its tags, and per run name its lifecycle
    /// and user tags (with the name and description tags).
    private func readBack(_ uri: String) throws -> [String: Any] {
        let script = """
        import json, os, sys
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        from mlflow.tracking import MlflowClient
        from mlflow.entities import ViewType
        uri = sys.argv[1]
        client = MlflowClient(uri if "://" in uri else "file://" + uri)
        exp = [e for e in client.search_experiments(view_type=ViewType.ALL) if e.name.startswith("vision")][0]
        keep = lambda k: not k.startswith("mlflow.") or k in ("mlflow.runName", "mlflow.note.content")
        runs = client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL)
        print(json.dumps({"experiment": exp.name, "experiment_lifecycle": exp.lifecycle_stage, "experiment_tags": exp.tags,
                          "runs": {r.info.run_name: {"lifecycle": r.info.lifecycle_stage,
                                                    "tags": {k: v for k, v in r.data.tags.items() if keep(k)}} for r in runs}}))
        """
        let python = ProcessInfo.processInfo.environment["MLFLOW_PYTHON"] ?? RepoLayout.mlflowPythonPath
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, uri]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "MLflow could not read the store back")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

