import Foundation

/// MLflow 2.x's record of the models logged by a run (`runs/log-model`, which MLflow 3's client
/// still sends for the Spark flavor and older clients send for every model): the run tag
/// `mlflow.log-model.history`, a JSON list with one entry per model. The entry is what the
/// server's `_log_model` handler keeps of the client's `model_json` (`Model.from_dict(...)
/// .get_tags_dict()` in `mlflow/models/model.py`), and the stores rewrite the list with the entry
/// appended (`record_logged_model` in `SqlAlchemyStore` and `FileStore`), all as Python's
/// `json.dumps` writes it.
public enum LoggedModelHistory {
    public static let tagKey = "mlflow.log-model.history"

    /// The fields of one `model_json`, checked as the `_log_model` handler checks them before
    /// the store sees the model.
    public static func fields(modelJSON: String) throws -> [String: JSONValue] {
        guard let parsed = try? JSONValue.parse(modelJSON) else {
            throw MLflowError.invalidParameter("Malformed model info. \n \(modelJSON) \n is not a valid JSON.")
        }
        guard case .object(let members) = parsed else {
            throw UncaughtStoreError(description: "model_json is not a JSON object: \(modelJSON)")  // `model.keys()` fails
        }
        // json.loads keeps the last of repeated keys.
        var fields: [String: JSONValue] = [:]
        for (key, value) in members { fields[key] = value }
        let missing = ["artifact_path", "flavors", "run_id", "utc_time_created"].filter { fields[$0] == nil }
        if !missing.isEmpty {
            // Python prints the set in hash order, which differs between processes; sorted here.
            throw MLflowError.invalidParameter(
                "Model json is missing mandatory fields: {\(missing.map(PythonText.repr).joined(separator: ", "))}")
        }
        return fields
    }

    /// The entry for one `model_json`: `fields(modelJSON:)`, then `entry(_:)`.
    public static func entry(modelJSON: String, now: Date = Date()) throws -> String {
        try entry(try fields(modelJSON: modelJSON), now: now)
    }

    /// What the stores keep of the model (`Model.from_dict(fields).get_tags_dict()`).
    public static func entry(_ fields: [String: JSONValue], now: Date = Date()) throws -> String {
        // `Model.__init__` then `to_dict()`: None run_id and artifact_path are left out; the
        // creation time is `str()` of the value, or of now when it is falsy; model_uuid is None
        // when absent; flavors lose their "config" (`get_tags_dict`), in this order.
        var entry: [(String, JSONValue)] = []
        if let runID = fields["run_id"], runID != .null { entry.append(("run_id", runID)) }
        if let path = fields["artifact_path"], path != .null { entry.append(("artifact_path", path)) }
        let created = fields["utc_time_created"] ?? .null
        entry.append(("utc_time_created", .string(isTruthy(created) ? pythonStr(created) : pythonNow(now))))
        entry.append(("model_uuid", fields["model_uuid"] ?? .null))
        var flavors: [(String, JSONValue)] = []
        switch fields["flavors"] ?? .null {
        case .null: break
        case .object(let items):
            for (name, config) in deduplicated(items) {
                if case .object(let settings) = config {
                    flavors.append((name, .object(deduplicated(settings).filter { $0.0 != "config" })))
                } else {
                    flavors.append((name, config))
                }
            }
        default:
            throw UncaughtStoreError(description: "the model's flavors are not a JSON object")  // `.items()` fails
        }
        entry.append(("flavors", .object(flavors)))
        return dumps(.object(entry))
    }

    /// The tag's new value: the previous list (nil: none yet) with the entry appended.
    public static func appending(_ entry: String, to previous: String?) throws -> String {
        var items: [String] = []
        if let previous {
            guard case .array(let old)? = try? JSONValue.parse(previous) else {
                throw UncaughtStoreError(description: "the run's \(tagKey) tag is not a JSON list")  // `json.loads` or `+` fails
            }
            items = old.map(dumps)
        }
        return "[" + (items + [entry]).joined(separator: ", ") + "]"
    }

    /// `json.dumps(value)` with Python's defaults: ", " and ": " separators, ASCII only, NaN and
    /// Infinity as such, floats as `repr`.
    public static func dumps(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return PythonText.repr(d)
        case .string(let s): return PythonText.jsonString(s)
        case .array(let items): return "[" + items.map(dumps).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + deduplicated(members).map { PythonText.jsonString($0.0) + ": " + dumps($0.1) }.joined(separator: ", ") + "}"
        }
    }

    /// A Python dict built from pairs: a repeated key keeps its first place and its last value.
    static func deduplicated(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        var order: [String] = []
        var values: [String: JSONValue] = [:]
        for (key, value) in members {
            if values[key] == nil { order.append(key) }
            values[key] = value
        }
        return order.map { ($0, values[$0]!) }
    }

    static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let items): return !items.isEmpty
        case .object(let members): return !members.isEmpty
        }
    }

    /// `str(value)` of what `json.loads` made of it.
    static func pythonStr(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return pythonRepr(value)
    }

    static func pythonRepr(_ value: JSONValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return PythonText.repr(d)
        case .string(let s): return PythonText.repr(s)
        case .array(let items): return "[" + items.map(pythonRepr).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + deduplicated(members).map { PythonText.repr($0.0) + ": " + pythonRepr($0.1) }.joined(separator: ", ") + "}"
        }
    }

    /// `str(datetime.now(timezone.utc).replace(tzinfo=None))`: microseconds left out when zero.
    static func pythonNow(_ now: Date) -> String {
        let micros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = micros / 1_000_000, fraction = micros % 1_000_000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let base = String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                          parts.tm_hour, parts.tm_min, parts.tm_sec)
        return fraction == 0 ? base : base + String(format: ".%06lld", fraction)
    }
}
