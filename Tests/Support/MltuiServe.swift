import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `mltui serve` started by a test: the real binary on 127.0.0.1 and a free port.
public enum MltuiServe {
    /// Starts `mltui serve ARGUMENTS --host 127.0.0.1 --port P --quiet` and waits (bounded) until
    /// `/health` answers. The caller stops the process by its pid (`kill`, then `waitUntilExit`).
    public static func start(_ arguments: [String], timeout: TimeInterval = 30) throws -> (process: Process, url: String) {
        let port = try MLflowServer.freePort()
        let server = Process()
        server.executableURL = try RepoLayout.mltuiBinary()
        server.arguments = ["serve"] + arguments + ["--host", "127.0.0.1", "--port", String(port), "--quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        let url = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(timeout)
        while (try? HTTPAnswer.fetch(URLRequest(url: URL(string: url + "/health")!)))?.status != 200 {
            guard Date() < deadline, server.isRunning else {
                if server.isRunning { kill(server.processIdentifier, SIGKILL) }
                server.waitUntilExit()
                throw SupportError("mltui serve did not answer /health within \(Int(timeout)) s")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (server, url)
    }
}
