import Tracking

/// The shape of a request message, as far as proto JSON parsing needs it: each field's kind, by
/// its proto name (the lowerCamelCase JSON name is accepted too, as `json_format.ParseDict` does).
indirect enum ProtoKind: Sendable {
    case string
    case int64
    case double
    case bool
    case enumeration([String])
    case message([(String, ProtoKind)])
    case repeated(ProtoKind)
}

/// A write request's JSON body read the way MLflow's handlers read it (`handlers.py`
/// `_get_request_message`): the body is parsed into the proto message with unknown fields
/// ignored; the parse stops at the first field of the wrong type, keeping the fields before it
/// (as protobuf's `ParseDict` does); the handler's schema is then checked on the raw JSON, its
/// type checks only when the parse failed (`_validate_param_against_schema`).
struct ProtoRequest: Sendable {
    /// The body as sent (`{}` when it is not a JSON object).
    let raw: JSONValue
    /// The fields the proto parse set, normalized: int64 as `.int`, doubles as `.double`, enums
    /// as their name.
    let message: JSONValue
    let parsed: Bool

    init(body: [UInt8], fields: [(String, ProtoKind)]) {
        var json = (try? JSONValue.parse(body)) ?? .object([])
        // Older clients post their JSON double-encoded (`_get_normalized_request_json`).
        if case .string(let inner) = json { json = (try? JSONValue.parse(inner)) ?? .object([]) }
        if case .object = json {} else { json = .object([]) }
        raw = json
        var parsed = true
        message = ProtoRequest.parseMessage(json, fields, ok: &parsed)
        self.parsed = parsed
    }

    // MARK: reading the parsed message (proto defaults for unset fields)

    func has(_ name: String) -> Bool { message[name] != nil }
    func string(_ name: String) -> String { message[name]?.stringValue ?? "" }
    /// "" reads as unset, as MLflow's `request_message.x or None`.
    func nonEmpty(_ name: String) -> String? { string(name).isEmpty ? nil : string(name) }
    func int64(_ name: String) -> Int64? { if case .int(let v)? = message[name] { return v }; return nil }
    func double(_ name: String) -> Double? { if case .double(let v)? = message[name] { return v }; return nil }
    func items(_ name: String) -> [JSONValue] { message[name]?.arrayValue ?? [] }

    /// The run a request names: `run_id`, else the legacy `run_uuid` (`request_message.run_id or request_message.run_uuid`).
    var runID: String { nonEmpty("run_id") ?? string("run_uuid") }

    // MARK: the handler's schema

    enum Check: Sendable {
        case required, string, intLike, floatLike, array
        /// Each item of a list has these keys present and non-empty (`_log_batch`'s
        /// `_assert_metrics_fields_present`); a missing one is named by its path.
        case itemsHave([String])

        var isTypeCheck: Bool {
            switch self {
            case .string, .intLike, .floatLike, .array: return true
            case .required, .itemsHave: return false
            }
        }
    }

    /// `_validate_request_json_with_schema`: each field present (or required) is checked in
    /// schema order; `run_id` falls back to `run_uuid` for the check.
    func validate(_ schema: [(String, [Check])]) throws {
        for (name, checks) in schema {
            let present = raw[name] != nil
            guard present || checks.contains(where: { if case .required = $0 { return true }; return false }) else { continue }
            var value = raw[name] ?? .null
            if name == "run_id", value == .null, let legacy = raw["run_uuid"] { value = legacy }
            for check in checks where !(check.isTypeCheck && parsed) {
                try ProtoRequest.apply(check, name, value)
            }
        }
    }

    private static func apply(_ check: Check, _ name: String, _ value: JSONValue) throws {
        switch check {
        case .required:
            if value == .null || value == .string("") { throw missing(name) }
        case .string:
            if case .string = value { return }
            throw invalid(name, value)
        case .intLike:
            // Python's int(x): numbers (bools too), and strings of an integer.
            switch value {
            case .int, .double, .bool: return
            case .string(let s) where Int64(s.trimmingCharacters(in: .whitespaces)) != nil: return
            default: throw invalid(name, value)
            }
        case .floatLike:
            switch value {
            case .int, .double, .bool: return
            case .string(let s) where pythonFloat(s) != nil: return
            default: throw invalid(name, value)
            }
        case .array:
            if case .array = value { return }
            throw invalid(name, value)
        case .itemsHave(let keys):
            for (index, item) in (value.arrayValue ?? []).enumerated() {
                for key in keys {
                    let field = item[key] ?? .null
                    if field == .null || field == .string("") {
                        throw MLflowError.invalidParameter("Missing value for required parameter '\(name)[\(index)].\(key)'. See the API docs for more information about request parameters.")
                    }
                }
            }
        }
    }

    static func missing(_ name: String) -> MLflowError { RequestParameters.missing(name) }

    static func invalid(_ name: String, _ value: JSONValue) -> MLflowError {
        RequestParameters.invalidValue(name, pythonJSON(value), type: value.pythonTypeName)
    }

    // MARK: proto JSON parsing (protobuf `json_format`, `ignore_unknown_fields=True`)

    private static func parseMessage(_ json: JSONValue, _ fields: [(String, ProtoKind)], ok: inout Bool) -> JSONValue {
        guard case .object(let members) = json else { ok = false; return .object([]) }
        var out: [(String, JSONValue)] = []
        for (key, value) in members {
            guard let (name, kind) = fields.first(where: { $0.0 == key || camelCase($0.0) == key }) else { continue }
            if value == .null { continue }
            guard let converted = convert(value, kind) else { ok = false; break }
            if let converted { out.append((name, converted)) }
        }
        return .object(out)
    }

    /// nil: the value does not fit the field (the parse fails); `.some(nil)`: ignored (an enum
    /// name the proto does not know).
    private static func convert(_ value: JSONValue, _ kind: ProtoKind) -> JSONValue?? {
        switch kind {
        case .string:
            if case .string = value { return .some(value) }
            return nil
        case .int64:
            return protoInteger(value).map { .some(.int($0)) }
        case .double:
            switch value {
            case .int(let i): return .some(.double(Double(i)))
            case .double(let d) where d.isFinite: return .some(.double(d))
            case .bool(let b): return .some(.double(b ? 1 : 0))
            case .string(let s): return pythonFloat(s).map { .some(.double($0)) }
            default: return nil
            }
        case .bool:
            if case .bool = value { return .some(value) }
            return nil
        case .enumeration(let names):
            // Names at their proto numbers; "" marks a number the enum does not define.
            func named(_ number: Int64) -> JSONValue?? {
                guard number >= 0, number < names.count, !names[Int(number)].isEmpty else { return nil }
                return .some(.string(names[Int(number)]))
            }
            if case .string(let s) = value {
                if !s.isEmpty, names.contains(s) { return .some(value) }
                if let number = Int64(s) { return named(number) }
                return .some(nil)
            }
            return protoInteger(value).flatMap(named)
        case .message(let fields):
            guard case .object = value else { return nil }
            var ok = true
            let message = parseMessage(value, fields, ok: &ok)
            return ok ? .some(message) : nil
        case .repeated(let element):
            guard case .array(let items) = value else { return nil }
            var out: [JSONValue] = []
            for item in items {
                guard item != .null, let converted = convert(item, element) else { return nil }
                if let converted { out.append(converted) }
            }
            return .some(.array(out))
        }
    }

    /// protobuf's `_ConvertInteger`: integral numbers, and strings of one without spaces
    /// ("12", "1e3"); never a bool.
    private static func protoInteger(_ value: JSONValue) -> Int64? {
        switch value {
        case .int(let i): return i
        case .double(let d): return d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
        case .string(let s):
            guard !s.contains(" ") else { return nil }
            if let i = Int64(s) { return i }
            guard let d = Double(s), d.isFinite, d.rounded() == d, abs(d) < 9.2e18 else { return nil }
            return Int64(d)
        default: return nil
        }
    }

    /// Python's `float(text)`: surrounding spaces allowed; "nan", "inf", "infinity" in any case.
    static func pythonFloat(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var body = Substring(s.lowercased())
        var sign = 1.0
        if body.hasPrefix("-") { sign = -1; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        switch body {
        case "nan": return .nan
        case "inf", "infinity": return sign * .infinity
        default: break
        }
        guard !body.hasPrefix("0x"), let d = Double(s) else { return nil }
        return d
    }

    static func camelCase(_ name: String) -> String {
        var out = ""
        var upper = false
        for c in name {
            if c == "_" { upper = true; continue }
            out.append(upper ? Character(c.uppercased()) : c)
            upper = false
        }
        return out
    }

    /// Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))`, as `invalid_value`
    /// shows a value: ASCII only, keys sorted.
    static func pythonJSON(_ value: JSONValue) -> String {
        switch value {
        case .object(let members):
            let sorted = members.sorted { $0.0 < $1.0 }
            return "{" + sorted.map { Responses.quoted($0.0) + ":" + pythonJSON($0.1) }.joined(separator: ",") + "}"
        case .array(let items):
            return "[" + items.map(pythonJSON).joined(separator: ",") + "]"
        default:
            return value.serialized(pretty: false)
        }
    }
}

/// The request messages of MLflow's tracking writes (`mlflow/protos/service.proto`).
enum WriteMessages {
    static let keyValue: ProtoKind = .message([("key", .string), ("value", .string)])
    static let runStatus: ProtoKind = .enumeration(["", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"])
    static let loggedModelStatus: ProtoKind = .enumeration(LoggedModelStatus.allCases.map(\.rawValue))
    static let metric: ProtoKind = .message([
        ("key", .string), ("value", .double), ("timestamp", .int64), ("step", .int64), ("dataset_name", .string),
        ("dataset_digest", .string), ("model_id", .string), ("run_id", .string),
    ])
    static let datasetInput: ProtoKind = .message([
        ("tags", .repeated(keyValue)),
        ("dataset", .message([("name", .string), ("digest", .string), ("source_type", .string), ("source", .string),
                              ("schema", .string), ("profile", .string)])),
    ])

    static let runKeys: [(String, ProtoKind)] = [("run_id", .string), ("run_uuid", .string)]

    static let createExperiment: [(String, ProtoKind)] = [("name", .string), ("artifact_location", .string), ("tags", .repeated(keyValue))]
    static let experimentID: [(String, ProtoKind)] = [("experiment_id", .string)]
    static let updateExperiment: [(String, ProtoKind)] = [("experiment_id", .string), ("new_name", .string)]
    static let experimentTag: [(String, ProtoKind)] = [("experiment_id", .string), ("key", .string), ("value", .string)]
    static let createRun: [(String, ProtoKind)] = [
        ("experiment_id", .string), ("user_id", .string), ("run_name", .string), ("start_time", .int64), ("tags", .repeated(keyValue)),
    ]
    static let updateRun: [(String, ProtoKind)] = runKeys + [("status", runStatus), ("end_time", .int64), ("run_name", .string)]
    static let runID: [(String, ProtoKind)] = [("run_id", .string)]
    static let logMetric: [(String, ProtoKind)] = runKeys + [
        ("key", .string), ("value", .double), ("timestamp", .int64), ("step", .int64), ("model_id", .string),
        ("dataset_name", .string), ("dataset_digest", .string),
    ]
    static let runKeyValue: [(String, ProtoKind)] = runKeys + [("key", .string), ("value", .string)]
    static let deleteTag: [(String, ProtoKind)] = [("run_id", .string), ("key", .string)]
    static let logBatch: [(String, ProtoKind)] = [
        ("run_id", .string), ("metrics", .repeated(metric)), ("params", .repeated(keyValue)), ("tags", .repeated(keyValue)),
    ]
    static let logInputs: [(String, ProtoKind)] = [
        ("run_id", .string), ("datasets", .repeated(datasetInput)), ("models", .repeated(.message([("model_id", .string)]))),
    ]
    static let logOutputs: [(String, ProtoKind)] = [
        ("run_id", .string), ("models", .repeated(.message([("model_id", .string), ("step", .int64)]))),
    ]
    static let logModel: [(String, ProtoKind)] = [("run_id", .string), ("model_json", .string)]
    static let createLoggedModel: [(String, ProtoKind)] = [
        ("experiment_id", .string), ("name", .string), ("model_type", .string), ("source_run_id", .string),
        ("params", .repeated(keyValue)), ("tags", .repeated(keyValue)),
    ]
    static let finalizeLoggedModel: [(String, ProtoKind)] = [("model_id", .string), ("status", loggedModelStatus)]
    static let loggedModelTags: [(String, ProtoKind)] = [("model_id", .string), ("tags", .repeated(keyValue))]
    static let loggedModelParams: [(String, ProtoKind)] = [("model_id", .string), ("params", .repeated(keyValue))]
    static let searchLoggedModels: [(String, ProtoKind)] = [
        ("experiment_ids", .repeated(.string)), ("filter", .string),
        ("datasets", .repeated(.message([("dataset_name", .string), ("dataset_digest", .string)]))),
        ("max_results", .int64),
        ("order_by", .repeated(.message([("field_name", .string), ("ascending", .bool),
                                         ("dataset_name", .string), ("dataset_digest", .string)]))),
        ("page_token", .string),
    ]
    static let searchDatasets: [(String, ProtoKind)] = [("experiment_ids", .repeated(.string))]
    static let latestVersions: [(String, ProtoKind)] = [("name", .string), ("stages", .repeated(.string))]
}

extension JSONValue {
    /// A double of a parsed message (`ProtoRequest.message` holds them as `.double`).
    var parsedDouble: Double? { if case .double(let d) = self { return d }; return nil }

    /// A list of `{key, value}` messages as tags or params (unset value: "").
    var keyValues: [KeyValue] {
        (arrayValue ?? []).map { KeyValue($0["key"]?.stringValue ?? "", $0["value"]?.stringValue ?? "") }
    }
}
