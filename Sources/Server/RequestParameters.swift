import Foundation
import Tracking

/// A request's fields, from the query string (GET) or the JSON body (POST), read the way MLflow's
/// proto parsing reads them (`handlers.py` `_get_request_message`): repeated query parameters are
/// lists, int64 fields accept numbers and numeric strings, and a field of the wrong type reads as
/// unset rather than failing the request.
struct RequestParameters: Sendable {
    private enum Source: Sendable {
        case query([String: [String]])
        case json(JSONValue)
    }
    private let source: Source

    static let empty = RequestParameters(source: .json(.object([])))

    private init(source: Source) { self.source = source }

    init(query: String?) {
        var fields: [String: [String]] = [:]
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = RequestParameters.formDecode(parts[0])
            let value = parts.count > 1 ? RequestParameters.formDecode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
        source = .query(fields)
    }

    /// MLflow answers a body that is not a JSON object as if it were `{}` (its proto parser
    /// gives up silently, verified: `runs/search` with `{bad` returns `{}` 200).
    init(jsonBody: [UInt8]) {
        if let value = try? JSONValue.parse(jsonBody), case .object = value {
            source = .json(value)
        } else {
            source = .json(.object([]))
        }
    }

    func has(_ name: String) -> Bool {
        switch source {
        case .query(let fields): return fields[name] != nil
        case .json(let object): if let v = object[name], v != .null { return true } else { return false }
        }
    }

    func string(_ name: String) -> String? {
        switch source {
        case .query(let fields): return fields[name]?.first
        case .json(let object):
            switch object[name] {
            case .string(let s)?: return s
            default: return nil
            }
        }
    }

    func strings(_ name: String) -> [String] {
        switch source {
        case .query(let fields): return fields[name] ?? []
        case .json(let object):
            guard let items = object[name]?.arrayValue else { return [] }
            // One non-string item makes the whole proto parse fail (`_get_request_message`
            // swallows the ParseError): no items.
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? strings : []
        }
    }

    /// An int64 field: nil when absent; a malformed value is reported with the field's name.
    func integer(_ name: String) throws -> Int? {
        switch source {
        case .query(let fields):
            guard let text = fields[name]?.first else { return nil }
            guard let value = Int(text) else { throw RequestParameters.invalidValue(name, Responses.quoted(text), type: "str") }
            return value
        case .json(let object):
            guard let value = object[name], value != .null else { return nil }
            if let number = value.int64Value { return Int(number) }
            throw RequestParameters.invalidValue(name, value.serialized(pretty: false), type: value.pythonTypeName)
        }
    }

    /// MLflow's schema-validation message (mlflow/server/handlers.py `_validate_param_against_schema`).
    static func invalidValue(_ name: String, _ shown: String, type: String) -> MLflowError {
        .invalidParameter("Invalid value \(shown) for parameter '\(name)' supplied:  Hint: Value was of type '\(type)'. See the API docs for more information about request parameters.")
    }

    static func missing(_ name: String) -> MLflowError {
        .invalidParameter("Missing value for required parameter '\(name)'. See the API docs for more information about request parameters.")
    }

    /// `application/x-www-form-urlencoded` decoding: `+` is a space (werkzeug does the same).
    static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension JSONValue {
    /// The Python type name MLflow's messages show for a JSON value.
    var pythonTypeName: String {
        switch self {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }
}
