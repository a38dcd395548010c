import Artifacts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Tracking

/// The request context: Hummingbird's core plus the peer address for the access log.
struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "-"
    }
}

/// Answers every request as `mlflow server` would over the same store: host check, then
/// authentication, then body limits, then the route (mlflow/server/handlers.py
/// `get_endpoints`). Routing is a table lookup on the path, so `/api/...` and `/ajax-api/...`
/// share one table and unknown paths get Flask's HTML 404 exactly as MLflow answers them.
struct MLflowResponder: HTTPResponder {
    public typealias Context = ServerRequestContext

    let configuration: ServerConfiguration
    let hosts: HostAllowList
    let tracking: TrackingEndpoints
    let runArtifacts: RunArtifacts
    let destination: LocalArtifacts?
    /// nil when the server is read-only (`--read-only`, or a store that cannot be written).
    let writes: WriteEndpoints?
    /// Logged models, the registry and datasets; nil for a store without those reads.
    let models: ModelEndpoints?

    public init(store: any TrackingStore, configuration: ServerConfiguration) {
        self.configuration = configuration
        hosts = HostAllowList(configuration.allowedHosts)
        destination = configuration.artifactsDestination.map { LocalArtifacts(root: $0) }
        runArtifacts = RunArtifacts(store: store, destination: destination)
        tracking = TrackingEndpoints(store: store, artifacts: runArtifacts, maxPageSize: configuration.maxPageSize)
        writes = configuration.readOnly ? nil : (store as? any TrackingWriter).map { WriteEndpoints(writer: $0) }
        models = (try? store.models).map(ModelEndpoints.init(models:))
    }

    public func respond(to request: Request, context: ServerRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        // HEAD is GET without the body, as Flask answers it.
        var asked = request
        if request.method == .head {
            var head = request.head
            head.method = .get
            asked = Request(head: head, body: request.body)
        }
        var response = await answer(asked, client: context.remoteAddress)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "SAMEORIGIN"
        // The connection closes after this answer (HTTP/1.0, or the client asked): say so.
        if request.headers[.connection] == "close" { response.headers[.connection] = "close" }
        let log = configuration.accessLog
        let line = "\(context.remoteAddress) \"\(request.method.rawValue) \(request.uri.path)\" \(response.status.code)"
        let body = request.method == .head ? ResponseBody(contentLength: response.body.contentLength) { try await $0.finish(nil) } : response.body
        let counter = Locked(0)
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            var outcome = ""
            do {
                try await body.write(CountingWriter(inner: writer, counter: counter, channel: context.channel))
            } catch {
                outcome = " aborted"
                AccessLog.emit(log, line, bytes: counter.current, since: start, outcome)
                throw error
            }
            AccessLog.emit(log, line, bytes: counter.current, since: start, outcome)
        }
        return response
    }

    /// The Host header names are compared with the allow-list, and a request with two Host
    /// headers is refused: a proxy and this server could each read a different one.
    private func hostAllowed(_ request: Request) -> Bool {
        request.headers[values: HTTPField.Name("Host")!].isEmpty && hosts.allows(request.head.authority)
    }

    private func answer(_ request: Request, client: String) async -> Response {
        let rawPath = request.uri.path
        let path = rawPath.removingPercentEncoding ?? rawPath
        if path != "/health" && path != "/version" && !hostAllowed(request) {
            return Responses.text(.forbidden, "Invalid Host header - possible DNS rebinding attack detected")
        }
        var access = Credentials.Access.write
        if path != "/health", let credentials = configuration.credentials {
            switch await credentials.authorize(request.headers[.authorization], client: client) {
            case .granted(let granted): access = granted
            case .denied:
                var response = Responses.text(.unauthorized, "You are not authenticated. Send HTTP basic credentials from the server's auth file, or its token as a bearer token.")
                response.headers[.wwwAuthenticate] = "Basic realm=\"mlflow\""
                return response
            case .throttled(let seconds):
                var response = Responses.text(.tooManyRequests, "Too many failed logins from this address; try again in \(seconds) s.")
                response.headers[.retryAfter] = String(seconds)
                return response
            case .busy:
                var response = Responses.text(.serviceUnavailable, "The server is busy checking other logins; try again in a moment.")
                response.headers[.retryAfter] = "1"
                return response
            }
        }
        if request.method == .options { return options(path) }
        do {
            return try await route(request, path: path, access: access)
        } catch let error as BodyTooLarge {
            return Responses.error(MLflowError(.badRequest, "Request body exceeds the limit of \(error.limit) bytes"),
                                   status: .contentTooLarge)
        } catch is UncaughtStoreError {
            return Responses.internalServerErrorPage()
        } catch {
            // Store failures are one-line MLflowErrors; nothing else (no stack trace) reaches the client.
            return Responses.error(error.asMLflowError)
        }
    }

    /// OPTIONS as MLflow answers it: the path's methods in `Allow`, 204 on the REST API and 200
    /// on the other routes; an unknown path is Flask's 404 page.
    private func options(_ path: String) -> Response {
        guard let methods = allowedMethods(path) else { return Responses.notFoundPage() }
        let api = path.hasPrefix("/api/") || path.hasPrefix("/ajax-api/")
        var response = Responses.html(api ? .noContent : .ok, "")
        response.headers[.allow] = Responses.allowHeader(methods)
        return response
    }

    /// The methods a path answers, from the same tables `route` uses; nil for an unknown path.
    private func allowedMethods(_ path: String) -> [HTTPRequest.Method]? {
        switch path {
        case "/health", "/version", "/get-artifact", "/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info":
            return [.get]
        default: break
        }
        for prefix in ["/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts"] where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if rest.isEmpty { return [.get] }
            if rest.hasPrefix("/") { return [.get, .put, .delete] }
        }
        for prefix in ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"] where path.hasPrefix(prefix) {
            let name = String(path.dropFirst(prefix.count))
            if let methods = TrackingEndpoints.writes[name] ?? TrackingEndpoints.reads[name] ?? ModelEndpoints.reads[name] { return methods }
            if prefix.hasPrefix("/ajax-api/") {
                if let methods = ModelEndpoints.ajaxReads[name] { return methods }
                if ModelEndpoints.modelArtifactRoute(name) != nil { return [.get] }
            }
            if name.hasPrefix("logged-models/"), !name.dropFirst("logged-models/".count).contains("/") { return [.get, .patch, .delete] }
            return nil
        }
        return nil
    }

    private func route(_ request: Request, path: String, access: Credentials.Access) async throws -> Response {
        let method = request.method
        switch path {
        case "/health": return Responses.text(.ok, "OK")
        case "/version": return Responses.text(.ok, ServerConfiguration.mlflowVersion, contentType: "text/html; charset=utf-8")
        case "/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info":
            guard method == .get else { return Responses.methodNotAllowedPage(allowed: [.get]) }
            return Responses.json(bytes: Array(serverInfo.utf8))
        case "/get-artifact":
            guard method == .get else { return Responses.methodNotAllowedPage(allowed: [.get]) }
            return try await getArtifact(RequestParameters(query: request.uri.query))
        default: break
        }
        for prefix in ["/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts"] where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if rest.isEmpty {
                guard method == .get else { return Responses.methodNotAllowedPage(allowed: [.get]) }
                return try proxiedList(RequestParameters(query: request.uri.query))
            }
            if rest.hasPrefix("/") { return try await proxiedFile(request, path: String(rest.dropFirst()), access: access) }
        }
        for prefix in ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"] where path.hasPrefix(prefix) {
            let name = String(path.dropFirst(prefix.count))
            if let models, let answer = try await modelEndpoint(models, request, name: name, ajax: prefix.hasPrefix("/ajax-api/")) {
                return answer
            }
            // A store without model reads has no logged models; the Python client needs `{}`
            // here (`RunsArtifactRepository.list_artifacts` searches them and fails on a 404).
            if models == nil, name == "logged-models/search", request.method == .post {
                return Responses.json(bytes: Responses.emptyObject)
            }
            return try await trackingEndpoint(request, name: name, path: path, access: access)
        }
        return Responses.notFoundPage()
    }

    private func trackingEndpoint(_ request: Request, name: String, path: String, access: Credentials.Access) async throws -> Response {
        let method = request.method
        if let writes, let route = LoggedModelEndpoints.route(name, method) {
            if LoggedModelEndpoints.isWrite(route), access == .read { return Responses.permissionDenied() }
            // Only POST carries a checked JSON body (`_validate_content_type`); PATCH bodies are read as JSON whatever their type.
            let body = method == .post ? try await jsonBody(request) : try await self.body(request)
            return try await LoggedModelEndpoints(writes: writes).handle(route, body: body)
        }
        if let methods = TrackingEndpoints.writes[name] ?? TrackingEndpoints.loggedModelWrite(name, method) {
            guard methods.contains(method) else { return Responses.methodNotAllowedPage(allowed: methods) }
            guard let writes else { throw TrackingEndpoints.readOnlyError(method, path) }
            if access == .read { return Responses.permissionDenied() }
            return try await writes.handle(name, body: try await jsonBody(request))
        }
        if name.hasPrefix("logged-models/"), method == .get, !name.dropFirst("logged-models/".count).contains("/") {
            let id = name.dropFirst("logged-models/".count)
            throw MLflowError.notFound("Logged model with ID '\(id)' not found.")
        }
        guard let methods = TrackingEndpoints.reads[name] else { return Responses.notFoundPage() }
        guard methods.contains(method) else { return Responses.methodNotAllowedPage(allowed: methods) }
        let parameters: RequestParameters
        if method == .get {
            parameters = RequestParameters(query: request.uri.query)
        } else {
            parameters = RequestParameters(jsonBody: try await jsonBody(request))
        }
        return try await tracking.handle(name, parameters)
    }

    /// The model reads (`ModelEndpoints`); nil when `name` is not one of them.
    private func modelEndpoint(_ models: ModelEndpoints, _ request: Request, name: String, ajax: Bool) async throws -> Response? {
        let method = request.method
        let query = RequestParameters(query: request.uri.query)
        if name == "logged-models/search" {
            guard method == .post else { return Responses.methodNotAllowedPage(allowed: [.post]) }
            return try await models.searchLoggedModels(body: try await jsonBody(request))
        }
        if name.hasPrefix("logged-models/"), method == .get, !name.dropFirst("logged-models/".count).contains("/") {
            return try await models.loggedModel(id: String(name.dropFirst("logged-models/".count)), query)
        }
        if ajax, let route = ModelEndpoints.modelArtifactRoute(name) {
            guard method == .get else { return Responses.methodNotAllowedPage(allowed: [.get]) }
            guard route.files else { return try await models.listModelArtifacts(id: route.id, query) }
            guard let path = query.string("artifact_file_path"), !path.isEmpty else {
                throw MLflowError.invalidParameter("Parameter 'artifact_file_path' must be specified.")
            }
            let content = try await models.models.openLoggedModelArtifact(id: route.id, path: try ArtifactPath.validated(path))
            return download(content, name: (path as NSString).lastPathComponent)
        }
        if ajax, let methods = ModelEndpoints.ajaxReads[name] {
            guard methods.contains(method) else { return Responses.methodNotAllowedPage(allowed: methods) }
            return try await models.searchDatasets(body: try await jsonBody(request))
        }
        guard let methods = ModelEndpoints.reads[name] else { return nil }
        guard methods.contains(method) else { return Responses.methodNotAllowedPage(allowed: methods) }
        if method == .get { return try await models.handle(name, query, body: []) }
        let body = try await jsonBody(request)
        return try await models.handle(name, RequestParameters(jsonBody: body), body: body)
    }

    /// A POST body, refused unless it is JSON (MLflow's `_validate_content_type`) and within the size limit.
    private func jsonBody(_ request: Request) async throws -> [UInt8] {
        guard let header = request.headers[.contentType] else {
            throw MLflowError.invalidParameter("Bad Request. Content-Type header is missing.")
        }
        let contentType = header.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            throw MLflowError.invalidParameter("Bad Request. Content-Type must be one of ['application/json'].")
        }
        return try await body(request)
    }

    private func body(_ request: Request) async throws -> [UInt8] {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw BodyTooLarge(limit: limit)
        }
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw BodyTooLarge(limit: limit)
        }
    }

    // MARK: artifacts

    /// `GET /api/2.0/mlflow-artifacts/artifacts?path=dir`: basenames, `{}` for a file or a missing path
    /// (mlflow/server/handlers.py `_list_artifacts_mlflow_artifacts`).
    private func proxiedList(_ p: RequestParameters) throws -> Response {
        guard let destination else { return artifactsDisabled(list: true) }
        let entries = try destination.list(path: try p.string("path").map(ArtifactPath.validated))
        var w = JSONWriter()
        w.beginObject()
        w.list("files", entries) { w, e in
            w.write(ArtifactEntry(path: (e.path as NSString).lastPathComponent, isDir: e.isDir, fileSize: e.fileSize))
        }
        w.endObject()
        return Responses.json(w)
    }

    /// `/api/2.0/mlflow-artifacts/artifacts/<path>`: download (streamed) as `_download_artifact`
    /// does, its errors naming the checked path; uploads and deletes unless read-only.
    private func proxiedFile(_ request: Request, path: String, access: Credentials.Access) async throws -> Response {
        let method = request.method
        guard method == .get else {
            guard [.put, .delete].contains(method) else { return Responses.methodNotAllowedPage(allowed: [.get, .put, .delete]) }
            guard writes != nil else { return Responses.error(TrackingEndpoints.readOnlyError(method, request.uri.path), compact: true) }
            if access == .read { return Responses.permissionDenied(plain: true) }
            return try await artifactWrite(request, path: path)
        }
        guard let destination else { return artifactsDisabled(list: false) }
        do {
            let path = try ArtifactPath.validated(path)
            switch try destination.lookup(path: path) {
            case .file(let content): return download(content, name: (path as NSString).lastPathComponent)
            case .directory: return Responses.detail(.badRequest, "Artifact path refers to a directory, not a file: '\(path)'")
            case .missing: return Responses.error(.notFound("No such artifact: '\(path)'"), compact: true)
            }
        } catch let error as MLflowError {
            return Responses.error(error, compact: true)
        }
    }

    /// `GET /get-artifact?path=&run_uuid=`: one run artifact wherever the run keeps it
    /// (mlflow/server/handlers.py `get_artifact_handler`).
    private func getArtifact(_ p: RequestParameters) async throws -> Response {
        guard let runID = p.string("run_uuid") ?? p.string("run_id") else { throw RequestParameters.missing("run_uuid") }
        guard let path = p.string("path") else { throw RequestParameters.missing("path") }
        switch try await runArtifacts.open(runID: runID, path: path) {
        case .content(let content, let name): return download(content, name: name)
        case .directory(let path): throw MLflowError.invalidParameter("Artifact path refers to a directory, not a file: '\(path)'")
        case .missing(let path): throw MLflowError.notFound("No such artifact: '\(path)'")
        }
    }

    /// Streams a file chunk by chunk (never whole in memory), with MLflow's download headers.
    private func download(_ content: any ArtifactContent, name: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = MediaType.guess(name)
        headers[.contentDisposition] = "attachment; filename=\(name)"
        headers[.acceptRanges] = "bytes"
        let length = content.size.map(Int.init)
        let body = ResponseBody(contentLength: length) { writer in
            for try await chunk in content.chunks(size: 256 * 1024) {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Waits (bounded) until the connection has handed every body byte to the kernel.
    /// Hummingbird 2.28 closes a connection right after the response end when shutting down,
    /// and NIO drops writes still buffered at close; without this wait a download to a client
    /// slower than the disk would be cut short by SIGTERM instead of finishing.
    static func drain(_ channel: any Channel) async {
        var settled = 0
        for _ in 0..<12_000 {  // at most 60 s at 5 ms
            guard channel.isActive else { return }
            let buffered = (try? await channel.getOption(ChannelOptions.bufferedWritableBytes).get()) ?? 0
            if buffered == 0 && channel.isWritable {
                settled += 1
                if settled >= 2 { return }
            } else {
                settled = 0
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// PUT (FastAPI, compact errors) or DELETE (Flask) of one proxied artifact.
    private func artifactWrite(_ request: Request, path: String) async throws -> Response {
        guard let destination else {
            if request.method == .put { return artifactsDisabled(list: false) }
            return Responses.text(.serviceUnavailable, Self.flaskDisabledMessage("/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>"), contentType: "text/html; charset=utf-8")
        }
        let uploads = ArtifactUploads(destination: destination)
        guard request.method == .put else { return try await uploads.delete(path: path) }
        do {
            return try await uploads.upload(request, path: path)
        } catch let error as MLflowError {
            return Responses.error(error, compact: true)
        }
    }

    /// The list route is Flask's (`_disable_unless_serve_artifacts`); downloads and uploads are
    /// FastAPI's `artifact_router`, with its own wording.
    private func artifactsDisabled(list: Bool) -> Response {
        if list { return Responses.text(.serviceUnavailable, Self.flaskDisabledMessage("/api/2.0/mlflow-artifacts/artifacts")) }
        return Responses.detail(.serviceUnavailable, "Artifact serving is disabled. Run `mlflow server` with `--serve-artifacts` to enable.")
    }

    static func flaskDisabledMessage(_ rule: String) -> String {
        "Endpoint: \(rule) disabled due to the mlflow server running with `--no-serve-artifacts`. To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`"
    }

    private var serverInfo: String {
        "{\"store_type\":\(Responses.quoted(configuration.storeType)),\"workspaces_enabled\":false,\"trace_archival_enabled\":false,\"multipart_uploads_enabled\":false,\"multipart_downloads_enabled\":false,\"presigned_upload_run_id_supported\":false,\"presigned_upload_model_id_supported\":false,\"features_enabled\":{\"gateway\":false}}"
    }
}

extension TrackingEndpoints {
    /// `logged-models/{id}` PATCH/DELETE and `logged-models/{id}/...` writes.
    static func loggedModelWrite(_ name: String, _ method: HTTPRequest.Method) -> [HTTPRequest.Method]? {
        guard name.hasPrefix("logged-models/"), name != "logged-models/search" else { return nil }
        return method == .patch || method == .delete || method == .post ? [method] : nil
    }
}

/// A request body over the limit: 413 with MLflow's JSON error body.
struct BodyTooLarge: Error {
    let limit: Int
}

/// MLflow's `_guess_mime_type` (mlflow/utils/mime_type_utils.py): text-like extensions (and
/// MLmodel, MLproject) are served as text/plain, others by Python's mimetypes table.
enum MediaType {
    static let textExtensions: Set<String> = [
        "txt", "log", "err", "cfg", "conf", "cnf", "cf", "ini", "properties", "prop", "hocon", "toml",
        "yaml", "yml", "xml", "json", "js", "py", "py3", "csv", "tsv", "md", "rst", "ipynb", "MLmodel", "MLproject",
    ]

    static func guess(_ name: String) -> String {
        let ext = (name as NSString).pathExtension
        if textExtensions.contains(ext.isEmpty ? name : ext) { return "text/plain" }
        switch ext.lowercased() {
        case "html", "htm": return "text/html"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "svg": return "image/svg+xml"
        case "pdf": return "application/pdf"
        case "gz": return "application/gzip"
        case "zip": return "application/zip"
        case "tar": return "application/x-tar"
        case "parquet": return "application/vnd.apache.parquet"
        default: return "application/octet-stream"
        }
    }
}

/// Passes a response body through, counting its bytes for the access log; a large body is
/// drained to the kernel before the response ends (see `MLflowResponder.drain`).
struct CountingWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let counter: Locked<Int>
    let channel: any Channel

    mutating func write(_ buffer: ByteBuffer) async throws {
        let bytes = buffer.readableBytes
        counter.withLock { $0 += bytes }
        try await inner.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        // Small answers fit the socket's send buffer at once; only large ones can be caught buffered.
        if counter.current > 64 * 1024 { await MLflowResponder.drain(channel) }
        try await inner.finish(trailingHeaders)
    }
}

/// One line per request: time, peer, method, path (no query string, no headers, so never a
/// credential), status, bytes sent and duration.
enum AccessLog {
    static func emit(_ log: @Sendable (String) -> Void, _ line: String, bytes: Int, since start: ContinuousClock.Instant, _ outcome: String) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        log("\(timestamp()) \(line) \(bytes)B \(String(format: "%.1f", ms))ms\(outcome)")
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
