import Foundation
import TestSupport
import XCTest

/// `mltui doctor`, the real binary in a clean environment: a good store (named by the argument,
/// by MLFLOW_TRACKING_URI, by ./mlflow.db and by the config file), a missing one, a dead server,
/// a server that wants a token (without it and with it), and a dumb terminal, for which the UI
/// itself also refuses to start with one line.
final class DoctorEndToEndTests: XCTestCase {
    private var folder = ""
    private let demo = RepoLayout.root.appendingPathComponent("demo/sqlite/mlflow.db").path

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mltui-doctor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/home", withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    /// A terminal and locale that pass; each test changes what it checks.
    private var environment: [String: String] {
        ["PATH": "/usr/bin:/bin", "HOME": folder + "/home", "TERM": "xterm-256color", "LANG": "C.UTF-8",
         "MLTUI_CACHE_DIR": folder + "/cache"]
    }

    private func doctor(_ arguments: [String], _ environment: [String: String]? = nil, cwd: String? = nil) throws -> (status: Int32, lines: [String]) {
        let result = try CommandRunner.run(try RepoLayout.mltuiBinary(), ["doctor"] + arguments, environment: environment ?? self.environment,
                                           cwd: URL(fileURLWithPath: cwd ?? folder + "/empty"), timeout: 60)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.stderrText, "")
        return (result.status, result.stdoutText.split(separator: "\n").map(String.init))
    }

    private func line(_ lines: [String], _ topic: String) -> String {
        lines.first { $0.dropFirst(5).hasPrefix(topic + " ") } ?? "no \(topic) line in:\n" + lines.joined(separator: "\n")
    }

    func testGoodStoreAndWhereItCameFrom() throws {
        let (status, lines) = try doctor([demo])
        XCTAssertEqual(status, 0, lines.joined(separator: "\n"))
        XCTAssertEqual(line(lines, "store"), "ok   store      sqlite:///\(demo) (from the command line)", "a path naming an SQLite file is that database")
        XCTAssertEqual(line(lines, "kind"), "ok   kind       SQLite database, schema dc11669786a5 (the newest MLflow 3.17.2 knows)")
        XCTAssertEqual(line(lines, "read"), "ok   read       6 experiments (and 1 deleted)")
        XCTAssertTrue(line(lines, "artifacts").hasPrefix("ok   artifacts  local folders (6 experiments): lists (run "), line(lines, "artifacts"))
        XCTAssertEqual(line(lines, "config"), "ok   config     \(folder)/home/.config/mltui/config.toml: none, the built-in settings apply (docs/configuration.md)")
        XCTAssertEqual(line(lines, "run cache"), "ok   run cache  \(folder)/cache (made on the first file store opened)")
        XCTAssertEqual(line(lines, "terminal"), "ok   terminal   TERM=xterm-256color")
        XCTAssertEqual(line(lines, "colours"), "ok   colours    256")
        XCTAssertEqual(line(lines, "utf-8"), "ok   utf-8      LANG=C.UTF-8")
        XCTAssertEqual(lines.last, "all good")

        var fromEnvironment = environment
        fromEnvironment["MLFLOW_TRACKING_URI"] = "sqlite:///" + demo
        XCTAssertEqual(line(try doctor([], fromEnvironment).lines, "store"), "ok   store      sqlite:///\(demo) (from MLFLOW_TRACKING_URI)")

        let cwd = folder + "/project"
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: demo, toPath: cwd + "/mlflow.db")
        XCTAssertEqual(line(try doctor([], cwd: cwd).lines, "store"), "ok   store      sqlite:///\(cwd)/mlflow.db (from ./mlflow.db in the current folder)")

        // The config file's store, where MLflow would find none; its settings summed up.
        try FileManager.default.createDirectory(atPath: folder + "/home/.config/mltui", withIntermediateDirectories: true)
        try "store = \"sqlite:///\(demo)\"\ntheme = \"light\"\n[keys.all]\nsort = \"w\"\n"
            .write(toFile: folder + "/home/.config/mltui/config.toml", atomically: true, encoding: .utf8)
        let configured = try doctor([])
        XCTAssertEqual(configured.status, 0, configured.lines.joined(separator: "\n"))
        XCTAssertEqual(line(configured.lines, "store"), "ok   store      sqlite:///\(demo) (from store in config.toml)")
        XCTAssertEqual(line(configured.lines, "config"), "ok   config     \(folder)/home/.config/mltui/config.toml: theme light, a default store, 1 key rebinding")
    }

    func testMissingStore() throws {
        let none = try doctor([])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(line(none.lines, "store").hasPrefix("FAIL store      No tracking store found: no ./mlflow.db or ./mlruns in \(folder)/empty. Pass a URI"),
                      line(none.lines, "store"))
        XCTAssertEqual(none.lines.last, "1 problem, 0 warnings")

        let typo = try doctor([folder + "/no-such-mlruns"])
        XCTAssertEqual(typo.status, 1)
        XCTAssertEqual(line(typo.lines, "kind"),
                       "FAIL kind       No store at '\(folder)/no-such-mlruns': no such file or folder (a file store is a folder such as ./mlruns, an SQLite store a file: sqlite:///path.db) — check the path, or pass the store's URI (sqlite:///…, postgresql://…, http://…)")
        // A broken config file is a problem of its own, with its line.
        try FileManager.default.createDirectory(atPath: folder + "/home/.config/mltui", withIntermediateDirectories: true)
        try "refresh = fast\n".write(toFile: folder + "/home/.config/mltui/config.toml", atomically: true, encoding: .utf8)
        XCTAssertTrue(line(try doctor([demo]).lines, "config").hasPrefix("FAIL config     \(folder)/home/.config/mltui/config.toml: line 1: 'fast' is not a value"))
    }

    func testDeadServer() throws {
        let port = try MLflowServer.freePort()
        let started = Date()
        let (status, lines) = try doctor(["http://127.0.0.1:\(port)"])
        XCTAssertEqual(status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "no retrying for minutes")
        XCTAssertTrue(line(lines, "server").hasPrefix("FAIL server     http://127.0.0.1:\(port): "), line(lines, "server"))
        XCTAssertTrue(line(lines, "server").hasSuffix("— nothing listens there: start the server (mlflow server, mltui serve) or check the host and port"),
                      line(lines, "server"))
        XCTAssertFalse(lines.contains { $0.contains(" read ") || $0.contains(" artifacts ") }, "nothing after an unreachable server")

        // A password in the URL is never printed.
        let withPassword = try doctor(["http://ana:pa55word@127.0.0.1:\(port)"])
        XCTAssertEqual(line(withPassword.lines, "store"), "ok   store      http://ana:***@127.0.0.1:\(port) (from the command line)")
        XCTAssertFalse(withPassword.lines.joined().contains("pa55word"), withPassword.lines.joined(separator: "\n"))
    }

    func testServerThatWantsAToken() throws {
        setenv("MLTUI_DOCTOR_TEST_TOKEN", "s3cret-token", 1)
        let (server, url) = try MltuiServe.start(["--backend-store-uri", demo, "--auth-token-env", "MLTUI_DOCTOR_TEST_TOKEN", "--read-only"])
        defer { kill(server.processIdentifier, SIGTERM); server.waitUntilExit() }

        let without = try doctor([url])
        XCTAssertEqual(without.status, 1)
        XCTAssertTrue(line(without.lines, "server").hasPrefix("ok   server     answers in "), line(without.lines, "server"))
        XCTAssertTrue(line(without.lines, "auth").hasPrefix("ok   auth       no credentials sent"), line(without.lines, "auth"))
        XCTAssertTrue(line(without.lines, "read").hasSuffix("— the server wants credentials: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"),
                      line(without.lines, "read"))

        var withToken = environment
        withToken["MLFLOW_TRACKING_TOKEN"] = "s3cret-token"
        let with = try doctor([url], withToken)
        XCTAssertEqual(with.status, 0, with.lines.joined(separator: "\n"))
        XCTAssertEqual(line(with.lines, "auth"), "ok   auth       bearer token (MLFLOW_TRACKING_TOKEN)")
        XCTAssertEqual(line(with.lines, "kind"), "ok   kind       MLflow tracking server (REST)")
        XCTAssertEqual(line(with.lines, "read"), "ok   read       6 experiments (and 1 deleted)")
        XCTAssertFalse(with.lines.joined().contains("s3cret"), "the token is never printed")
    }

    func testDumbTerminal() throws {
        var dumb = environment
        dumb["TERM"] = "dumb"
        dumb["LANG"] = "C"
        dumb["NO_COLOR"] = "1"
        let (status, lines) = try doctor([demo], dumb)
        XCTAssertEqual(status, 1)
        XCTAssertEqual(line(lines, "terminal"),
                       "FAIL terminal   TERM=dumb cannot move the cursor, so the UI cannot draw; run it in a terminal such as xterm-256color, or in tmux")
        XCTAssertEqual(line(lines, "utf-8"),
                       "warn utf-8      LANG=C: not UTF-8, so accented and CJK names, Braille charts and box lines come out garbled — export LANG=C.UTF-8")
        var overridden = dumb
        overridden["LC_ALL"] = "POSIX"
        overridden["LANG"] = "C.UTF-8"
        XCTAssertTrue(line(try doctor([demo], overridden).lines, "utf-8").hasSuffix("— export LC_ALL=C.UTF-8"), "the variable that wins is the one to change")
        XCTAssertEqual(lines.last, "1 problem, 1 warning")

        dumb["TERM"] = "xterm-256color"
        XCTAssertEqual(line(try doctor([demo], dumb).lines, "colours"), "ok   colours    off: NO_COLOR is set (unset it for colour)")
        dumb["TERM"] = "no-such-terminal"
        XCTAssertTrue(line(try doctor([demo], dumb).lines, "terminal").hasPrefix("FAIL terminal   TERM=no-such-terminal is not a terminal the UI can draw on"))

        // The UI on that terminal: one line saying why, exit 1, and the screen left alone.
        let binary = try RepoLayout.mltuiBinary().path
        let tui = try TmuxSession(command: "TERM=dumb '\(binary)' --refresh 0 '\(demo)'; echo \"EXITED $?\"; sleep 30", width: 160, height: 10)
        defer { tui.close() }
        let screen = try tui.waitFor("EXITED 1")
        XCTAssertTrue(screen.contains("mltui: TERM=dumb cannot move the cursor, so the UI cannot draw"), screen)
    }
}
