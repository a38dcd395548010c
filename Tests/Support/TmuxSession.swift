import Foundation

/// Drives the real binary in a detached tmux session on a private socket, so it never touches
/// the user's tmux server; `close()` kills that server. Failures are thrown as `SupportError`,
/// which XCTest reports with the message (the last screen, for a timeout).
public final class TmuxSession {
    public let socket: String
    public let name = "e2e"

    public init(command: String, width: Int, height: Int) throws {
        socket = "mltui-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command], capture: false)
    }

    /// Runs tmux through the shell with popen/pclose (Foundation's Process can hang in
    /// waitUntilExit once the tmux server has forked from the client).
    @discardableResult
    private func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        let quoted = (["tmux", "-L", socket, "-f", "/dev/null"] + arguments).map(shellQuote).joined(separator: " ")
        // The server forks from new-session and keeps its stdout: give it none, or reads never end.
        let command = capture ? quoted + " 2>&1" : quoted + " </dev/null >/dev/null 2>&1"
        guard let pipe = popen(command, "r") else { throw SupportError("cannot run tmux (apt-get install tmux)") }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, pipe)
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self)
    }

    private func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// tmux key names: "Enter", "Escape", "Tab", "Space", "C-c" or literal text with `literal`.
    public func send(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }
    public func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }
    public func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }
    public func capture() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }
    /// The screen with its colours and attributes as SGR escape sequences.
    public func captureStyled() throws -> String { try tmux(["capture-pane", "-p", "-e", "-t", name]) }

    /// Polls the screen until `predicate` holds; fails the test with the last screen after `timeout`.
    @discardableResult
    public func waitUntil(_ what: String, timeout: Double = 10, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if predicate(screen) { return screen }
            usleep(50_000)
        }
        throw SupportError("timed out waiting for \(what); screen:\n\(screen)")
    }

    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 10) throws -> String {
        try waitUntil("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    /// The pid of the program running in the pane's shell (the binary under test).
    public func programPID() throws -> pid_t? {
        let shell = try tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8) else { return nil }
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    public func close() { _ = try? tmux(["kill-server"], capture: false) }
}
