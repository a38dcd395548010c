import TestSupport
import Foundation
import HTTPClient
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Processes and paths shared by the artifact tests: the real MLflow venv, the built mltui
/// binary, free ports on 127.0.0.1, and servers stopped by PID.
enum Support {
    static let venv = RepoLayout.mlflowBinDirectory + "/"
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static var mltui: String { packageRoot + "/.build/debug/mltui" }
    static var logScript: String { packageRoot + "/Tests/ArtifactsTests/log_artifacts.py" }

    static func temporaryDirectory(_ label: String) throws -> String {
        let dir = NSTemporaryDirectory() + "mltui-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A port nothing listens on right now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw NSError(domain: "port", code: 1) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs a program to completion with extra environment; output captured.
    @discardableResult
    static func run(_ exe: String, _ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_TRACKING_URI"] = nil
        environment["PYTHONWARNINGS"] = "ignore"
        environment.merge(env) { $1 }
        process.environment = environment
        let errPath = NSTemporaryDirectory() + "mltui-err-\(UUID().uuidString)"
        let outPath = errPath + ".out"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath); try? FileManager.default.removeItem(atPath: outPath) }
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        process.waitUntilExit()
        let read = { (path: String) in String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self) }
        return Result(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
    }

    /// Logs the standard artifact set with the real MLflow client; returns its JSON answer.
    static func logArtifacts(trackingURI: String, src: String, location: String? = nil,
                             env: [String: String] = [:]) throws -> [String: Any] {
        let result = try run(venv + "python", [logScript, trackingURI, src] + (location.map { [$0] } ?? []), env: env)
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw NSError(domain: "log_artifacts", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: String(result.stderr.suffix(3000))])
        }
        return json
    }

    /// A server process started in the background, stopped by its PID.
    final class Server {
        let process = Process()
        let log: String

        init(_ exe: String, _ args: [String], env: [String: String] = [:], cwd: String) throws {
            log = cwd + "/server.log"
            FileManager.default.createFile(atPath: log, contents: nil)
            // Foundation starts the child as leader of its own process group (pgid == pid), so
            // stopping the group also stops the uvicorn, job-runner and huey children of `mlflow server`.
            process.executableURL = URL(fileURLWithPath: exe)
            process.arguments = args
            process.currentDirectoryURL = URL(fileURLWithPath: cwd)
            var environment = ProcessInfo.processInfo.environment
            environment.merge(env) { $1 }
            process.environment = environment
            process.standardOutput = FileHandle(forWritingAtPath: log)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
        }

        /// Polls `url` until it answers 200, at most `seconds`.
        func waitUntilReady(_ url: String, seconds: Double) async throws {
            let client = HTTPClient(options: HTTPOptions(timeout: 2))
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                guard process.isRunning else { break }
                if let response = try? await client.send(HTTPRequest(url: url)), response.status == 200 { return }
                try await Task.sleep(nanoseconds: 250_000_000)
            }
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            stop()
            throw NSError(domain: "server", code: 1, userInfo: [NSLocalizedDescriptionKey: "not ready at \(url): \(tail)"])
        }

        /// SIGTERM to the server's own process group (its id is the PID we started), then
        /// SIGKILL if anything in it lingers (bounded).
        func stop() {
            let group = process.processIdentifier
            guard group > 0, kill(-group, 0) == 0 else { return }
            kill(-group, SIGTERM)
            for _ in 0..<50 where kill(-group, 0) == 0 { usleep(100_000) }
            if kill(-group, 0) == 0 { kill(-group, SIGKILL) }
            if process.isRunning { process.waitUntilExit() }
        }

        deinit { stop() }
    }

    /// Every file under `dir`, relative path -> bytes.
    static func tree(_ dir: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return files }
        for case let relative as String in walker {
            var isDir: ObjCBool = false
            let full = dir + "/" + relative
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
                files[relative] = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: full))) ?? Data())
            }
        }
        return files
    }
}
