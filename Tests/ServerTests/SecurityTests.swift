import Foundation
import Hashing
import Hummingbird
import HummingbirdTesting
import Tracking
import XCTest
@testable import Server

final class SecurityTests: XCTestCase {
    func testPBKDF2MatchesRFC7914Vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64.
        let derived = Credentials.pbkdf2SHA256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64)
        XCTAssertEqual(derived.map { String(format: "%02x", $0) }.joined(),
                       "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        // RFC 7914 §11, c=80000 with P="Password", S="NaCl".
        let slow = Credentials.pbkdf2SHA256(password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80000, length: 64)
        XCTAssertEqual(slow.prefix(8).map { String(format: "%02x", $0) }.joined(), "4ddcd8f60b98be21")
    }

    /// The other digests from libcrypto: FIPS 180-2's SHA-256 and RFC 1321's MD5 vectors.
    func testDigestsMatchKnownVectors() {
        XCTAssertEqual(Digest.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digest.md5Hex([]), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(Digest.md5Hex(Array("message digest".utf8)), "f96b697d7cb7938d525a2f31aaf161d0")
    }

    func testBasicAuthAndToken() async throws {
        let line = Credentials.authFileLine(user: "ann", password: "correct horse", iterations: 2000)
        XCTAssertTrue(line.hasPrefix("ann:pbkdf2-sha256$2000$"))
        let credentials = try Credentials(authFileText: "# team\n\n" + line + "\n", token: "tok-123")
        func basic(_ s: String) -> String { "Basic " + Data(s.utf8).base64EncodedString() }
        func check(_ header: String?) async -> Credentials.Outcome { await credentials.authorize(header, client: "10.0.0.1") }
        var outcome = await check(basic("ann:correct horse"))
        XCTAssertEqual(outcome, .granted(.read))
        outcome = await check(basic("ann:correct horse"))  // remembered
        XCTAssertEqual(outcome, .granted(.read))
        for denied in [basic("ann:wrong"), basic("bob:correct horse"), "Basic !!!", "Bearer tok-124"] {
            outcome = await check(denied)
            XCTAssertEqual(outcome, .denied, denied)
        }
        outcome = await check(nil)
        XCTAssertEqual(outcome, .denied)
        outcome = await check("Bearer tok-123")
        XCTAssertEqual(outcome, .granted(.read))
        outcome = await check(basic("token:tok-123"))
        XCTAssertEqual(outcome, .granted(.read))
        XCTAssertThrowsError(try Credentials(authFileText: "ann:plaintext", token: nil))
        XCTAssertThrowsError(try Credentials(authFileText: "", token: nil))
    }

    /// After its free failures a client waits 1 s, 2 s, … before a new password is hashed; a
    /// credential already verified still passes, and other clients are not held back.
    func testFailedLoginsBackOffPerClient() async throws {
        let throttle = LoginThrottle(freeFailures: 2, maxWait: 60)
        let credentials = try Credentials(authFileText: Credentials.authFileLine(user: "ann", password: "pw", iterations: 100),
                                          token: nil, throttle: throttle)
        let good = "Basic " + Data("ann:pw".utf8).base64EncodedString()
        let bad = "Basic " + Data("ann:nope".utf8).base64EncodedString()
        var outcome = await credentials.authorize(good, client: "a")
        XCTAssertEqual(outcome, .granted(.read))
        for _ in 0..<3 {
            outcome = await credentials.authorize(bad, client: "a")
            XCTAssertEqual(outcome, .denied)
        }
        outcome = await credentials.authorize(bad, client: "a")
        XCTAssertEqual(outcome, .throttled(retryAfter: 1))
        outcome = await credentials.authorize(good, client: "a")
        XCTAssertEqual(outcome, .granted(.read), "a verified credential is not held back")
        outcome = await credentials.authorize(bad, client: "b")
        XCTAssertEqual(outcome, .denied, "another client is not held back")
        try await Task.sleep(for: .milliseconds(1100))
        outcome = await credentials.authorize(bad, client: "a")
        XCTAssertEqual(outcome, .denied)
        outcome = await credentials.authorize(bad, client: "a")
        XCTAssertEqual(outcome, .throttled(retryAfter: 2), "the wait doubles")
    }

    /// Hashes run a bounded number at a time; a login past that is told to retry, not queued without end.
    func testPasswordVerifierIsBounded() async throws {
        let verifier = PasswordVerifier(threads: 1)
        let results = await withTaskGroup(of: [UInt8]?.self) { group in
            for _ in 0..<(verifier.capacity + 6) {
                group.addTask { await verifier.pbkdf2SHA256(password: [1], salt: [2], iterations: 50_000, length: 32) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(results.compactMap { $0 }.count, verifier.capacity)
        XCTAssertEqual(results.filter { $0 == nil }.count, 6)
    }

    func testAuthIsCheckedOnEveryRouteButHealth() async throws {
        let credentials = try Credentials(authFileText: Credentials.authFileLine(user: "ann", password: "pw", iterations: 1000), token: nil)
        let store = MemoryStore(experiments: [Experiment(experimentID: "0", name: "Default")], runs: [], histories: [:])
        let app = MLflowServer.application(store: store, configuration: ServerConfiguration(credentials: credentials))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { XCTAssertEqual($0.status, .ok) }
            for uri in ["/version", "/api/2.0/mlflow/experiments/get?experiment_id=0", "/api/2.0/mlflow/nope",
                        "/api/2.0/mlflow-artifacts/artifacts", "/api/3.0/mlflow/server-info"] {
                try await client.execute(uri: uri, method: .get) { r in
                    XCTAssertEqual(r.status, .unauthorized, uri)
                    XCTAssertEqual(r.headers[.wwwAuthenticate], "Basic realm=\"mlflow\"")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Basic " + Data("ann:nope".utf8).base64EncodedString()]) { r in
                    XCTAssertEqual(r.status, .unauthorized, uri)
                }
            }
            try await client.execute(uri: "/api/2.0/mlflow/experiments/get?experiment_id=0", method: .get,
                                     headers: [.authorization: "Basic " + Data("ann:pw".utf8).base64EncodedString()]) { r in
                XCTAssertEqual(r.status, .ok)
            }
        }
    }

    func testHostAllowListFollowsMLflowDefaults() {
        let hosts = HostAllowList(HostAllowList.defaultPatterns)
        for ok in ["localhost", "localhost:5000", "127.0.0.1:8080", "[::1]:5000", "[::1]", "192.168.1.20:5000",
                   "10.0.0.1", "172.16.3.4:80", "172.31.0.1", "0.0.0.0:5000"] {
            XCTAssertTrue(hosts.allows(ok), ok)
        }
        for bad in ["evil.example", "evil.example:5000", "localhost.evil.example", "172.32.0.1", "11.0.0.1", "", "127.0.0.2",
                    // names that begin like a private address are names, not addresses
                    "10.evil.com", "10.evil.com:5000", "192.168.evil.com", "172.16.attacker.example", "10.0.0.1.evil.com",
                    // not well-formed hosts
                    "localhost:evil", "localhost:99999", "10.0.0.999", "10.0.0", "local host", "localhost/x", "[::1", "localhost:"] {
            XCTAssertFalse(hosts.allows(bad), bad)
        }
        XCTAssertFalse(hosts.allows(nil))
        let custom = HostAllowList(["mlflow.internal", "*.corp.example"])
        XCTAssertTrue(custom.allows("mlflow.internal"))
        XCTAssertTrue(custom.allows("a.corp.example"))
        XCTAssertFalse(custom.allows("mlflow.internal:5000"))
        XCTAssertTrue(HostAllowList(["*"]).allows("anything"))
    }
}
