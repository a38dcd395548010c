import Foundation
import Tracking
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP answer: status code and body.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var body: Data
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Sends `request` with URLSession and waits for the answer (tests are synchronous).
    public static func fetch(_ request: URLRequest) throws -> HTTPAnswer {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<HTTPAnswer, Error>>(.failure(SupportError("no answer")))
        URLSession.shared.dataTask(with: request) { data, response, error in
            let answer: Result<HTTPAnswer, Error> = error.map { .failure($0) }
                ?? .success(HTTPAnswer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data ?? Data()))
            outcome.withLock { $0 = answer }
            done.signal()
        }.resume()
        done.wait()
        return try outcome.current.get()
    }
}

/// A real `mlflow server` on 127.0.0.1 and a free port, over one backend store. Started in its own
/// process group (it forks uvicorn and a job runner) so `stop()` ends all of it by that id:
/// Foundation's Process makes every child the leader of a new process group.
public final class MLflowServer: Sendable {
    public let baseURL: URL
    public let logURL: URL
    private let process: Process

    /// The port it listens on, and its address as a tracking URI.
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// `mlflow server --backend-store-uri URI`; `port` nil picks a free one (a given port lets
    /// a test start a server again where a stopped one listened).
    public convenience init(backendStoreURI: String, port: Int? = nil, startupTimeout: TimeInterval = 90) throws {
        try self.init(arguments: ["--backend-store-uri", backendStoreURI], port: port, startupTimeout: startupTimeout)
    }

    /// Starts `mlflow server ARGUMENTS` on a free 127.0.0.1 port, in `directory` (its default
    /// ./mlartifacts lands there; a scratch folder by default), and waits (bounded) until
    /// `/health` answers.
    public init(arguments: [String], directory: URL = FileManager.default.temporaryDirectory,
                environment: [String: String] = [:], port: Int? = nil, startupTimeout: TimeInterval = 90) throws {
        let mlflow = try RepoLayout.mlflowCLI()
        self.port = try port ?? MLflowServer.freePort()
        baseURL = URL(string: "http://127.0.0.1:\(self.port)")!
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-mlflow-server-\(self.port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)

        process = Process()
        // A launcher that makes the server a process-group leader (it forks uvicorn and job
        // workers, stopped together by the group's id) and execs it in place (same pid), with
        // the signal mask cleared: a child spawned from a concurrency thread inherits that
        // thread's blocked signals, and would ignore SIGTERM.
        process.executableURL = try RepoLayout.mlflowPython()
        process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.getpgrp() == os.getpid() or os.setsid(); os.execv(sys.argv[1], sys.argv[1:])",
                             mlflow.path, "server"] + arguments
            + ["--host", "127.0.0.1", "--port", String(self.port), "--workers", "1"]
        var env = ProcessInfo.processInfo.environment
        env["MLFLOW_ALLOW_FILE_STORE"] = "true"
        env.removeValue(forKey: "MLFLOW_TRACKING_URI")
        env.merge(environment) { $1 }
        process.environment = env
        process.currentDirectoryURL = directory
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()

        let deadline = Date().addingTimeInterval(startupTimeout)
        while true {
            if let answer = try? get("/health", timeout: 2), answer.status == 200 { break }
            if !process.isRunning {
                throw SupportError("mlflow server exited with status \(process.terminationStatus) before answering /health:\n\(logTail())")
            }
            if Date() > deadline {
                stop()
                throw SupportError("mlflow server did not answer /health within \(Int(startupTimeout)) s:\n\(logTail())")
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    deinit { stop() }

    /// Ends the server's whole process group: TERM, then KILL after a bounded wait.
    public func stop() {
        defer { try? FileManager.default.removeItem(at: logURL) }
        guard process.isRunning else { return }
        let group = process.processIdentifier
        kill(-group, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        kill(-group, SIGKILL)
        process.waitUntilExit()
    }

    /// The last lines of the server's log, for failure messages.
    public func logTail(_ characters: Int = 3000) -> String {
        let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return String(text.suffix(characters))
    }

    public func get(_ path: String, query: [(String, String)] = [], timeout: TimeInterval = 60) throws -> HTTPAnswer {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // URLComponents leaves '+' alone, which a server decodes as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = timeout
        return try send(request)
    }

    public func post(_ path: String, json: [String: Any], timeout: TimeInterval = 60) throws -> HTTPAnswer {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        request.timeoutInterval = timeout
        return try send(request)
    }

    private func send(_ request: URLRequest) throws -> HTTPAnswer { try HTTPAnswer.fetch(request) }

    /// A port nobody listens on right now (bind to port 0 and read back what the kernel chose).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Int32 in
                guard bind(fd, sa, length) == 0 else { return -1 }
                return getsockname(fd, sa, &length)
            }
        }
        guard bound == 0 else { throw SupportError("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
