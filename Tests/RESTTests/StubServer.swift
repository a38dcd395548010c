import TestSupport
import Foundation
import XCTest

/// A misbehaving HTTP server on 127.0.0.1 (Python's http.server from the MLflow venv). The first
/// path segment picks the behaviour, so one process serves every fault test and a store's
/// tracking URI `http://127.0.0.1:PORT/<mode>` selects it (MLflow keeps a URI's path prefix).
final class StubServer {
    let process: Process
    let port: Int
    let scheme: String
    var url: String { "\(scheme)://127.0.0.1:\(port)" }

    static let python = RepoLayout.mlflowPythonPath

    static let script = #"""
import json, sys, threading, time, base64
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlsplit, parse_qsl

counters = {}
last = {}
lock = threading.Lock()
ARTIFACT = bytes(range(256)) * 4096  # 1 MiB, byte i = i % 256

EXPERIMENT = {"experiment_id": "7", "name": "stub-exp", "artifact_location": "mlflow-artifacts:/7",
              "lifecycle_stage": "active", "last_update_time": 1, "creation_time": 1, "workspace": "default"}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass

    def send(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers: self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self): self.handle_any()
    def do_GET(self): self.handle_any()
    def do_PATCH(self): self.handle_any()
    def do_DELETE(self): self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        segments = parts.path.split("/")
        mode, rest = segments[1], "/" + "/".join(segments[2:])
        query = parse_qsl(parts.query, keep_blank_values=True)
        kind = mode.split("-")[0]
        with lock:
            counters[mode] = counters.get(mode, 0) + 1
            count = counters[mode]
        if rest == "/count":
            return self.send(200, json.dumps({"count": counters.get(parts.query, 0)}))
        if rest == "/last":
            return self.send(200, json.dumps(last.get(parts.query, {})))
        with lock:
            last[mode] = {"method": self.command, "path": rest, "query": query, "peer": self.client_address[1],
                          "body": body.decode(), "headers": {k.lower(): v for k, v in self.headers.items()}}
        if kind == "echo":  # records the request (see /last) and answers an empty result
            return self.send(200, "{}")
        if kind == "hang":
            time.sleep(30); return
        if kind == "flaky":  # 503 twice, then the real answer
            if count <= 2:
                return self.send(503, "Service Unavailable", "text/plain", [("Retry-After", "0")])
            return self.send(200, json.dumps({"experiment": EXPERIMENT}))
        if kind == "broken":  # always 502, as a proxy whose upstream failed
            return self.send(502, "Bad Gateway", "text/plain")
        if kind == "down":  # always 503
            return self.send(503, "<html><title>503 Service Unavailable</title></html>", "text/html")
        if kind == "auth":  # Basic alice:s3cret or Bearer tok3n
            expected = ["Basic " + base64.b64encode(b"alice:s3cret").decode(), "Bearer tok3n"]
            if self.headers.get("Authorization") not in expected:
                return self.send(401, "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html",
                                 "text/plain", [("WWW-Authenticate", 'Basic realm="mlflow"')])
            return self.send(200, json.dumps({"experiment": EXPERIMENT}))
        if kind == "html":
            return self.send(200, "<!doctype html><html><head><title>Login</title></head><body>hi</body></html>", "text/html")
        if kind == "truncated":  # promises 4000 bytes, sends 100, closes
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4000")
            self.end_headers()
            self.wfile.write(json.dumps({"experiments": [EXPERIMENT] * 20}).encode()[:100])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "halfjson":  # a complete HTTP answer holding half a JSON document
            return self.send(200, json.dumps({"experiments": [EXPERIMENT] * 20})[:150])
        if kind in ("pages", "offsetpages"):  # runs/search over 7 runs; opaque or MLflow offset tokens
            req = json.loads(body or b"{}")
            token = req.get("page_token")
            if kind == "pages":
                start = int(token[len("opaque-"):]) if token else 0
            else:
                start = json.loads(base64.b64decode(token))["offset"] if token else 0
            end = min(start + int(req["max_results"]), 7)
            answer = {"runs": [{"info": {"run_id": "r%d" % i, "experiment_id": "1"}} for i in range(start, end)]}
            if end < 7:
                answer["next_page_token"] = ("opaque-%d" % end) if kind == "pages" else base64.b64encode(
                    json.dumps({"offset": end}).encode()).decode()
            return self.send(200, json.dumps(answer) if answer["runs"] else "{}")
        if kind == "mlflowerror":
            return self.send(404, json.dumps({"error_code": "RESOURCE_DOES_NOT_EXIST",
                "message": "Run with id=abc not found", "sqlstate": "KAM00", "error_class": "RESOURCE_NOT_FOUND"}))
        if kind == "artifact":  # /get-artifact honouring Range (206) or, for "artifact-norange", not
            rng = self.headers.get("Range")
            if rng and "norange" not in mode:
                start, end = rng.split("=")[1].split("-")
                start, end = int(start), min(int(end), len(ARTIFACT) - 1)
                if start >= len(ARTIFACT):
                    return self.send(416, "", "text/plain", [("Content-Range", "bytes */%d" % len(ARTIFACT))])
                return self.send(206, ARTIFACT[start:end + 1], "application/octet-stream",
                                 [("Content-Range", "bytes %d-%d/%d" % (start, end, len(ARTIFACT)))])
            return self.send(200, ARTIFACT, "application/octet-stream")
        return self.send(404, "<html>not found</html>", "text/html")

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) == 3:  # TLS with this certificate and key
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#

    /// `tls`: serve HTTPS with this PEM certificate and key.
    init(tls: (certificate: String, key: String)? = nil) throws {
        scheme = tls == nil ? "http" : "https"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mltui-stub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let scriptURL = dir.appendingPathComponent("stub.py")
        try StubServer.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: StubServer.python)
        process.arguments = [scriptURL.path] + (tls.map { [$0.certificate, $0.key] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice  // tracebacks of connections the client aborts on purpose
        try process.run()
        // The port is the first line; bounded by the read (the process prints it at once).
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            XCTFail("stub server did not start"); throw XCTSkip("stub server did not start")
        }
        self.port = port
    }

    func stop() {
        // SIGKILL: it cannot be blocked by a signal mask inherited from the spawning thread.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// A port nothing listens on: bound, then released.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
