import Foundation
import TestSupport
import XCTest

/// `scripts/install` into a temporary prefix, then the installed binary as a user on a machine
/// without Swift would run it: no `libswift*` or Foundation library in `ldd`, a `PATH` and an
/// environment without the toolchain, `--version`, a completion in bash, zsh and fish
/// (experiment names read from the store on the command line), the man page through `man -l`,
/// and the demo store under tmux.
final class InstallEndToEndTests: XCTestCase {
    func testInstalledBinaryRunsWithoutTheToolchain() throws {
        let root = RepoLayout.root
        let prefix = NSTemporaryDirectory() + "mltui-install-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        var environment = ProcessInfo.processInfo.environment
        environment["PREFIX"] = prefix
        let installed = try CommandRunner.run(URL(fileURLWithPath: "/bin/bash"), [root.appendingPathComponent("scripts/install").path],
                                              environment: environment, timeout: 1800)
        XCTAssertEqual(installed.status, 0, "\(installed.stdoutText.suffix(3000))\n\(installed.stderrText.suffix(3000))")
        let binary = prefix + "/bin/mltui"
        for file in ["bin/mltui", "share/man/man1/mltui.1", "share/bash-completion/completions/mltui", "share/zsh/site-functions/_mltui",
                     "share/fish/vendor_completions.d/mltui.fish", "share/mltui/themes/dark.toml"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/" + file), file)
        }

        // Linked against the system's libraries only, and stripped.
        let ldd = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/ldd"), [binary], timeout: 30)
        XCTAssertEqual(ldd.status, 0, ldd.stderrText)
        XCTAssertFalse(ldd.stdoutText.contains("libswift"), ldd.stdoutText)
        XCTAssertFalse(ldd.stdoutText.contains("libFoundation"), ldd.stdoutText)
        XCTAssertFalse(ldd.stdoutText.contains("not found"), ldd.stdoutText)
        XCTAssertTrue(ldd.stdoutText.contains("libncursesw") && ldd.stdoutText.contains("libsqlite3"), ldd.stdoutText)
        let symbols = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/file"), [binary], timeout: 30)
        XCTAssertTrue(symbols.stdoutText.contains("stripped") && !symbols.stdoutText.contains("not stripped"), symbols.stdoutText)

        // A clean environment: no toolchain on PATH or in the loader's path.
        let demo = prefix + "/demo.db"
        try FileManager.default.copyItem(atPath: root.appendingPathComponent("demo/sqlite/mlflow.db").path, toPath: demo)
        let clean = ["PATH": "/usr/bin:/bin", "HOME": prefix, "LANG": "C.UTF-8"]
        func run(_ script: String) throws -> CommandResult {
            try CommandRunner.run(URL(fileURLWithPath: "/bin/bash"), ["--noprofile", "--norc", "-c", script], environment: clean, timeout: 60)
        }
        let version = try run("'\(binary)' --version")
        XCTAssertEqual(version.stdoutText, "mltui 0.17.0\n", version.stderrText)

        // bash completes `--experiment-name` with the store's experiment names.
        let completion = try run("""
            source '\(prefix)/share/bash-completion/completions/mltui'
            PATH='\(prefix)/bin':$PATH
            COMP_WORDS=(mltui runs --tracking-uri '\(demo)' --experiment-name l)
            COMP_CWORD=5
            COMP_LINE="${COMP_WORDS[*]}"
            COMP_POINT=${#COMP_LINE}
            _mltui mltui l --experiment-name
            printf '%s\\n' "${COMPREPLY[@]}"
            """)
        XCTAssertEqual(completion.status, 0, completion.stderrText)
        XCTAssertEqual(completion.stdoutText.split(separator: "\n").map(String.init), ["llm-benchmark"], completion.stderrText)

        // zsh (compinit finding _mltui on fpath) and fish complete the same, typed at their
        // prompts under tmux: their completion functions read the interactive command line.
        // Unquoted: zsh hands a completion function the words as typed, quotes and all.
        let line = "mltui runs --tracking-uri \(demo) --experiment-name l"
        let shells = [
            ("zsh -f", "fpath=('\(prefix)/share/zsh/site-functions' $fpath); autoload -U compinit; compinit -u"),
            ("fish --no-config", "source '\(prefix)/share/fish/vendor_completions.d/mltui.fish'"),
        ]
        for (shell, setup) in shells {
            let session = try TmuxSession(command: "env -i PATH='\(prefix)/bin':/usr/bin:/bin HOME='\(prefix)' LANG=C.UTF-8 TERM=xterm-256color \(shell)",
                                          width: 200, height: 10)
            defer { session.close() }
            // Typed once the shell shows its prompt, and the line once the setup has run.
            _ = try session.waitUntil("\(shell)'s prompt") { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            try session.type(setup)
            try session.send("Enter")
            _ = try session.waitUntil("\(shell) after the setup") { $0.split(separator: "\n").count >= 2 }
            try session.type(line)
            try session.send("Tab")
            let screen = try session.waitFor("--experiment-name llm-benchmark", timeout: 20)
            XCTAssertFalse(screen.contains("rror"), "\(shell):\n\(screen)")
        }

        let manual = try run("MANPAGER=cat MANWIDTH=100 man -l '\(prefix)/share/man/man1/mltui.1'")
        XCTAssertEqual(manual.status, 0, manual.stderrText)
        XCTAssertTrue(manual.stdoutText.contains("terminal explorer for MLflow"), manual.stdoutText.prefix(2000).description)
        XCTAssertTrue(manual.stdoutText.contains("--tracking-uri"), manual.stdoutText.prefix(2000).description)

        // The UI itself, on the demo store.
        let state = prefix + "/state"
        let tui = try TmuxSession(command: "env -i PATH=/usr/bin:/bin HOME='\(prefix)' LANG=C.UTF-8 TERM=xterm-256color "
                                    + "XDG_STATE_HOME='\(state)' '\(binary)' --refresh 0 '\(demo)'; echo \"EXITED $?\"; sleep 30",
                                  width: 120, height: 30)
        defer { tui.close() }
        let screen = try tui.waitFor("model-zoo", timeout: 20)
        XCTAssertTrue(screen.contains("llm-benchmark"), screen)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
