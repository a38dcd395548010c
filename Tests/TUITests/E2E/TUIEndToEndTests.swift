import TestSupport
import Foundation
import TestSupport
import Tracking
import XCTest

/// The real binary under tmux against stores written by the real MLflow client (both formats):
/// open, move between panes, filter with the search syntax, tag picker, sort by a metric, open a
/// nested run's parent, compare two runs, resize, quit. Assertions are on capture-pane text.
final class TUIEndToEndTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let storeDirectory = Locked<String?>(nil)

    /// MLTUI_E2E_STORE (a directory holding fs/mlruns and sqlite/mlflow.db) or a store written now
    /// by the real mlflow client (MLFLOW_PYTHON, default the MLflow venv of RepoLayout).
    func store() throws -> String {
        if let dir = Self.storeDirectory.current { return dir }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["MLTUI_E2E_STORE"] { Self.storeDirectory.withLock { $0 = dir }; return dir }
        let python = env["MLFLOW_PYTHON"] ?? RepoLayout.mlflowPythonPath
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("no MLflow python at \(python); set MLFLOW_PYTHON or MLTUI_E2E_STORE"); throw XCTSkip("no MLflow python at \(python); set MLFLOW_PYTHON or MLTUI_E2E_STORE")
        }
        let dir = NSTemporaryDirectory() + "mltui-tui-e2e-\(getpid())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.packageRoot.appendingPathComponent("Tests/TUITests/E2E/make_store.py").path, dir]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "make_store.py failed")
        Self.storeDirectory.withLock { $0 = dir }
        return dir
    }

    func binary() throws -> String {
        let path = Self.packageRoot.appendingPathComponent(".build/debug/mltui").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("build the binary first: swift build --product mltui")
            throw XCTSkip("no binary")
        }
        return path
    }

    func launch(_ uri: String, width: Int = 80, height: Int = 24, refresh: Int = 0, extra: String = "",
                environment: String = "") throws -> TmuxSession {
        // A state directory of its own: nothing remembered from other runs, nothing left in ~.
        let state = NSTemporaryDirectory() + "mltui-tui-e2e-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: state) }
        let command = "TERM=xterm-256color XDG_STATE_HOME='\(state)' \(environment) \(try binary()) --refresh \(refresh) \(extra) '\(uri)'; echo \"EXITED $?\"; sleep 30"
        return try TmuxSession(command: command, width: width, height: height)
    }

    func testSQLiteStore() throws {
        try scenario(uri: "sqlite:///" + (try store()) + "/sqlite/mlflow.db")
    }

    func testFileStore() throws {
        try scenario(uri: (try store()) + "/fs/mlruns")
    }

    /// Lines of the runs table (rows below the column header, right of the experiments pane).
    func runNames(_ screen: String, among names: [String]) -> [String] {
        screen.split(separator: "\n").compactMap { line in names.first { line.contains($0) } }
    }

    func scenario(uri: String) throws {
        let tui = try launch(uri)
        defer { tui.close() }
        // Open: the newest experiment is opened first; move to the experiments pane and open the other.
        try tui.waitFor("● connected")
        try tui.waitFor("Experiments (3)")
        try tui.send("Tab")
        try tui.send("/")
        try tui.type("vision")
        try tui.send("Enter")
        var screen = try tui.waitFor("Runs · vision-模型 · 7")
        XCTAssertTrue(screen.contains("▸vision-模型"))
        XCTAssertTrue(screen.contains("日本語の実験"), "CJK names render")
        // Every run row has its start date at the same column (wide and emoji names stay aligned).
        let dateColumns = screen.split(separator: "\n").filter { $0.contains(" 11-") || $0.contains(" 12-") || $0.contains("-2") && $0.contains(":") }
            .compactMap { line -> Int? in
                guard let r = line.range(of: #"\d\d-\d\d \d\d:\d\d"#, options: .regularExpression) else { return nil }
                return line[..<r.lowerBound].reduce(0) { $0 + (($1.unicodeScalars.first!.value >= 0x1100 && $1.unicodeScalars.first!.properties.isEmojiPresentation) || ("\u{3000}"..."\u{9FFF}").contains($1) ? 2 : 1) }
            }
        XCTAssertEqual(Set(dateColumns).count, 1, "start dates misaligned: \(dateColumns)\n\(screen)")

        // Filter with MLflow's syntax.
        try tui.send("/")
        try tui.type("params.model = 'gpt-4o' and metrics.f1 > 0.5")
        try tui.send("Enter")
        screen = try tui.waitFor("Runs · vision-模型 · 2")
        XCTAssertTrue(screen.contains("child-0-λ"))
        XCTAssertFalse(screen.contains("child-1-λ"))
        XCTAssertTrue(screen.contains("filter: params.model = 'gpt-4o' and metrics.f1 > 0.5"))
        // An invalid filter shows an inline error pointing at the token, and is not applied.
        try tui.send("/")
        try tui.send("C-u")
        try tui.type("metrics.f1 >> 1")
        // The error shows as soon as ">>" is typed: wait for the rest of the text too.
        screen = try tui.waitUntil("the invalid filter typed") { $0.contains("Invalid comparator") && $0.contains("/ metrics.f1 >> 1") }
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let input = lines.firstIndex(where: { $0.hasPrefix("/ metrics.f1 >> 1") }) {
            XCTAssertEqual(lines[input + 1].firstIndex(of: "^").map { lines[input + 1].distance(from: lines[input + 1].startIndex, to: $0) },
                           lines[input].range(of: ">>").map { lines[input].distance(from: lines[input].startIndex, to: $0.lowerBound) })
        } else { XCTFail("no filter bar:\n\(screen)") }
        try tui.send("Escape")
        try tui.send("X")
        try tui.waitFor("Runs · vision-模型 · 7")

        // Tag picker: key, then value, adds a chip; x removes it.
        try tui.send("t")
        try tui.waitFor("Tag keys in all 7 runs")
        try tui.type("stage")
        try tui.send("Enter")
        try tui.waitFor("Values of tag stage")
        try tui.type("prod")
        try tui.send("Enter")
        screen = try tui.waitFor("stage=prod ×")
        try tui.waitFor("Runs · vision-模型 · 2")
        try tui.send("x")
        try tui.waitFor("Runs · vision-模型 · 7")

        // Sort by a metric column, MLflow's order: values DESC, then NaN, then missing.
        try tui.send(":")
        try tui.type("sort metrics.f1 desc")
        try tui.send("Enter")
        screen = try tui.waitUntil("runs sorted by f1") { $0.contains("m:f1 ▼") && !$0.contains("loading") }
        let order = runNames(screen, among: ["日本語", "child-0-λ", "child-1-λ", "crashed", "child-2-λ", "parent-sweep", "still-running"])
        XCTAssertEqual(Array(order.prefix(5)), ["日本語", "child-0-λ", "child-1-λ", "crashed", "child-2-λ"], screen)

        // A nested run's parent: open child-0's details, then its parent.
        try tui.send("f")
        try tui.type("child-0")
        try tui.send("Enter")
        try tui.waitFor("Runs · vision-模型 · 1 of 7")
        try tui.send("Enter")
        try tui.waitFor("Run details · child-0-λ")
        try tui.send("p")
        screen = try tui.waitFor("Run details · parent-sweep")
        try tui.waitFor("Children (3)")
        try tui.send("Escape")
        try tui.send("Escape")
        try tui.waitFor("Runs · vision-模型")
        try tui.send("f")
        try tui.send("Escape")
        try tui.waitFor("Runs · vision-模型 · 7")

        // Mark two runs and compare.
        try tui.send("g")
        try tui.send("Space")
        try tui.send("Space")
        try tui.waitFor("2 marked")
        try tui.send("c")
        screen = try tui.waitFor("Compare 2 runs")
        try tui.waitFor("≠ ")
        try tui.send("Escape")
        try tui.waitFor("Runs · vision-模型")

        // Resize: larger then back to 80x24, with nothing left over from the old layout.
        try tui.resize(width: 140, height: 40)
        // The whole 140x40 layout: header across the width, the frozen pane border on every body row.
        screen = try tui.waitUntil("a 140x40 layout") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return (lines.first.map { $0.count > 100 && $0.hasSuffix("● connected") } ?? false)
                && lines.filter { $0.contains("│") }.count >= 35
        }
        try tui.resize(width: 80, height: 24)
        screen = try tui.waitUntil("an 80-column layout") { s in
            s.split(separator: "\n").first.map { $0.count <= 80 && $0.hasSuffix("● connected") } ?? false
        }
        XCTAssertTrue(screen.contains("Runs · vision-模型"))
        XCTAssertTrue(screen.split(separator: "\n").count <= 24)

        // Help overlay, then quit: the shell runs again after the terminal is restored.
        try tui.send("?")
        try tui.waitFor("Keys (Esc closes)")
        try tui.send("Escape")
        try tui.send("q")
        screen = try tui.waitFor("EXITED 0")
        XCTAssertFalse(screen.contains("Experiments ("), "the alternate screen is gone after quitting")
    }

    // MARK: the fixture stores (demo/, written by scripts/make_fixtures.py with the real MLflow)

    func testFixtureStoreSQLite() throws {
        try fixtureScenario(uri: Self.packageRoot.appendingPathComponent("demo/sqlite/mlflow.db").path)
    }

    func testFixtureStoreFileStore() throws {
        try fixtureScenario(uri: Self.packageRoot.appendingPathComponent("demo/fs/mlruns").path)
    }

    func fixtureScenario(uri: String) throws {
        guard FileManager.default.fileExists(atPath: uri) else { XCTFail("no demo store at \(uri)"); throw XCTSkip("no demo store at \(uri)") }
        let tui = try launch(uri, width: 100, height: 30)
        defer { tui.close() }
        try tui.waitFor("● connected")
        try tui.send("Tab")
        try tui.send("/")
        try tui.type("llm")
        try tui.send("Enter")
        try tui.waitFor("Runs · llm-benchmark · 27")

        try tui.send("/")
        try tui.type("params.model = 'gpt-4o' and metrics.latency_p95 < 1200")
        try tui.send("Enter")
        var screen = try tui.waitFor("Runs · llm-benchmark · 8")
        XCTAssertFalse(screen.contains("gpt-4o-t4"), "latency_p95 1204.1 is filtered out")
        XCTAssertTrue(screen.contains("gpt-4o-live"))
        try tui.send("X")
        try tui.waitFor("Runs · llm-benchmark · 27")

        try tui.send("t")
        try tui.waitFor("Tag keys in all 27 runs")
        try tui.type("stage")
        try tui.send("Enter")
        try tui.waitFor("Values of tag stage")
        try tui.type("prod")
        try tui.send("Enter")
        try tui.waitFor("stage=prod ×")
        screen = try tui.waitFor("Runs · llm-benchmark · 8")
        XCTAssertFalse(screen.contains("mistral-"), "mistral runs are staging")
        try tui.send("x")
        try tui.waitFor("Runs · llm-benchmark · 27")

        try tui.send(":")
        try tui.type("sort metrics.accuracy desc")
        try tui.send("Enter")
        screen = try tui.waitUntil("runs sorted by accuracy") { $0.contains("m:accuracy ▼") && !$0.contains("loading") }
        let order = runNames(screen, among: ["llama-3-t6", "llama-3-t3", "mistral-t1", "llama-3-t2"])
        XCTAssertEqual(order, ["llama-3-t6", "llama-3-t3", "mistral-t1", "llama-3-t2"], screen)

        // Nested runs: a fold's parent is a trial, whose parent is the sweep.
        try tui.send("Tab")
        try tui.send("/")
        try tui.type("日本")
        try tui.send("Enter")
        try tui.waitFor("Runs · 日本語-実験 · 15")
        try tui.send("n")
        // The title and the nested rows are one frame, but a capture may catch the one before.
        screen = try tui.waitUntil("tree with the sweep open") { $0.contains("· tree") && $0.contains("▾ sweep-親") }
        try tui.send("f")
        try tui.type("trial-1-fold-1")
        try tui.send("Enter")
        try tui.waitFor("Runs · 日本語-実験 · 1 of 15")
        try tui.send("Enter")
        try tui.waitFor("Run details · trial-1-fold-1")
        try tui.send("p")
        try tui.waitFor("Run details · trial-1 ")
        try tui.send("p")
        try tui.waitFor("Run details · sweep-親")
        try tui.waitFor("Children (4)")
        try tui.send("Escape")
        try tui.send("Escape")
        try tui.send("Escape")
        try tui.send("f")
        try tui.send("Escape")
        try tui.waitFor("Runs · 日本語-実験 · 15")

        try tui.send("g")
        try tui.send("Space")
        try tui.send("Space")
        try tui.send("c")
        try tui.waitFor("Compare 2 runs")
        try tui.send("Escape")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    // MARK: a real `mlflow server`: the same scenario over REST, and a dead server

    var server: MLflowServer?
    /// The backend store of `startServer`'s server, for starting it again.
    var serverStoreURI: String?

    override func tearDown() {
        server?.stop()  // TERM, then KILL, to the server's own process group
        server = nil
        super.tearDown()
    }

    /// A real `mlflow server` on a free 127.0.0.1 port over a copy of the test's SQLite store
    /// (a server may migrate or write its store; the shared one stays as MLflow wrote it).
    func startServer() throws -> MLflowServer {
        let source = try store() + "/sqlite/mlflow.db"
        let copy = NSTemporaryDirectory() + "mltui-tui-e2e-server-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: source, toPath: copy + "/mlflow.db")
        serverStoreURI = "sqlite:///" + copy + "/mlflow.db"
        let started = try MLflowServer(backendStoreURI: serverStoreURI!)
        server = started
        return started
    }

    func testServerURI() throws {
        let server = try startServer()
        try scenario(uri: server.baseURL.absoluteString)
    }

    func testNothingListeningShowsAnErrorLineAndQQuits() throws {
        let port = try MLflowServer.freePort()
        let tui = try launch("http://127.0.0.1:\(port)", width: 120)
        defer { tui.close() }
        // The UI's retry budget (2 retries, about 5 s) runs out well inside the wait.
        let screen = try tui.waitFor("Cannot reach the tracking server http://127.0.0.1:\(port)", timeout: 30)
        XCTAssertTrue(screen.contains("○ disconnected"), screen)
        XCTAssertFalse(screen.contains("EXITED"), "the UI stays up to show the error\n\(screen)")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    func testServerKilledMidSessionShowsAnErrorLineAndQQuits() throws {
        let server = try startServer()
        // Live refresh every second: the tick itself finds the server gone, no key needed.
        let tui = try launch(server.baseURL.absoluteString, width: 120, refresh: 1, extra: "--experiment 'vision-模型'")
        defer { tui.close() }
        try tui.waitFor("● connected", timeout: 30)
        try tui.waitFor("Experiments (3)")
        try tui.waitFor("Runs · vision-模型 · 7")
        server.stop()
        var screen = try tui.waitFor("○ disconnected", timeout: 30)
        screen = try tui.waitFor("Cannot reach the tracking server \(server.baseURL.absoluteString)", timeout: 30)
        // Keys still work while the server is gone: details of a run fail with an error line too.
        try tui.send("Enter")
        screen = try tui.waitUntil("an error in the details pane", timeout: 30) {
            $0.contains("Run details") && $0.contains("error: Cannot reach the tracking server")
        }
        try tui.send("q")
        screen = try tui.waitFor("EXITED 0")
        XCTAssertFalse(screen.contains("Experiments ("), "the terminal was restored\n\(screen)")
    }

    func testDeadStoreShowsAnErrorNotAHang() throws {
        let tui = try launch("sqlite:////nonexistent/dir/mlflow.db")
        defer { tui.close() }
        let screen = try tui.waitFor("EXITED")
        XCTAssertTrue(screen.contains("mltui:"), screen)
    }

    func testCtrlCQuitsAndSigtermRestoresTheTerminal() throws {
        let uri = "sqlite:///" + (try store()) + "/sqlite/mlflow.db"
        var tui = try launch(uri)
        defer { tui.close() }
        try tui.waitFor("● connected")
        try tui.send("C-c")
        try tui.waitFor("EXITED 0")
        tui.close()
        tui = try launch(uri)
        try tui.waitFor("● connected")
        guard let pid = try tui.programPID() else { return XCTFail("no pid for the binary") }
        kill(pid, SIGTERM)
        let screen = try tui.waitFor("EXITED 143")
        XCTAssertFalse(screen.contains("Experiments ("), "the UI is gone: the terminal was restored\n\(screen)")
    }
}
