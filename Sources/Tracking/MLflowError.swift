/// MLflow's error codes with the HTTP status a tracking server answers them with (reference §4.2).
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

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func invalidParameter(_ message: String) -> MLflowError { .init(.invalidParameterValue, message) }
    public static func notFound(_ message: String) -> MLflowError { .init(.resourceDoesNotExist, message) }
    public static func `internal`(_ message: String) -> MLflowError { .init(.internalError, message) }
}

extension Error {
    /// Any error as an MLflowError; foreign errors become INTERNAL_ERROR with their description.
    public var asMLflowError: MLflowError {
        (self as? MLflowError) ?? MLflowError(.internalError, String(describing: self))
    }
}
