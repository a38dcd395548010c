import Foundation

/// The real MLflow's view of a tracking store: `scripts/mlflow_dump_store.py` reads it through
/// `MlflowClient` directly (no mltui code) and prints canonical JSON with generated ids, times,
/// generated run names and the store's root replaced by placeholders, so two stores written by
/// the same operations dump equal.
public enum StoreDump {
    /// `maskPrefixes`: artifact roots to print as `<root>` besides a file store's own folder
    /// (an SQLite store's artifact root, a server's `mlflow-artifacts:/`).
    public static func json(uri: String, maskPrefixes: [String] = [], maskMetricTimestamps: Bool = false,
                            timeout: TimeInterval = 120) throws -> JSONDocument {
        let text = try self.text(uri: uri, maskPrefixes: maskPrefixes, maskMetricTimestamps: maskMetricTimestamps,
                                 timeout: timeout)
        return try JSONDocument.parse(Data(text.utf8))
    }

    /// The script's output as printed (indented, sorted keys): diff two of these in a failure.
    public static func text(uri: String, maskPrefixes: [String] = [], maskMetricTimestamps: Bool = false,
                            timeout: TimeInterval = 120) throws -> String {
        var args = [RepoLayout.root.appendingPathComponent("scripts/mlflow_dump_store.py").path, uri]
        for prefix in maskPrefixes { args += ["--mask-prefix", prefix] }
        if maskMetricTimestamps { args.append("--mask-metric-timestamps") }
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_ALLOW_FILE_STORE"] = "true"
        let result = try CommandRunner.run(try RepoLayout.mlflowPython(), args, environment: environment,
                                           timeout: timeout)
        guard result.status == 0, !result.timedOut else {
            throw SupportError("mlflow_dump_store.py \(uri) failed (status \(result.status)): \(result.stderrText)")
        }
        return result.stdoutText
    }
}
