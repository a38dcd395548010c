import HTTPClient

/// Which failed attempts of a request are sent again.
///
/// MLflow's Python client retries every request, writes included, on connection errors, read
/// timeouts and 408/429/500/502/503/504 (`mlflow/utils/request_utils.py`
/// `_get_request_session`: urllib3 `Retry(allowed_methods=None)`). For a write that is not
/// idempotent that can record it twice: a `log-metric` whose answer timed out after the server
/// stored the point is stored again (the file store appends a second line to the metric file),
/// and a repeated `runs/create` makes a second run. Such writes are retried only when the server
/// cannot have acted on them.
enum Retrying: Sendable {
    /// MLflow's policy: reads, and writes whose repetition leaves the store as one would
    /// (setting a tag or param to the same value, renaming, deleting a run again).
    case asMLflow
    /// Writes that add something or whose repetition fails (a metric point, a run, an experiment,
    /// deleting a tag): retried only when the request never reached the server (no connection)
    /// or the server turned it away unread (408 Request Timeout, 429 Too Many Requests,
    /// 503 Service Unavailable).
    case unlessDelivered

    func retries(status: Int) -> Bool {
        switch self {
        case .asMLflow: return RetryPolicy.retriedStatuses.contains(status)
        case .unlessDelivered: return status == 408 || status == 429 || status == 503
        }
    }

    func retries(_ error: HTTPTransportError) -> Bool {
        switch self {
        case .asMLflow: return error.isTransient
        case .unlessDelivered: return error.kind == .couldNotConnect || error.kind == .couldNotResolveHost
        }
    }
}
