import Hummingbird
import Tracking

/// The answers `mlflow server` gives, byte for byte where it matters to clients: JSON errors from
/// `handlers.py` `catch_mlflow_exception`, Flask's HTML for unknown routes, plain text for
/// disabled features.
enum Responses {
    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
        json(bytes: writer.bytes, status: status)
    }

    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static let emptyObject = [UInt8]("{}".utf8)

    /// MLflow's error body: `json.dumps` of error_code, message, sqlstate and error_class
    /// (mlflow/exceptions.py, mlflow/error_classification.py). The FastAPI artifact routes
    /// write the same object without spaces (`compact`).
    static func error(_ error: MLflowError, status: HTTPResponse.Status? = nil, compact: Bool = false) -> Response {
        let separator = compact ? "," : ", "
        let colon = compact ? ":" : ": "
        var fields = [("error_code", error.code.rawValue), ("message", error.message)]
        // `mlflow/error_classification.py`: ATTRIBUTE_NOT_FOUND is KAM04.
        if let sqlstate = error.errorClass == "ATTRIBUTE_NOT_FOUND" ? "KAM04" : sqlState(error.code) { fields.append(("sqlstate", sqlstate)) }
        if let errorClass = error.errorClass ?? errorClass(error.code) { fields.append(("error_class", errorClass)) }
        let body = "{" + fields.map { quoted($0.0) + colon + quoted($0.1) }.joined(separator: separator) + "}"
        return json(bytes: Array(body.utf8), status: status ?? .init(code: error.code.httpStatus))
    }

    /// Flask's HTML pages for unknown routes and wrong methods; clients rely on them being
    /// non-JSON (`mlflow/utils/rest_utils.py` `verify_rest_response` then raises by HTTP status).
    static func notFoundPage() -> Response {
        html(.notFound, "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n")
    }

    /// Flask's page for an exception MLflow's handlers do not catch (`UncaughtStoreError`).
    static func internalServerErrorPage() -> Response {
        html(.internalServerError, "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n")
    }

    static func methodNotAllowedPage(allowed: [HTTPRequest.Method]) -> Response {
        var response = html(.methodNotAllowed, "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n")
        response.headers[.allow] = allowHeader(allowed)
        return response
    }

    /// Flask's `Allow`: the route's methods, OPTIONS, and HEAD wherever GET is allowed.
    static func allowHeader(_ methods: [HTTPRequest.Method]) -> String {
        var names = Set(methods.map(\.rawValue) + ["OPTIONS"])
        if methods.contains(.get) { names.insert("HEAD") }
        return names.sorted().joined(separator: ", ")
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// MLflow basic-auth's answer to a user without the permission a request needs
    /// (`mlflow/server/auth/__init__.py` `make_forbidden_response`; `plain` for the FastAPI
    /// artifact routes, which answer with a PlainTextResponse).
    static func permissionDenied(plain: Bool = false) -> Response {
        text(.forbidden, "Permission denied", contentType: plain ? "text/plain; charset=utf-8" : "text/html; charset=utf-8")
    }

    /// FastAPI's `{"detail": ...}` body, which MLflow's artifact routes use for some errors.
    static func detail(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(bytes: Array(("{\"detail\":" + quoted(message) + "}").utf8), status: status)
    }

    static func quoted(_ text: String) -> String {
        var writer = JSONWriter(pretty: false, reserve: text.utf8.count + 8)
        writer.value(text)
        return writer.string
    }

    /// MLflow's server-side classification of an error code (client-side table in
    /// mlflow/error_classification.py, which the server's MlflowException uses).
    static func sqlState(_ code: ErrorCode) -> String? {
        switch code {
        case .internalError, .invalidState, .temporarilyUnavailable: return "XXM00"
        case .badRequest, .customerUnauthorized, .endpointNotFound, .invalidParameterValue, .notFound,
             .permissionDenied, .resourceAlreadyExists, .resourceDoesNotExist: return "KAM00"
        default: return nil
        }
    }

    static func errorClass(_ code: ErrorCode) -> String? {
        switch code {
        case .badRequest, .invalidParameterValue: return "INVALID_PARAMETER_VALUE"
        case .customerUnauthorized, .permissionDenied: return "PERMISSION_DENIED"
        case .endpointNotFound, .notFound, .resourceDoesNotExist: return "RESOURCE_NOT_FOUND"
        case .internalError, .invalidState, .temporarilyUnavailable: return "CLIENT_INTERNAL_ERROR"
        case .resourceAlreadyExists: return "RESOURCE_ALREADY_EXISTS"
        default: return nil
        }
    }
}
