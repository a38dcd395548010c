@testable import HTTPClient
@testable import RESTStore
import Tracking
import XCTest

final class ConfigurationTests: XCTestCase {
    func testDefaultsAreMLflows() throws {
        let config = try RESTConfiguration.fromEnvironment([:])
        XCTAssertEqual(config.http.timeout, 120)
        XCTAssertTrue(config.http.verifyTLS)
        XCTAssertNil(config.http.caBundlePath)
        XCTAssertNil(config.credentials)
        XCTAssertEqual(config.retry.maxRetries, 7)
        XCTAssertEqual(config.retry.backoffFactor, 2)
        XCTAssertEqual(config.retry.jitter, 1)
        XCTAssertTrue(config.retry.respectRetryAfter)
    }

    func testBasicNeedsBothAndWinsOverToken() throws {
        let both = try RESTConfiguration.fromEnvironment([
            "MLFLOW_TRACKING_USERNAME": "u", "MLFLOW_TRACKING_PASSWORD": "p", "MLFLOW_TRACKING_TOKEN": "t"])
        XCTAssertEqual(both.credentials, .basic(username: "u", password: "p"))
        let userOnly = try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_USERNAME": "u", "MLFLOW_TRACKING_TOKEN": "t"])
        XCTAssertEqual(userOnly.credentials, .bearer(token: "t"))
        let none = try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_USERNAME": "u"])
        XCTAssertNil(none.credentials)
    }

    func testCredentialsFileWithEnvironmentWinningPerKey() throws {
        let file = """
            [other]
            mlflow_tracking_username = nobody
            [mlflow]
            mlflow_tracking_username = fileuser
            mlflow_tracking_password = filepass
            """
        let fromFile = try RESTConfiguration.fromEnvironment([:], credentialsFile: file)
        XCTAssertEqual(fromFile.credentials, .basic(username: "fileuser", password: "filepass"))
        let mixed = try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_PASSWORD": "envpass"], credentialsFile: file)
        XCTAssertEqual(mixed.credentials, .basic(username: "fileuser", password: "envpass"))
    }

    func testTLSSettings() throws {
        let insecure = try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_INSECURE_TLS": "TRUE"])
        XCTAssertFalse(insecure.http.verifyTLS)
        // The server cert path is requests' verify=, so it turns verification back on.
        let both = try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_INSECURE_TLS": "1",
                                                          "MLFLOW_TRACKING_SERVER_CERT_PATH": "/ca.pem",
                                                          "MLFLOW_TRACKING_CLIENT_CERT_PATH": "/client.pem"])
        XCTAssertTrue(both.http.verifyTLS)
        XCTAssertEqual(both.http.caBundlePath, "/ca.pem")
        XCTAssertEqual(both.http.clientCertificatePath, "/client.pem")
    }

    func testInvalidValuesAreRejectedAsMLflowDoes() {
        XCTAssertThrowsError(try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_INSECURE_TLS": "yes"])) { error in
            XCTAssertEqual((error as? MLflowError)?.code, .invalidParameterValue)
        }
        XCTAssertThrowsError(try RESTConfiguration.fromEnvironment(["MLFLOW_HTTP_REQUEST_MAX_RETRIES": "11"])) { error in
            XCTAssertEqual((error as? MLflowError)?.message, "The configured max_retries value (11) is in excess of the maximum allowable retries (10)")
        }
        XCTAssertThrowsError(try RESTConfiguration.fromEnvironment(["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "121"]))
        XCTAssertThrowsError(try RESTConfiguration.fromEnvironment(["MLFLOW_HTTP_REQUEST_TIMEOUT": "soon"]))
        XCTAssertThrowsError(try RESTConfiguration.fromEnvironment(["MLFLOW_HTTP_REQUEST_TIMEOUT": "0"]))
    }

    func testBackoffFollowsUrllib3() {
        var policy = RetryPolicy()
        policy.jitter = 0
        XCTAssertEqual(policy.backoff(beforeRetry: 1), 0, "no wait before the first retry")
        XCTAssertEqual(policy.backoff(beforeRetry: 2), 4)
        XCTAssertEqual(policy.backoff(beforeRetry: 3), 8)
        XCTAssertEqual(policy.backoff(beforeRetry: 7), 120, "capped at backoff_max")
        policy.jitter = 1
        XCTAssertEqual(policy.backoff(beforeRetry: 2, random: 0.5), 4.5)
    }

    func testRetryAfterOnlyFor429And503() {
        var policy = RetryPolicy()
        XCTAssertEqual(policy.retryAfter(status: 429, header: "3"), 3)
        XCTAssertEqual(policy.retryAfter(status: 503, header: " 0 "), 0)
        XCTAssertNil(policy.retryAfter(status: 500, header: "3"))
        XCTAssertNil(policy.retryAfter(status: 503, header: "Wed, 21 Oct 2015 07:28:00 GMT"))
        policy.respectRetryAfter = false
        XCTAssertNil(policy.retryAfter(status: 429, header: "3"))
    }

    func testQueryEscaping() {
        XCTAssertEqual(QueryString.encode([("metric_key", "train/loss x"), ("a", "é&=")]),
                       "?metric_key=train%2Floss%20x&a=%C3%A9%26%3D")
        XCTAssertEqual(QueryString.encode([]), "")
    }

    func testRedaction() {
        XCTAssertEqual(Redaction.withoutUserinfo("https://u:p%40ss@host:5000/pre/fix"), "https://host:5000/pre/fix")
        XCTAssertEqual(Redaction.withoutUserinfo("http://host:5000/a@b"), "http://host:5000/a@b")
        XCTAssertEqual(Redaction.userinfoSecrets("http://u:pw@h"), ["u:pw", "pw"])
        XCTAssertEqual(Redaction.scrub("token abc123 leaked", secrets: ["abc123"]), "token *** leaked")
    }

    func testByteWindowRangeHeader() {
        XCTAssertEqual(ByteWindow(offset: 10, count: 5).rangeHeader, "Range: bytes=10-14")
        XCTAssertEqual(HTTPResponse(status: 206, headers: ["content-range": "bytes 2-5/25"]).contentRangeTotal, 25)
        XCTAssertEqual(HTTPResponse(status: 416, headers: ["content-range": "bytes */0"]).contentRangeTotal, 0)
    }

    func testOpenStoreBuildsARESTStoreWithoutUserinfo() throws {
        let store = RESTStore(url: "http://alice:pw@127.0.0.1:5000///", configuration: RESTConfiguration())
        XCTAssertEqual(store.uri, "http://127.0.0.1:5000")
    }
}
