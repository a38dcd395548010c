import Foundation

/// What a finished child process left behind.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
    public init(status: Int32, stdout: Data, stderr: Data, timedOut: Bool) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

public enum CommandRunner {
    /// Runs `executable args` to completion, killing it after `timeout` seconds. Output goes to
    /// temporary files (not pipes) so a large JSON document can never dead-lock the child.
    public static func run(_ executable: URL, _ args: [String], environment: [String: String]? = nil,
                           cwd: URL? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("mltui-cmd-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = args
        if let environment { process.environment = environment }
        if let cwd { process.currentDirectoryURL = cwd }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                Thread.sleep(forTimeInterval: 0.5)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return CommandResult(status: process.terminationStatus, stdout: try Data(contentsOf: outURL),
                             stderr: try Data(contentsOf: errURL), timedOut: timedOut)
    }
}
