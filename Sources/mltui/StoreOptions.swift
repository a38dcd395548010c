import ArgumentParser
import Backends
import Foundation
import Tracking
import TUI

/// `--tracking-uri`, shared by every scripting command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Tracking URI (default: MLFLOW_TRACKING_URI, then ./mlruns or ./mlflow.db, then store in config.toml).")
    var trackingURI: String?

    func open() throws -> any TrackingStore { try StoreOptions.open(trackingURI) }

    static func open(_ argument: String?, config: UserConfig? = nil,
                     warn: @escaping @Sendable (String) -> Void = Diagnostics.warn) throws -> any TrackingStore {
        do {
            return try openStore(try resolve(argument, config: config), warn: warn)
        } catch {
            throw CLIError(error.asMLflowError)
        }
    }

    /// The store a command names: the argument, MLFLOW_TRACKING_URI, ./mlruns or ./mlflow.db,
    /// then the config file's `store` (`config` when the caller read it already, else the file
    /// is read only when it comes to that).
    static func resolve(_ argument: String?, config: UserConfig? = nil) throws -> TrackingURI {
        try resolveTrackingURI(argument, environment: ProcessInfo.processInfo.environment,
                               cwd: FileManager.default.currentDirectoryPath,
                               configured: { try (config ?? ConfigFile.load()).store }).uri
    }
}

/// The user's config file (docs/configuration.md); a wrong one ends the command with its line.
enum ConfigFile {
    static func load() throws -> UserConfig {
        do { return try UserConfig.load(environment: ProcessInfo.processInfo.environment) } catch {
            throw CLIError(MLflowError(.invalidParameterValue, "\(error)"))
        }
    }
}

enum Diagnostics {
    /// Warnings go to stderr as they happen, so they never mix into JSON or CSV output.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("mltui: warning: \(message)\n".utf8))
    }
}

/// Warnings held back while the terminal UI owns the screen, printed once it has been restored.
final class WarningLog: Sendable {
    private let held = Locked<[String]>([])

    func append(_ line: String) { held.withLock { $0.append(line) } }

    func report() {
        let lines = held.current
        for line in lines.prefix(20) { Diagnostics.warn(line) }
        if lines.count > 20 { Diagnostics.warn("\(lines.count - 20) more warnings not shown") }
    }
}

/// A failure already reported as MLflow reports it; ends the command with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var error: MLflowError
    init(_ error: MLflowError) { self.error = error }
    var description: String { "\(error.code.rawValue): \(error.message)" }
}
