import Foundation

/// What one request produced, from `mlflow server` or from `mltui ... --format json`: a response
/// document, an MLflow error (only its code is compared; messages may differ), or something that
/// breaks the contract (crash, non-JSON output, wrong exit code).
public enum RESTOutcome: CustomStringConvertible {
    case document(JSONDocument)
    case error(code: String, message: String)
    case broken(String)

    public var description: String {
        switch self {
        case .document(let document): return JSONDifference.short(document)
        case .error(let code, let message): return "error \(code): \(message)"
        case .broken(let problem): return "broken: \(problem)"
        }
    }

    /// Reads a server answer: 200 is a document, anything else must be MLflow's error body.
    public init(server answer: HTTPAnswer) {
        guard let document = try? JSONDocument.parse(answer.body) else {
            self = .broken("HTTP \(answer.status), body is not JSON: \(answer.text.prefix(300))")
            return
        }
        if answer.status == 200 {
            self = .document(document)
        } else if let code = document["error_code"]?.stringValue {
            self = .error(code: code, message: document["message"]?.stringValue ?? "")
        } else {
            self = .broken("HTTP \(answer.status) without error_code: \(answer.text.prefix(300))")
        }
    }

    /// Reads `mltui ... --format json` per the CLI contract: exit 0 with one JSON document, or
    /// exit 1 with `mltui: CODE: message` on stderr and MLflow's error body on stdout.
    public init(mltui result: CommandResult) {
        let stdout = result.stdoutText, stderr = result.stderrText
        if result.timedOut { self = .broken("timed out; stderr: \(stderr.suffix(500))"); return }
        let document = try? JSONDocument.parse(result.stdout)
        switch result.status {
        case 0:
            if let document { self = .document(document) } else { self = .broken("exit 0 but stdout is not one JSON document: \(stdout.prefix(300)); stderr: \(stderr.suffix(300))") }
        case 1:
            guard let code = document?["error_code"]?.stringValue else {
                self = .broken("exit 1 without {\"error_code\": ...} on stdout: \(stdout.prefix(300)); stderr: \(stderr.suffix(300))")
                return
            }
            let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
            guard lines.contains(where: { $0.hasPrefix("mltui: \(code): ") }) else {
                self = .broken("exit 1 with \(code) but stderr lacks the line `mltui: \(code): message`: \(stderr.suffix(300))")
                return
            }
            self = .error(code: code, message: document?["message"]?.stringValue ?? "")
        default:
            self = .broken("exit \(result.status); stdout: \(stdout.prefix(300)); stderr: \(stderr.suffix(500))")
        }
    }

    /// nil when `actual` (mltui) matches `expected` (MLflow); else a readable explanation.
    public static func mismatch(expected: RESTOutcome, actual: RESTOutcome) -> String? {
        switch (expected, actual) {
        case (.document(let e), .document(let a)):
            let ce = MLflowCanonicalForm.canonical(e), ca = MLflowCanonicalForm.canonical(a)
            let found = JSONDifference.differences(expected: ce, actual: ca)
            return found.isEmpty ? nil : found.joined(separator: "\n")
        case (.error(let e, _), .error(let a, _)):
            return e == a ? nil : "MLflow answers error \(e), mltui error \(a) (\(actual))"
        case (.broken(let problem), _):
            return "MLflow itself answered unexpectedly: \(problem)"
        default:
            return "MLflow: \(expected)\nmltui:  \(actual)"
        }
    }
}

/// Runs the mltui binary.
public enum MltuiCLI {
    public static func run(_ args: [String], timeout: TimeInterval = 120) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "MLFLOW_TRACKING_URI")
        return try CommandRunner.run(try RepoLayout.mltuiBinary(), args, environment: env, timeout: timeout)
    }
}
