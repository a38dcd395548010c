import CCurl
import Dispatch
import Foundation
import Tracking

/// Transport settings. `timeout` is requests' meaning of MLflow's MLFLOW_HTTP_REQUEST_TIMEOUT:
/// a connect timeout and a read timeout (no byte for that long), not a cap on a whole download.
public struct HTTPOptions: Sendable, Equatable {
    public var timeout: Int
    public var verifyTLS: Bool
    /// A CA bundle to verify the server with (MLFLOW_TRACKING_SERVER_CERT_PATH).
    public var caBundlePath: String?
    /// A PEM holding the client certificate and its key, for mutual TLS.
    public var clientCertificatePath: String?
    var userAgent: String
    /// Idle easy handles kept for reuse; each keeps its own live connections.
    public var poolSize: Int

    public init(timeout: Int = 120, verifyTLS: Bool = true, caBundlePath: String? = nil,
                clientCertificatePath: String? = nil, userAgent: String = "mltui", poolSize: Int = 10) {
        self.timeout = timeout
        self.verifyTLS = verifyTLS
        self.caBundlePath = caBundlePath
        self.clientCertificatePath = clientCertificatePath
        self.userAgent = userAgent
        self.poolSize = poolSize
    }
}

/// A small HTTP client over libcurl's easy API. Safe for concurrent use: each request borrows an
/// easy handle from a pool and gives it back, so sequential requests reuse the handle's open
/// (keep-alive, HTTP/2) connection and concurrent ones get a lane each. Proxies come from the
/// environment (http_proxy, https_proxy, all_proxy, no_proxy) as libcurl reads them, plus
/// HTTP_PROXY, which requests honours and libcurl does not.
public final class HTTPClient: Sendable {
    public let options: HTTPOptions
    private let idle = Locked<[EasyHandle]>([])

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(options: HTTPOptions = HTTPOptions()) {
        _ = HTTPClient.globalInit
        self.options = options
    }

    /// Sends one request off the caller's thread; cancelling the task aborts the transfer.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let flag = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, Error>) in
                // libcurl blocks; a GCD worker (not the cooperative pool) carries the wait.
                DispatchQueue.global(qos: .userInitiated).async {
                    continuation.resume(with: Result { try self.perform(request, cancel: flag) })
                }
            }
        } onCancel: {
            flag.set()
        }
    }

    /// Sends one request on the calling thread.
    func perform(_ request: HTTPRequest, cancel: CancelFlag = CancelFlag()) throws -> HTTPResponse {
        let handle = borrow()
        defer { giveBack(handle) }
        return try handle.perform(request, options: options, cancel: cancel)
    }

    /// How many idle handles the pool holds (tests check that handles are reused).
    var idleHandles: Int { idle.withLock { $0.count } }

    private func borrow() -> EasyHandle {
        idle.withLock { $0.popLast() } ?? EasyHandle()
    }

    private func giveBack(_ handle: EasyHandle) {
        idle.withLock { if $0.count < max(options.poolSize, 1) { $0.append(handle) } }
    }
}

/// Set from any thread to abort a transfer at libcurl's next progress callback.
final class CancelFlag: Sendable {
    private let value = Locked(false)
    public init() {}
    public func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.current }
}

/// One libcurl easy handle. Used by one thread at a time (the pool guarantees it).
// @unchecked: a CURL* may move between threads but is used by one at a time (HTTPClient's pool lends it out).
final class EasyHandle: @unchecked Sendable {
    let curl: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>

    init() {
        guard let curl = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.curl = curl
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(curl)
        errorBuffer.deallocate()
    }

    func perform(_ request: HTTPRequest, options: HTTPOptions, cancel: CancelFlag) throws -> HTTPResponse {
        // reset keeps live connections, the DNS cache and TLS sessions (that is the reuse).
        curl_easy_reset(curl)
        errorBuffer[0] = 0
        let transfer = Transfer(curl: curl, window: request.window, cancel: cancel)
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        var headerLines = request.headers
        if let window = request.window { headerLines.append(window.rangeHeader) }
        if request.body != nil, !headerLines.contains(where: { $0.lowercased().hasPrefix("content-type:") }) {
            headerLines.append("Content-Type: application/json")
        }
        headerLines.append("Expect:")  // no 100-continue round trip for small JSON bodies
        for line in headerLines { headerList = curl_slist_append(headerList, line) }

        mltui_curl_setopt_string(curl, CURLOPT_URL, request.url)
        mltui_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        mltui_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        mltui_curl_setopt_long(curl, CURLOPT_TCP_KEEPALIVE, 1)
        mltui_curl_setopt_long(curl, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        mltui_curl_setopt_string(curl, CURLOPT_ACCEPT_ENCODING, "")
        mltui_curl_setopt_string(curl, CURLOPT_USERAGENT, options.userAgent)
        mltui_curl_setopt_pointer(curl, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
        let timeout = max(options.timeout, 1)
        mltui_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, timeout)
        // The read timeout: abort when under 1 byte/s for `timeout` seconds (a server that never answers).
        mltui_curl_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, 1)
        mltui_curl_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, timeout)
        if !options.verifyTLS {
            mltui_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 0)
            mltui_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let sign = request.awsSigV4 {
            mltui_curl_setopt_string(curl, CURLOPT_AWS_SIGV4, sign.provider)
            mltui_curl_setopt_string(curl, CURLOPT_USERNAME, sign.accessKeyID)
            mltui_curl_setopt_string(curl, CURLOPT_PASSWORD, sign.secretAccessKey)
        }
        if let proxy = upperCaseHTTPProxy(for: request.url) { mltui_curl_setopt_string(curl, CURLOPT_PROXY, proxy) }
        if let ca = options.caBundlePath { mltui_curl_setopt_string(curl, CURLOPT_CAINFO, ca) }
        if let cert = options.clientCertificatePath {
            // Like requests' cert="file.pem": libcurl takes the key from the same PEM when no key is set.
            mltui_curl_setopt_string(curl, CURLOPT_SSLCERT, cert)
        }

        switch request.method {
        case "GET": mltui_curl_setopt_long(curl, CURLOPT_HTTPGET, 1)
        case "HEAD": mltui_curl_setopt_long(curl, CURLOPT_NOBODY, 1)
        case "POST": mltui_curl_setopt_long(curl, CURLOPT_POST, 1)
        default: mltui_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body {
            mltui_curl_setopt_off_t(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBufferPointer { buffer in
                // COPYPOSTFIELDS copies, so the bytes need not outlive this call.
                _ = mltui_curl_setopt_pointer(curl, CURLOPT_COPYPOSTFIELDS,
                                              UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
        }

        mltui_curl_setopt_data_callback(curl, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receiveBody(data!, size * count)
        })
        mltui_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context)
        mltui_curl_setopt_data_callback(curl, CURLOPT_HEADERFUNCTION, { data, size, count, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receiveHeader(data!, size * count)
        })
        mltui_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, context)
        mltui_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0)
        mltui_curl_setopt_progress_callback(curl, { context, _, _, _, _ in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().cancel.isSet ? 1 : 0
        })
        mltui_curl_setopt_pointer(curl, CURLOPT_XFERINFODATA, context)

        let code = withExtendedLifetime(transfer) { curl_easy_perform(curl) }
        if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.windowFull) {
            throw transportError(code)
        }
        ReadMeter.addRequest(responseBytes: transfer.body.count)
        var status = 0
        mltui_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        mltui_curl_getinfo_long(curl, CURLINFO_HTTP_VERSION, &version)
        return HTTPResponse(status: status, headers: transfer.headers, body: transfer.body,
                            httpVersion: version >= Int(CURL_HTTP_VERSION_2_0) ? 2 : 1)
    }

    /// HTTP_PROXY for an http:// URL when http_proxy is unset. libcurl reads only the lower-case
    /// name (a CGI server sets HTTP_PROXY from a request header); requests, MLflow's client, reads
    /// both unless REQUEST_METHOD says it runs under CGI. NO_PROXY still applies: libcurl checks it
    /// for a proxy set here too.
    private func upperCaseHTTPProxy(for url: String) -> String? {
        guard url.lowercased().hasPrefix("http://"), getenv("http_proxy") == nil, getenv("REQUEST_METHOD") == nil,
              let value = getenv("HTTP_PROXY").map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return value
    }

    private func transportError(_ code: CURLcode) -> HTTPTransportError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let kind: HTTPTransportError.Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .couldNotResolveHost
        case CURLE_COULDNT_CONNECT: kind = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            kind = .tls
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
             CURLE_HTTP2_STREAM, CURLE_BAD_CONTENT_ENCODING:
            kind = .connectionLost
        case CURLE_ABORTED_BY_CALLBACK: kind = .cancelled
        default: kind = .other
        }
        return HTTPTransportError(kind: kind, message: detail.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// What one transfer has received so far; libcurl's callbacks write into it.
final class Transfer {
    let curl: UnsafeMutableRawPointer
    let window: ByteWindow?
    let cancel: CancelFlag
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    /// How the body relates to the window, decided at its first byte.
    private enum Mode { case undecided, whole, ranged, skipping(Int64) }
    private var mode = Mode.undecided
    private(set) var windowFull = false

    init(curl: UnsafeMutableRawPointer, window: ByteWindow?, cancel: CancelFlag) {
        self.curl = curl
        self.window = window
        self.cancel = cancel
    }

    func receiveHeader(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]  // a new response (after a redirect or 100 Continue) starts over
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return count
    }

    func receiveBody(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        var bytes = UnsafeRawBufferPointer(start: data, count: count)
        guard let window else { body.append(contentsOf: bytes); return count }
        if case .undecided = mode {
            var status = 0
            mltui_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
            // 206: the server sent just the window. 200: it ignored Range, so drop the prefix and
            // stop once the window is full. Any other status: an error body, kept whole.
            switch status {
            case 206: mode = .ranged
            case 200: mode = .skipping(window.offset)
            default: mode = .whole
            }
        }
        switch mode {
        case .whole, .undecided:
            body.append(contentsOf: bytes)
            return count
        case .ranged:
            body.append(contentsOf: bytes.prefix(max(window.count - body.count, 0)))
            return count
        case .skipping(let skip):
            let dropped = Int(min(Int64(bytes.count), skip))
            mode = .skipping(skip - Int64(dropped))
            bytes = UnsafeRawBufferPointer(rebasing: bytes[dropped...])
            body.append(contentsOf: bytes.prefix(max(window.count - body.count, 0)))
            if body.count >= window.count {
                windowFull = true
                return 0  // abort: the rest of a whole-file answer is not needed
            }
            return count
        }
    }
}
