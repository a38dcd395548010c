/// MLflow's error codes with the HTTP status a tracking server answers them with
/// (`mlflow/exceptions.py` `ERROR_CODE_TO_HTTP_STATUS`).
public enum ErrorCode: String, Sendable, CaseIterable {
    case invalidParameterValue = "INVALID_PARAMETER_VALUE"
    case badRequest = "BAD_REQUEST"
    case resourceAlreadyExists = "RESOURCE_ALREADY_EXISTS"
    case unauthenticated = "UNAUTHENTICATED"
    case customerUnauthorized = "CUSTOMER_UNAUTHORIZED"
    case permissionDenied = "PERMISSION_DENIED"
    case resourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST"
    case endpointNotFound = "ENDPOINT_NOT_FOUND"
    case notFound = "NOT_FOUND"
    case aborted = "ABORTED"
    case requestLimitExceeded = "REQUEST_LIMIT_EXCEEDED"
    case internalError = "INTERNAL_ERROR"
    case invalidState = "INVALID_STATE"
    case dataLoss = "DATA_LOSS"
    case notImplemented = "NOT_IMPLEMENTED"
    case temporarilyUnavailable = "TEMPORARILY_UNAVAILABLE"
    case deadlineExceeded = "DEADLINE_EXCEEDED"

    public var httpStatus: Int {
        switch self {
        case .invalidParameterValue, .badRequest, .resourceAlreadyExists: return 400
        case .unauthenticated, .customerUnauthorized: return 401
        case .permissionDenied: return 403
        case .resourceDoesNotExist, .endpointNotFound, .notFound: return 404
        case .aborted: return 409
        case .requestLimitExceeded: return 429
        case .internalError, .invalidState, .dataLoss: return 500
        case .notImplemented: return 501
        case .temporarilyUnavailable: return 503
        case .deadlineExceeded: return 504
        }
    }

    /// The code a client should assume for a non-JSON error answer with this HTTP status.
    public init(httpStatus: Int) {
        switch httpStatus {
        case 400: self = .badRequest
        case 401: self = .unauthenticated
        case 403: self = .permissionDenied
        case 404: self = .endpointNotFound
        case 409: self = .aborted
        case 429: self = .requestLimitExceeded
        case 501: self = .notImplemented
        case 503: self = .temporarilyUnavailable
        case 504: self = .deadlineExceeded
        default: self = .internalError
        }
    }
}

/// The one error type every store throws, so the CLI, the UI status line and the server
/// report failures the same way. `message` is one human-readable line.
public struct MLflowError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    /// The server's `error_class` when MLflow raises a narrower one than the code's (e.g.
    /// ATTRIBUTE_NOT_FOUND); nil: the code's class.
    public var errorClass: String?

    public init(_ code: ErrorCode, _ message: String, errorClass: String? = nil) {
        self.code = code
        self.message = message
        self.errorClass = errorClass
    }

    public var description: String { "\(code.rawValue): \(oneLineMessage)" }

    /// The message for one line of a terminal (the CLI's stderr, the TUI's message line): a
    /// message quotes its input, and control characters from it (newlines, tabs, ESC) are
    /// escaped as Python's repr writes them (`\n`, `\t`, `\x1b`) instead of moving the cursor.
    /// JSON error bodies keep `message` as MLflow words it; JSON escapes it anyway.
    public var oneLineMessage: String { Self.oneLine(message) }

    public static func oneLine(_ text: String) -> String {
        func isControl(_ s: Unicode.Scalar) -> Bool {
            s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
        }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            guard isControl(s) else { out.append(s); continue }
            let escaped: String
            switch s {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default:
                let hex = String(s.value, radix: 16)
                escaped = s.value <= 0xFF ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u" + hex
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    public static func invalidParameter(_ message: String) -> MLflowError { .init(.invalidParameterValue, message) }
    public static func notFound(_ message: String) -> MLflowError { .init(.resourceDoesNotExist, message) }
    public static func `internal`(_ message: String) -> MLflowError { .init(.internalError, message) }
}

/// A failure MLflow's server does not turn into an MLflow error: a Python exception other than
/// `MlflowException` in a handler or store, which `catch_mlflow_exception` lets through and Flask
/// answers with its HTML 500 page. Elsewhere (CLI, UI) it reads as INTERNAL_ERROR.
public struct UncaughtStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}

extension Error {
    /// Any error as an MLflowError; foreign errors become INTERNAL_ERROR with their description.
    public var asMLflowError: MLflowError {
        (self as? MLflowError) ?? MLflowError(.internalError, String(describing: self))
    }
}
