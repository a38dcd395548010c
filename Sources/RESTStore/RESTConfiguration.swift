import Foundation
import HTTPClient
import Tracking

/// How the REST client talks to a server, read from the same environment variables as MLflow's
/// Python client with the same defaults and checks (`mlflow/environment_variables.py`,
/// `mlflow/utils/credentials.py` `get_default_host_creds`, `mlflow/utils/rest_utils.py`
/// `http_request`).
public struct RESTConfiguration: Sendable {
    public var http: HTTPOptions
    public var credentials: Credentials?
    public var retry: RetryPolicy
    /// How long experiments fetched by id or name are served from memory.
    public var experimentCacheSeconds: Double
    /// Runs per request when a caller asks for a larger page, and how many such requests run at
    /// once (see `RESTStore.searchRuns`). 0 sends the caller's page size as one request.
    public var runsSubPage = 1000
    public var runsLanes = 4

    public enum Credentials: Sendable, Equatable {
        case basic(username: String, password: String)
        case bearer(token: String)

        /// The header line; never logged or shown.
        var headerLine: String {
            switch self {
            case .basic(let username, let password):
                return "Authorization: Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
            case .bearer(let token):
                return "Authorization: Bearer \(token)"
            }
        }

        /// Strings that must never appear in a message.
        var secrets: [String] {
            switch self {
            case .basic(_, let password): return [password]
            case .bearer(let token): return [token]
            }
        }
    }

    public init(http: HTTPOptions = HTTPOptions(), credentials: Credentials? = nil,
                retry: RetryPolicy = RetryPolicy(), experimentCacheSeconds: Double = 10) {
        self.http = http
        self.credentials = credentials
        self.retry = retry
        self.experimentCacheSeconds = experimentCacheSeconds
    }

    /// MLflow's client settings from `environment`; `credentialsFile` is the text of
    /// ~/.mlflow/credentials when it exists. Invalid values are INVALID_PARAMETER_VALUE, as in MLflow.
    public static func fromEnvironment(_ environment: [String: String], credentialsFile: String? = nil) throws -> RESTConfiguration {
        func value(_ name: String) -> String? {
            guard let v = environment[name], !v.isEmpty else { return nil }
            return v
        }
        func bool(_ name: String, _ fallback: Bool) throws -> Bool {
            guard let text = value(name) else { return fallback }
            switch text.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw MLflowError.invalidParameter("\(name) value must be one of ['true', 'false', '1', '0'] (case-insensitive), but got \(text)")
            }
        }
        func number<T: LosslessStringConvertible>(_ name: String, _ fallback: T) throws -> T {
            guard let text = value(name) else { return fallback }
            guard let parsed = T(text.trimmingCharacters(in: .whitespaces)) else {
                throw MLflowError.invalidParameter("\(name) must be a number, but got '\(text)'")
            }
            return parsed
        }

        var http = HTTPOptions()
        http.timeout = try number("MLFLOW_HTTP_REQUEST_TIMEOUT", 120)
        guard http.timeout > 0 else { throw MLflowError.invalidParameter("MLFLOW_HTTP_REQUEST_TIMEOUT must be a positive number of seconds") }
        // MLflow hands the server cert path to requests as verify=, so it wins over INSECURE_TLS.
        http.caBundlePath = value("MLFLOW_TRACKING_SERVER_CERT_PATH")
        let insecure = try bool("MLFLOW_TRACKING_INSECURE_TLS", false)
        http.verifyTLS = http.caBundlePath != nil || !insecure
        http.clientCertificatePath = value("MLFLOW_TRACKING_CLIENT_CERT_PATH")
        http.poolSize = try number("MLFLOW_HTTP_POOL_MAXSIZE", 10)

        var retry = RetryPolicy()
        retry.maxRetries = try number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 7)
        retry.backoffFactor = try number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 2.0)
        retry.jitter = try number("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", 1.0)
        retry.respectRetryAfter = try bool("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", true)
        try retry.validate()

        // Username and password: the environment wins per key over ~/.mlflow/credentials; both
        // are needed for Basic, which wins over a token (mlflow/utils/rest_utils.py).
        let file = credentialsFile.map(CredentialsFile.parse) ?? [:]
        let username = value("MLFLOW_TRACKING_USERNAME") ?? file["mlflow_tracking_username"]
        let password = value("MLFLOW_TRACKING_PASSWORD") ?? file["mlflow_tracking_password"]
        var credentials: Credentials?
        if let username, let password, !username.isEmpty, !password.isEmpty {
            credentials = .basic(username: username, password: password)
        } else if let token = value("MLFLOW_TRACKING_TOKEN") {
            credentials = .bearer(token: token)
        }
        return RESTConfiguration(http: http, credentials: credentials, retry: retry)
    }

    /// The real environment and ~/.mlflow/credentials.
    public static func current() throws -> RESTConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        let text = try? String(contentsOfFile: home + "/.mlflow/credentials", encoding: .utf8)
        return try fromEnvironment(environment, credentialsFile: text)
    }
}

/// The `[mlflow]` section of ~/.mlflow/credentials (an INI file read by Python's configparser).
enum CredentialsFile {
    static func parse(_ text: String) -> [String: String] {
        var section = ""
        var values: [String: String] = [:]
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == "mlflow", let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            values[key] = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}

/// MLflow's retry policy (urllib3 Retry as mlflow/utils/request_utils.py configures it).
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries = 7
    public var backoffFactor = 2.0
    public var jitter = 1.0
    public var respectRetryAfter = true
    /// MLflow's hard limits (_MLFLOW_HTTP_REQUEST_MAX_RETRIES_LIMIT, ..._MAX_BACKOFF_FACTOR_LIMIT).
    public static let maxRetriesLimit = 10
    public static let backoffFactorLimit = 120.0
    /// urllib3's backoff_max.
    public static let maxBackoff = 120.0
    /// Statuses retried for every method.
    public static let retriedStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    public init() {}

    func validate() throws {
        if maxRetries > RetryPolicy.maxRetriesLimit {
            throw MLflowError.invalidParameter("The configured max_retries value (\(maxRetries)) is in excess of the maximum allowable retries (\(RetryPolicy.maxRetriesLimit))")
        }
        if maxRetries < 0 {
            throw MLflowError.invalidParameter("The max_retries value must be either 0 a positive integer. Got \(maxRetries)")
        }
        if backoffFactor > RetryPolicy.backoffFactorLimit {
            throw MLflowError.invalidParameter("The configured backoff_factor value (\(JSONWriter.pythonRepr(backoffFactor))) is in excess of the maximum allowable backoff_factor limit (\(Int(RetryPolicy.backoffFactorLimit)))")
        }
        if backoffFactor < 0 {
            throw MLflowError.invalidParameter("The backoff_factor value must be either 0 a positive integer. Got \(JSONWriter.pythonRepr(backoffFactor))")
        }
    }

    /// Seconds to wait before retry number `retry` (1-based): urllib3 waits nothing before the
    /// first retry, then factor * 2^(n-1) plus up to `jitter` random seconds, at most 120.
    public func backoff(beforeRetry retry: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        guard retry > 1 else { return 0 }
        let value = backoffFactor * pow(2, Double(retry - 1)) + random * jitter
        return max(0, min(RetryPolicy.maxBackoff, value))
    }

    /// Seconds from a `Retry-After` header (delta-seconds only; an HTTP date is ignored), honoured
    /// for 429 and 503 as urllib3 does (it also lists 413, which MLflow does not retry).
    public func retryAfter(status: Int, header: String?) -> Double? {
        guard respectRetryAfter, status == 429 || status == 503, let header,
              let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return Double(seconds)
    }
}
