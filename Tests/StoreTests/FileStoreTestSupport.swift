import TestSupport
import Tracking
import Foundation
import XCTest

/// Runs the real MLflow (Python venv) for the file store tests: to write stores and to ask
/// MLflow for its own answers over them.
enum MLflowPython {
    /// The venv with MLflow 3.17.2 (`.venv-mlflow`, docs/testing.md); MLTUI_PYTHON overrides it.
    static var executable: String {
        ProcessInfo.processInfo.environment["MLTUI_PYTHON"] ?? RepoLayout.mlflowPythonPath
    }

    /// Tests/StoreTests/Scripts, found from this source file.
    static var scripts: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
    }

    /// The package root (two levels above Tests/StoreTests).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs a script; returns stdout, failing the test with stderr on a non-zero exit.
    static func run(_ script: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_ALLOW_FILE_STORE"] = "true"
        environment.removeValue(forKey: "MLFLOW_TRACKING_URI")
        process.environment = environment
        // stderr goes to a file so that a chatty script cannot block on a full pipe.
        let errPath = NSTemporaryDirectory() + "mltui-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        if process.terminationStatus != 0 {
            throw ScriptError(message: "\(script) \(arguments.first ?? "") failed: \(String(decoding: errData, as: UTF8.self).suffix(2000))")
        }
        return data
    }

    static func json(_ script: String, _ arguments: [String]) throws -> Any {
        try JSONSerialization.jsonObject(with: try run(script, arguments), options: [.fragmentsAllowed])
    }
}

struct ScriptError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Collects store warnings (the `warn` callback) for assertions.
final class StoreWarnings: Sendable {
    private let lines = Locked<[String]>([])
    var messages: [String] { lines.current }
    func append(_ message: String) { lines.withLock { $0.append(message) } }
    var sink: @Sendable (String) -> Void { { [self] in self.append($0) } }
}

func temporaryDirectory(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "mltui-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
