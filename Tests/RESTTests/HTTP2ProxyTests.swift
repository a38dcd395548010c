import Foundation
@testable import HTTPClient
import RESTStore
import TestSupport
import Tracking
import XCTest

/// The REST transport's promises against real middlemen on 127.0.0.1: HTTP/2 where the server
/// offers it (Debian's nghttpx as a TLS reverse proxy with h2 in front of a real `mlflow server`),
/// and proxies from the usual environment variables (Debian's tinyproxy as a forward proxy,
/// with the mltui binary run under http_proxy / HTTP_PROXY / HTTPS_PROXY / NO_PROXY).
final class HTTP2ProxyTests: XCTestCase {
    var scratch: URL!
    var server: MLflowServer?
    var helpers: [GroupedProcess] = []

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-h2proxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        helpers.forEach { $0.stop() }
        helpers = []
        server?.stop()
        server = nil
        try? FileManager.default.removeItem(at: scratch)
    }

    // MARK: HTTP/2

    func testHTTP2ThroughTLSReverseProxyAnswersLikeTheServer() async throws {
        let server = try startPopulatedServer()
        let front = try startNghttpx(backendPort: server.port)
        let direct = RESTStore(url: server.url, configuration: RESTConfiguration())
        let configuration = try RESTConfiguration.fromEnvironment(["MLFLOW_TRACKING_SERVER_CERT_PATH": front.certificate])
        XCTAssertEqual(configuration.http.caBundlePath, front.certificate)
        let h2 = RESTStore(url: front.url, configuration: configuration)

        let logged = lines(front.accessLog).count
        var requests = 0
        // One experiment per page: several sequential requests on the same store.
        let experiments = try await h2.allExperiments(ExperimentSearch(viewType: .all, maxResults: 1))
        let expectedExperiments = try await direct.allExperiments(ExperimentSearch(viewType: .all, maxResults: 1))
        XCTAssertEqual(experiments, expectedExperiments)
        XCTAssertEqual(experiments.count, 4, "Default, two live ones and a deleted one")
        requests += experiments.count  // at least one per page
        for experiment in experiments {
            let runs = try await h2.allRuns(RunSearch(experimentIDs: [experiment.experimentID], viewType: .all, maxResults: 2))
            let expectedRuns = try await direct.allRuns(RunSearch(experimentIDs: [experiment.experimentID], viewType: .all, maxResults: 2))
            XCTAssertEqual(runs, expectedRuns, experiment.name)
            requests += 1
            for run in runs {
                let got = try await h2.getRun(id: run.info.runID)
                let expected = try await direct.getRun(id: run.info.runID)
                XCTAssertEqual(got, expected)
                requests += 1
                for metric in run.data.metrics {
                    let history = try await h2.fullMetricHistory(runID: run.info.runID, key: metric.key, pageSize: 7)
                    let expectedHistory = try await direct.fullMetricHistory(runID: run.info.runID, key: metric.key, pageSize: 7)
                    XCTAssertEqual(history, expectedHistory)
                    XCTAssertFalse(history.isEmpty)
                    requests += 1
                }
            }
        }
        let missing = String(repeating: "0", count: 32)
        do {
            _ = try await h2.getRun(id: missing)
            XCTFail("a missing run must fail through the proxy too")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .resourceDoesNotExist)
        }

        // nghttpx saw every request, over ALPN h2, as HTTP/2 streams of one TLS connection.
        requests += 1
        // The 404 was the last request: once it is logged, all are.
        let entries = waitForLines(front.accessLog) { $0.contains { $0.contains(missing) } }.dropFirst(logged).map(AccessEntry.init)
        XCTAssertGreaterThanOrEqual(entries.count, requests)
        for entry in entries {
            XCTAssertEqual(entry.alpn, "h2", entry.line)
            XCTAssertTrue(entry.request.hasSuffix(" HTTP/2"), entry.line)
        }
        XCTAssertTrue(entries.contains { $0.request.hasPrefix("POST /api/2.0/mlflow/experiments/search ") })
        XCTAssertTrue(entries.contains { $0.request.hasPrefix("GET /api/2.0/mlflow/metrics/get-history?") })
        XCTAssertTrue(entries.contains { $0.status == "404" && $0.request.contains(missing) })
        XCTAssertEqual(Set(entries.map(\.remotePort)).count, 1,
                       "sequential requests must reuse one connection:\n\(entries.map(\.line).joined(separator: "\n"))")

        // libcurl itself reports HTTP/2 for the proxy and HTTP/1.1 for the server (no TLS, no h2c).
        let client = HTTPClient(options: configuration.http)
        let viaProxy = try client.perform(HTTPRequest(url: front.url + "/health"))
        XCTAssertEqual(viaProxy.status, 200)
        XCTAssertEqual(viaProxy.httpVersion, 2)
        let plain = try client.perform(HTTPRequest(url: server.url + "/health"))
        XCTAssertEqual(plain.status, 200)
        XCTAssertEqual(plain.httpVersion, 1)
    }

    // MARK: Forward proxy from the environment

    func testHTTPProxyFromEnvironmentCarriesTheCLIAndNoProxyBypassesIt() throws {
        let server = try startPopulatedServer()
        let proxy = try startTinyproxy()
        let expected = try rawExperiments(server)

        // requests (MLflow's client) reads both spellings; libcurl by itself only the lower-case one.
        for variable in ["http_proxy", "HTTP_PROXY"] {
            let before = proxyRequests(proxy.log).count
            let output = try mltuiExperiments(server.url, [variable: proxy.url])
            XCTAssertEqual(output, expected, variable)
            let seen = proxyRequests(proxy.log).dropFirst(before)
            XCTAssertTrue(seen.contains { $0.contains("POST http://127.0.0.1:\(server.port)/api/2.0/mlflow/experiments/search ") },
                          "\(variable): the request must go through the proxy; its log:\n\(seen.joined(separator: "\n"))")
        }

        for variable in ["http_proxy", "HTTP_PROXY"] {
            for bypass in ["NO_PROXY", "no_proxy"] {
                for value in ["127.0.0.1", "localhost, 127.0.0.0/8", "*"] {
                    let before = proxyRequests(proxy.log).count
                    let output = try mltuiExperiments(server.url, [variable: proxy.url, bypass: value])
                    XCTAssertEqual(output, expected, "\(variable) with \(bypass)=\(value)")
                    XCTAssertEqual(Array(proxyRequests(proxy.log).dropFirst(before)), [],
                                   "\(bypass)=\(value) must bypass the \(variable) proxy")
                }
            }
        }

        // NO_PROXY names hosts: other hosts leave the proxy in use.
        let before = proxyRequests(proxy.log).count
        XCTAssertEqual(try mltuiExperiments(server.url, ["http_proxy": proxy.url, "NO_PROXY": "example.com,10.0.0.0/8"]), expected)
        XCTAssertGreaterThan(proxyRequests(proxy.log).count, before, "a NO_PROXY for other hosts must not bypass the proxy")

        // A proxy that is not there: the variable is honoured, so the request fails cleanly
        // (without MLflow's retries and their backoff).
        let result = try runMltui(["experiments", "--tracking-uri", server.url, "--format", "json"],
                                  ["http_proxy": "http://127.0.0.1:\(StubServer.closedPort())",
                                   "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"], timeout: 60)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.status, 1, result.stderrText)
        XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, "one-line error: \(result.stderrText)")
        XCTAssertTrue(result.stderrText.contains("127.0.0.1"), result.stderrText)
    }

    func testHTTPSProxyTunnelsToTheHTTP2Front() throws {
        let server = try startPopulatedServer()
        let front = try startNghttpx(backendPort: server.port)
        let proxy = try startTinyproxy()
        let expected = try rawExperiments(server)
        let certificate = ["MLFLOW_TRACKING_SERVER_CERT_PATH": front.certificate]

        for variable in ["HTTPS_PROXY", "https_proxy"] {
            let before = proxyRequests(proxy.log).count
            let logged = lines(front.accessLog).count
            let output = try mltuiExperiments(front.url, certificate.merging([variable: proxy.url]) { $1 })
            XCTAssertEqual(output, expected, variable)
            let seen = proxyRequests(proxy.log).dropFirst(before)
            XCTAssertTrue(seen.contains { $0.contains("CONNECT 127.0.0.1:\(front.port) ") },
                          "\(variable): the TLS connection must be tunnelled; proxy log:\n\(seen.joined(separator: "\n"))")
            let entries = waitForLines(front.accessLog) { $0.count > logged }.dropFirst(logged).map(AccessEntry.init)
            XCTAssertTrue(entries.contains { $0.alpn == "h2" && $0.request.hasPrefix("POST /api/2.0/mlflow/experiments/search ") },
                          entries.map(\.line).joined(separator: "\n"))
        }

        // http_proxy is for http:// URLs only; NO_PROXY bypasses the https one.
        for environment in [["http_proxy": proxy.url], ["HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"]] {
            let before = proxyRequests(proxy.log).count
            let output = try mltuiExperiments(front.url, certificate.merging(environment) { $1 })
            XCTAssertEqual(output, expected, "\(environment)")
            XCTAssertEqual(Array(proxyRequests(proxy.log).dropFirst(before)), [], "\(environment) must not use the proxy")
        }
    }

    // MARK: The pieces

    let populate = #"""
import sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
BASE = 1735689600000
e1 = c.create_experiment("h2-exp", tags={"team": "ml"})
e2 = c.create_experiment("\u00e9moji \U0001F680")
e3 = c.create_experiment("doomed")
for i in range(5):
    r = c.create_run(e1, run_name=f"run-{i}", start_time=BASE + i)
    for s in range(20):
        c.log_metric(r.info.run_id, "loss", 1.0 / (s + 1 + i), timestamp=BASE + s, step=s)
    c.log_param(r.info.run_id, "lr", str(0.1 * i))
    c.set_terminated(r.info.run_id, end_time=BASE + 1000)
c.create_run(e2, run_name="other", start_time=BASE)
c.create_run(e3, run_name="in-doomed", start_time=BASE)
c.delete_experiment(e3)
"""#

    func startPopulatedServer() throws -> MLflowServer {
        let db = scratch.appendingPathComponent("mlflow.db").path
        let server = try MLflowServer(arguments: ["--backend-store-uri", "sqlite:///\(db)"], directory: scratch)
        self.server = server
        try MLflowScripts.python(populate, [server.url], directory: scratch)
        return server
    }

    /// The server's own answer to what `mltui experiments` asks (reference: the CLI prints it as is).
    func rawExperiments(_ server: MLflowServer) throws -> String {
        let response = try HTTPClient().perform(HTTPRequest(method: "POST", url: server.url + "/api/2.0/mlflow/experiments/search",
                                                            body: Array(#"{"max_results": 1000, "view_type": "ACTIVE_ONLY"}"#.utf8)))
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.text.contains("h2-exp"))
        return response.text + "\n"
    }

    struct Front { var url: String; var port: Int; var certificate: String; var accessLog: URL }

    func startNghttpx(backendPort: Int) throws -> Front {
        let nghttpx = try tool("nghttpx", package: "nghttp2-proxy")
        let (certificate, key) = try makeCertificate()
        let port = StubServer.closedPort()
        let accessLog = scratch.appendingPathComponent("nghttpx-access.log")
        // --conf=/dev/null: not the system's /etc/nghttpx; --no-ocsp: no fetch for a self-signed cert.
        helpers.append(try GroupedProcess(nghttpx, [
            "--conf=/dev/null", "--frontend=127.0.0.1,\(port)", "--backend=127.0.0.1,\(backendPort)",
            "--workers=1", "--no-ocsp", "--accesslog-file=\(accessLog.path)",
            "--errorlog-file=\(scratch.appendingPathComponent("nghttpx-error.log").path)",
            "--accesslog-format=$alpn|$remote_port|$status|$request", key, certificate,
        ], log: scratch.appendingPathComponent("nghttpx.out")))
        let url = "https://127.0.0.1:\(port)"
        try waitUntilAnswering(url + "/health", HTTPOptions(timeout: 2, caBundlePath: certificate), helpers.last!)
        return Front(url: url, port: port, certificate: certificate, accessLog: accessLog)
    }

    func startTinyproxy() throws -> (url: String, log: URL) {
        let tinyproxy = try tool("tinyproxy", package: "tinyproxy")
        let port = StubServer.closedPort()
        let log = scratch.appendingPathComponent("tinyproxy.log")
        let config = scratch.appendingPathComponent("tinyproxy.conf")
        try """
        Port \(port)
        Listen 127.0.0.1
        Timeout 30
        LogFile "\(log.path)"
        LogLevel Connect
        MaxClients 20
        Allow 127.0.0.1
        DisableViaHeader Yes

        """.write(to: config, atomically: true, encoding: .utf8)
        helpers.append(try GroupedProcess(tinyproxy, ["-d", "-c", config.path], log: scratch.appendingPathComponent("tinyproxy.out")))
        let url = "http://127.0.0.1:\(port)"
        // Asked directly, tinyproxy answers an error page: any HTTP answer means it listens.
        try waitUntilAnswering(url + "/", HTTPOptions(timeout: 2), helpers.last!, anyStatus: true)
        return (url, log)
    }

    /// The tool's path, or a failure naming the Debian package (scripts/install_deps.sh test).
    func tool(_ name: String, package: String) throws -> String {
        for directory in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw SupportError("no \(name): install the Debian package \(package) (`apt-get install -y \(package)`; scripts/install_deps.sh test does it)")
    }

    func makeCertificate() throws -> (certificate: String, key: String) {
        let openssl = try tool("openssl", package: "openssl")
        let certificate = scratch.appendingPathComponent("cert.pem").path
        let key = scratch.appendingPathComponent("key.pem").path
        let result = try CommandRunner.run(URL(fileURLWithPath: openssl), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ], timeout: 60)
        guard result.status == 0 else { throw SupportError("openssl failed: \(result.stderrText)") }
        return (certificate, key)
    }

    /// Polls for at most 20 s; the test process's own environment holds no proxy variables.
    func waitUntilAnswering(_ url: String, _ options: HTTPOptions, _ process: GroupedProcess, anyStatus: Bool = false) throws {
        let client = HTTPClient(options: options)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let response = try? client.perform(HTTPRequest(url: url)), anyStatus || response.status == 200 { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw SupportError("\(process.name) did not answer \(url) within 20 s:\n\(process.output.suffix(2000))")
    }

    func runMltui(_ arguments: [String], _ extra: [String: String], timeout: TimeInterval = 120) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        for name in ["MLFLOW_TRACKING_URI", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                     "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"] {
            environment.removeValue(forKey: name)
        }
        environment.merge(extra) { $1 }
        return try CommandRunner.run(try RepoLayout.mltuiBinary(), arguments, environment: environment, timeout: timeout)
    }

    func mltuiExperiments(_ url: String, _ environment: [String: String]) throws -> String {
        let result = try runMltui(["experiments", "--tracking-uri", url, "--format", "json"], environment)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.status, 0, "\(environment): \(result.stderrText)")
        return result.stdoutText
    }

    func lines(_ file: URL) -> [String] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// tinyproxy's "Request (file descriptor N): METHOD TARGET HTTP/1.1" lines, one per request.
    func proxyRequests(_ log: URL) -> [String] {
        lines(log).filter { $0.contains("Request (file descriptor") }
    }

    /// nghttpx writes a line when a stream ends, which may trail the answer by a moment: wait at most 5 s.
    func waitForLines(_ file: URL, until done: ([String]) -> Bool) -> [String] {
        let deadline = Date().addingTimeInterval(5)
        var found = lines(file)
        while !done(found) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            found = lines(file)
        }
        return found
    }

    /// One line of the access log written with "$alpn|$remote_port|$status|$request".
    struct AccessEntry {
        var line: String, alpn: String, remotePort: String, status: String, request: String
        init(_ line: String) {
            let fields = line.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            self.line = line
            alpn = fields.count > 0 ? fields[0] : ""
            remotePort = fields.count > 1 ? fields[1] : ""
            status = fields.count > 2 ? fields[2] : ""
            request = fields.count > 3 ? fields[3] : ""
        }
    }
}

/// A helper daemon (nghttpx forks a worker, so a group) in its own process group, started through
/// the same launcher as MLflowServer (setsid, cleared signal mask, exec in place) and stopped by
/// its group id.
final class GroupedProcess {
    let name: String
    let process = Process()
    let log: URL

    init(_ executable: String, _ arguments: [String], log: URL) throws {
        name = URL(fileURLWithPath: executable).lastPathComponent
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: RepoLayout.mlflowPythonPath)
        process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.getpgrp() == os.getpid() or os.setsid(); os.execv(sys.argv[1], sys.argv[1:])",
                             executable] + arguments
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func stop() {
        let group = process.processIdentifier
        guard group > 0 else { return }
        kill(-group, SIGTERM)
        var deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        kill(-group, SIGKILL)  // the group may outlive its leader (nghttpx's worker)
        deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }
}
