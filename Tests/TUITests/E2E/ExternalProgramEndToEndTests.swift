import Foundation
import TestSupport
import XCTest

/// `o` and `e` in the artifact browser with the real `less` and `vim` under tmux: the program
/// owns the terminal while it runs, and the browser comes back as it was.
extension TUIEndToEndTests {
    func testPagerAndEditorOwnTheTerminalAndTheBrowserComesBack() throws {
        for program in ["less", "vim"] where findExecutable(program) == nil {
            throw XCTSkip("\(program) is not installed (apt-get install -y less vim-tiny)")
        }
        // PAGER unset: the fallback, less. EDITOR=vim: a user's editor, run through sh.
        let tui = try launchOnNotes("env -u PAGER -u VISUAL EDITOR=vim")
        defer { tui.close() }

        try tui.send("o")
        var screen = try tui.waitUntil("less showing the file", timeout: 15) {
            $0.contains("notes line two") && !$0.contains("Artifacts ·") && $0.contains("(END)")
        }
        XCTAssertTrue(screen.hasPrefix("notes line one\n"), "less has the whole screen:\n\(screen)")
        try tui.send("q")
        try browserIsBackOnNotes(tui)

        try tui.send("e")
        screen = try tui.waitUntil("vim editing the copy", timeout: 15) {
            $0.contains("notes line two") && !$0.contains("Artifacts ·") && $0.contains("notes.txt\" 2L, 30B")
        }
        XCTAssertTrue(screen.split(separator: "\n").contains("~"), "vim's empty-line markers:\n\(screen)")
        try tui.send("Escape")
        try tui.type(":q")
        try tui.send("Enter")
        try browserIsBackOnNotes(tui)

        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// An editor that asks the terminal something (as vim asks for its version, ESC [ > c) and
    /// exits before reading the reply: the reply must not reach the UI as keys (its ESC would
    /// close the browser, the rest would move the focus). Keys are sent only once the UI says
    /// the editor has exited, so none of them is pending while the program runs.
    func testAReplyLeftForTheProgramIsNotReadAsKeys() throws {
        let script = NSTemporaryDirectory() + "mltui-query-\(getpid()).py"
        try """
        import array, fcntl, os, sys, termios, time, tty
        tty.setcbreak(0)  # raw enough for the reply to be countable, as an editor sets it
        os.write(1, b"\\x1b[>c")
        pending = array.array("i", [0])
        for _ in range(500):  # until the reply is queued on the terminal, unread (at most 5 s)
            fcntl.ioctl(0, termios.FIONREAD, pending)
            if pending[0] > 0:
                break
            time.sleep(0.01)
        sys.exit(3)  # a status the UI reports: the sign that it has the terminal back
        """.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let tui = try launchOnNotes("env -u VISUAL EDITOR='python3 \(script)'")
        defer { tui.close() }
        try tui.send("e")
        try tui.waitFor("exited with status 3", timeout: 15)
        try browserIsBackOnNotes(tui)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// The terminal hangs up while less has it (tmux killed): the kernel's SIGHUP reaches less's
    /// group only, and mltui must still end rather than wait on a dead terminal.
    func testAHangupWhileThePagerRunsEndsTheUI() throws {
        let tui = try launchOnNotes("env -u PAGER")
        defer { tui.close() }
        let pid = try XCTUnwrap(try tui.programPID(), "no mltui under tmux")
        try tui.send("o")
        try tui.waitUntil("less showing the file", timeout: 15) { $0.contains("(END)") }
        tui.close()
        var alive = true
        for _ in 0..<100 where alive {  // up to 10 s
            alive = kill(pid, 0) == 0 && !((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") ?? true)
            if alive { usleep(100_000) }
        }
        if alive { kill(pid, SIGKILL) }
        XCTAssertFalse(alive, "mltui (pid \(pid)) outlived its terminal")
    }

    /// The binary under tmux (`environment` prefixes it), its artifact browser open on
    /// parent-sweep with notes.txt, the second file, previewed.
    private func launchOnNotes(_ environment: String) throws -> TmuxSession {
        let uri = (try store()) + "/fs/mlruns"
        let command = "\(environment) TERM=xterm-256color \(try binary()) --refresh 0 --experiment 'vision-模型' '\(uri)';"
            + " echo \"EXITED $?\"; sleep 30"
        let tui = try TmuxSession(command: command, width: 100, height: 30)
        do {
            try tui.waitFor("parent-sweep", timeout: 30)
            try tui.send("f")
            try tui.type("parent-sweep")
            try tui.send("Enter")
            try tui.waitFor("1 of 7")
            try tui.send("a")
            try tui.waitFor("notes.txt", timeout: 15)
            // The second file: the cursor starts on a-first.txt.
            try tui.send("j")
            try tui.send("Enter")
            try tui.waitFor("1 │ notes line one", timeout: 15)
        } catch {
            tui.close()
            throw error
        }
        return tui
    }

    /// The browser is open on notes.txt, and the next key still goes to it: nothing the program
    /// left on the terminal (replies to its queries) was read as keys by the UI.
    private func browserIsBackOnNotes(_ tui: TmuxSession) throws {
        try tui.waitUntil("the browser back on notes.txt", timeout: 15) {
            $0.contains("Artifacts ·") && $0.contains("1 │ notes line one") && $0.contains("2 │ notes line two")
        }
        try tui.send("k")
        try tui.send("Enter")
        try tui.waitFor("1 │ first file")
        try tui.send("j")
        try tui.send("Enter")
        try tui.waitFor("1 │ notes line one")
    }

    private func findExecutable(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
