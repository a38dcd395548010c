import Foundation
import TestSupport
import XCTest

/// What a load, a hostile client or a bad operator can do to `mltui serve`: each check drives the
/// real binary from a Python script beside this file and fails on the defect it names.
final class HardeningTests: XCTestCase {
    private func script(_ name: String, _ arguments: [String], timeout: TimeInterval = 600) throws {
        let python = try RepoLayout.mlflowPython()
        let path = RepoLayout.root.appendingPathComponent("Tests/ServerTests/\(name)").path
        let mltui = try RepoLayout.mltuiBinary().path
        let result = try CommandRunner.run(python, [path, "--mltui", mltui] + arguments, timeout: timeout)
        print(result.stdoutText.suffix(3000))
        XCTAssertEqual(result.status, 0, "\(name) \(arguments.joined(separator: " ")) failed:\n\(result.stdoutText.suffix(6000))\n\(result.stderrText.suffix(4000))")
    }

    /// Eight clients paging a 20,000-point history at random offsets for 20 seconds: the server
    /// stays up (the shared page-boundary memo once crashed it) and every page is MLflow's slice.
    func testConcurrentPagedHistoryOnSQLite() throws {
        try script("history_load.py", ["--kind", "sqlite", "--threads", "8", "--seconds", "20"])
    }

    func testConcurrentPagedHistoryOnFileStore() throws {
        try script("history_load.py", ["--kind", "fs", "--threads", "8", "--seconds", "20"])
    }

    /// 1,100 idle and half-sent sockets under a 1,024 open-file limit: /health and requests answered.
    func testIdleConnectionsUnderTheOpenFileLimit() throws { try script("hardening.py", ["idle-connections"]) }

    /// Half-sent heads and bodies, silent and idle keep-alive connections closed after --idle-timeout.
    func testHalfSentAndIdleConnectionsAreClosed() throws { try script("hardening.py", ["half-sent"]) }

    /// Host headers matched as whole addresses and names; duplicates refused.
    func testHostHeaderVariants() throws { try script("hardening.py", ["host"]) }

    /// HTTP/1.0 answered, then the connection closed.
    func testHTTP10ConnectionsClose() throws { try script("hardening.py", ["http10"]) }

    /// SIGTERM with a client that stopped reading a download: bounded drain, notices, exit 0.
    func testSIGTERMWithAStalledReader() throws { try script("hardening.py", ["sigterm-stalled"]) }

    /// Ports outside 0–65535 refused; a port in use is one line; IPv6 banner in brackets.
    func testPortsAndStartupErrors() throws { try script("hardening.py", ["ports"]) }

    /// Auth timing (unknown user vs wrong password), /health and logged-in requests under a
    /// bad-password flood, and the per-client back-off.
    func testAuthTimingFloodAndBackOff() throws { try script("hardening.py", ["auth"]) }
}
