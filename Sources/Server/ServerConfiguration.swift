/// Everything `mltui serve` decides before the first request; the command line builds it.
public struct ServerConfiguration: Sendable {
    /// 127.0.0.1 by default, as `mlflow server`: reachable from this machine only.
    public var host: String
    public var port: Int
    /// Host-header patterns (MLflow's fnmatch syntax, `mlflow/server/security_utils.py`
    /// `is_allowed_host_header`); `["*"]` disables the check.
    public var allowedHosts: [String]
    /// nil = no authentication.
    public var credentials: Credentials?
    /// Every write refused (`--read-only`); a store that cannot be written is served read-only too.
    public var readOnly: Bool
    /// Where `mlflow-artifacts:/...` URIs and the proxy endpoints point (MLflow's
    /// `--artifacts-destination`, default ./mlartifacts); nil with `--no-serve-artifacts`.
    public var artifactsDestination: String?
    /// Largest request body accepted; MLflow's own log-batch limit is 1,000,000 bytes
    /// (`mlflow/utils/validation.py` `MAX_BATCH_LOG_REQUEST_SIZE`).
    public var maxBodyBytes: Int
    /// Largest `max_results` accepted by the search and history endpoints: MLflow's 50,000 for searches.
    public var maxPageSize: Int
    /// The `store_type` reported by `/api/3.0/mlflow/server-info` ("FileStore" or "SqlStore").
    public var storeType: String
    /// Called once per request with the access-log line.
    public var accessLog: @Sendable (String) -> Void
    /// Called with the server's own notices (shutdown progress).
    public var notice: @Sendable (String) -> Void
    /// Open connections kept at most; past it the longest-idle one is closed for each new one.
    public var maxConnections: Int
    /// A connection that sends nothing for this long (between requests, or inside a request's
    /// head or body) is closed.
    public var idleTimeout: Duration
    /// How long a SIGTERM waits for requests in flight before closing their connections.
    public var shutdownTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int = 5000, allowedHosts: [String] = HostAllowList.defaultPatterns,
                credentials: Credentials? = nil, readOnly: Bool = false, artifactsDestination: String? = nil,
                maxBodyBytes: Int = 1_000_000, maxPageSize: Int = 50_000, storeType: String = "SqlStore",
                accessLog: @escaping @Sendable (String) -> Void = { _ in },
                notice: @escaping @Sendable (String) -> Void = { _ in },
                maxConnections: Int = 1000, idleTimeout: Duration = .seconds(30), shutdownTimeout: Duration = .seconds(20)) {
        self.host = host
        self.port = port
        self.allowedHosts = allowedHosts
        self.credentials = credentials
        self.readOnly = readOnly
        self.artifactsDestination = artifactsDestination
        self.maxBodyBytes = maxBodyBytes
        self.maxPageSize = maxPageSize
        self.storeType = storeType
        self.accessLog = accessLog
        self.notice = notice
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.shutdownTimeout = shutdownTimeout
    }

    /// The MLflow version `/version` reports: the one whose REST API this server speaks.
    static let mlflowVersion = "3.17.2"
}
