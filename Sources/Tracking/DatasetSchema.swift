/// A dataset's schema as MLflow records it (`mlflow.types.Schema.to_json` inside
/// `{"mlflow_colspec": [...]}` or `{"mlflow_tensorspec": ...}`): its columns, for display.
public struct DatasetSchema: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: String
        public var required: Bool
    }

    public var columns: [Column]

    /// nil when `json` is absent or not a column schema MLflow writes.
    public init?(json: String?) {
        guard let json, let value = try? JSONValue.parse(Array(json.utf8)) else { return nil }
        let specs = value["mlflow_colspec"]?.arrayValue ?? value["mlflow_tensorspec"]?["schema"]?.stringValue
            .flatMap { try? JSONValue.parse(Array($0.utf8)) }?.arrayValue
        guard let specs else { return nil }
        columns = specs.enumerated().map { index, spec in
            Column(name: spec["name"]?.stringValue ?? "#\(index)",
                   type: spec["type"]?.stringValue ?? (spec["tensor-spec"]?["dtype"]?.stringValue ?? "?"),
                   required: spec["required"]?.boolValue ?? true)
        }
    }
}

/// A dataset's profile (`num_rows`, `num_elements`, ... as the dataset source computed them).
public enum DatasetProfile {
    /// The profile's fields as `key: value` lines, in the order MLflow wrote them.
    public static func fields(_ json: String?) -> [(String, String)] {
        guard let json, let value = try? JSONValue.parse(Array(json.utf8)), case .object(let members) = value else { return [] }
        return members.map { key, value in
            switch value {
            case .string(let s): return (key, s)
            default: return (key, value.serialized(pretty: false))
            }
        }
    }
}
