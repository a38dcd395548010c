import Foundation

/// A test precondition that is not met (missing binary, missing MLflow, server that will not
/// start). Tests throw it so XCTest fails with the message: nothing here is ever skipped.
public struct SupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where the repository, the built binary and the MLflow interpreter are.
public enum RepoLayout {
    static let testCommand = "bash scripts/test"

    /// The checkout this file was compiled from (Tests/Support/RepoLayout.swift -> repo root).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/mltui`, built by the test command before `swift test`. `MLTUI_BINARY`
    /// overrides it (a release build, or a stand-in used to check the harness itself).
    public static func mltuiBinary() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        let url = env["MLTUI_BINARY"].map { URL(fileURLWithPath: $0) }
            ?? root.appendingPathComponent(".build/debug/mltui")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw SupportError("no mltui binary at \(url.path); run `\(testCommand)` (it builds before testing) or `swift build` first")
        }
        return url
    }

    /// The Python interpreter that has mlflow==3.17.2: `MLTUI_MLFLOW_PYTHON`, else
    /// `<repo>/.venv-mlflow/bin/python`.
    public static func mlflowPython() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        let url = env["MLTUI_MLFLOW_PYTHON"].map { URL(fileURLWithPath: $0) }
            ?? root.appendingPathComponent(".venv-mlflow/bin/python")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw SupportError("no MLflow python at \(url.path); run `\(testCommand)` (it creates .venv-mlflow with mlflow==3.17.2) or set MLTUI_MLFLOW_PYTHON")
        }
        return url
    }

    /// The MLflow interpreter's path without checking it exists, for tests that start it later
    /// and report a missing venv through the failure of that start.
    public static var mlflowPythonPath: String {
        ProcessInfo.processInfo.environment["MLTUI_MLFLOW_PYTHON"]
            ?? root.appendingPathComponent(".venv-mlflow/bin/python").path
    }

    /// The folder holding the MLflow interpreter and its console scripts (`mlflow`, `moto_server`).
    public static var mlflowBinDirectory: String {
        URL(fileURLWithPath: mlflowPythonPath).deletingLastPathComponent().path
    }

    /// The `mlflow` console script beside the interpreter.
    public static func mlflowCLI() throws -> URL {
        let url = try mlflowPython().deletingLastPathComponent().appendingPathComponent("mlflow")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw SupportError("no mlflow command at \(url.path); run `\(testCommand)`")
        }
        return url
    }
}
