import Foundation
import HTTPClient
import RESTStore
import Tracking
import XCTest

/// HTTPS with a self-signed certificate: refused by default, accepted with
/// MLFLOW_TRACKING_SERVER_CERT_PATH (as a CA bundle) or MLFLOW_TRACKING_INSECURE_TLS.
final class TLSTests: XCTestCase {
    var stub: StubServer!
    var certificate = ""

    override func setUpWithError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        certificate = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardError = FileHandle.nullDevice
        openssl.standardOutput = FileHandle.nullDevice
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { XCTFail("no openssl"); throw XCTSkip("no openssl") }
        try openssl.run()
        openssl.waitUntilExit()
        XCTAssertEqual(openssl.terminationStatus, 0)
        stub = try StubServer(tls: (certificate, key))
    }

    override func tearDown() { stub?.stop() }

    func store(_ http: HTTPOptions) -> RESTStore {
        var retry = RetryPolicy()
        retry.maxRetries = 3
        retry.backoffFactor = 0
        retry.jitter = 0
        return RESTStore(url: stub.url + "/flaky-\(UUID().uuidString.prefix(6))", configuration: RESTConfiguration(http: http, retry: retry))
    }

    func testSelfSignedCertificateIsRefusedByDefault() async throws {
        do {
            _ = try await store(HTTPOptions(timeout: 5)).getExperiment(id: "7")
            XCTFail("an unverified certificate must be refused")
        } catch let error as MLflowError {
            XCTAssertTrue(error.message.contains("TLS failure"), error.message)
            XCTAssertTrue(error.message.contains("MLFLOW_TRACKING_SERVER_CERT_PATH"), error.message)
            XCTAssertTrue(error.message.contains(stub.url), error.message)
        }
    }

    func testServerCertPathVerifies() async throws {
        let experiment = try await store(HTTPOptions(timeout: 5, caBundlePath: certificate)).getExperiment(id: "7")
        XCTAssertEqual(experiment.name, "stub-exp")
    }

    func testInsecureSkipsVerification() async throws {
        let experiment = try await store(HTTPOptions(timeout: 5, verifyTLS: false)).getExperiment(id: "7")
        XCTAssertEqual(experiment.name, "stub-exp")
    }
}
