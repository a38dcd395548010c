import Foundation

/// A parsed JSON value that keeps booleans, numbers and strings apart (NaN arrives as the string
/// "NaN" from MLflow: protobuf's `MessageToDict` in `proto_json_utils.py` `message_to_json`) and
/// prints itself with sorted keys.
public indirect enum JSONDocument: Equatable, Sendable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONDocument])
    case object([String: JSONDocument])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONDocument].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONDocument].self)) }
    }

    public static func parse(_ data: Data) throws -> JSONDocument {
        try JSONDecoder().decode(JSONDocument.self, from: data)
    }

    public subscript(key: String) -> JSONDocument? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONDocument]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Compact text with sorted keys; the same value always prints the same.
    public var canonicalText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case .string(let value): return JSONDocument.quote(value)
        case .array(let items): return "[" + items.map(\.canonicalText).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { JSONDocument.quote($0) + ":" + members[$0]!.canonicalText }
                .joined(separator: ",") + "}"
        }
    }

    /// Indented text with sorted keys, for failure files a person reads.
    public func prettyText(_ indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + $0.prettyText(inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members) where !members.isEmpty:
            return "{\n" + members.keys.sorted().map { inner + JSONDocument.quote($0) + ": " + members[$0]!.prettyText(inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        default: return canonicalText
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// Makes two MLflow REST documents comparable: lists whose order MLflow itself leaves arbitrary
/// (run params/tags/metrics, experiment tags, dataset inputs and their tags; the file store lists
/// directories in readdir order) are sorted; everything else, including the order of runs, of
/// experiments, of history points and of artifact files, is compared as is.
public enum MLflowCanonicalForm {
    public static func canonical(_ document: JSONDocument) -> JSONDocument {
        guard case .object(var top) = document else { return document }
        if case .array(let runs)? = top["runs"] { top["runs"] = .array(runs.map(canonicalRun)) }
        if let run = top["run"] { top["run"] = canonicalRun(run) }
        if case .array(let experiments)? = top["experiments"] { top["experiments"] = .array(experiments.map(canonicalExperiment)) }
        if let experiment = top["experiment"] { top["experiment"] = canonicalExperiment(experiment) }
        // MLflow 3's model reads: lists the stores return in no defined order (directory
        // listings, SQL rows without ORDER BY, Python sets) compare as sets.
        if case .array(let models)? = top["models"] { top["models"] = .array(models.map(canonicalLoggedModel)) }
        if let model = top["model"] { top["model"] = canonicalLoggedModel(model) }
        if case .array(let models)? = top["registered_models"] { top["registered_models"] = .array(models.map(canonicalRegisteredModel)) }
        if let model = top["registered_model"] { top["registered_model"] = canonicalRegisteredModel(model) }
        if case .array(let versions)? = top["model_versions"] { top["model_versions"] = .array(versions.map(canonicalVersion)) }
        if let version = top["model_version"] { top["model_version"] = canonicalVersion(version) }
        if let summaries = top["dataset_summaries"] { top["dataset_summaries"] = sortedByText(summaries) }
        return .object(top)
    }

    static func canonicalLoggedModel(_ model: JSONDocument) -> JSONDocument {
        guard case .object(var members) = model else { return model }
        if case .object(var info)? = members["info"] {
            if let tags = info["tags"] { info["tags"] = sortedByKey(tags) }
            members["info"] = .object(info)
        }
        if case .object(var data)? = members["data"] {
            for list in ["params", "metrics"] { if let items = data[list] { data[list] = sortedByKey(items) } }
            members["data"] = .object(data)
        }
        return .object(members)
    }

    static func canonicalRegisteredModel(_ model: JSONDocument) -> JSONDocument {
        guard case .object(var members) = model else { return model }
        if let tags = members["tags"] { members["tags"] = sortedByKey(tags) }
        if let aliases = members["aliases"] { members["aliases"] = sortedByText(aliases) }
        if case .array(let versions)? = members["latest_versions"] { members["latest_versions"] = sortedByText(.array(versions.map(canonicalVersion))) }
        return .object(members)
    }

    static func canonicalVersion(_ version: JSONDocument) -> JSONDocument {
        guard case .object(var members) = version else { return version }
        if let tags = members["tags"] { members["tags"] = sortedByKey(tags) }
        if let aliases = members["aliases"] { members["aliases"] = sortedByText(aliases) }
        return .object(members)
    }

    static func sortedByText(_ list: JSONDocument) -> JSONDocument {
        guard case .array(let items) = list else { return list }
        return .array(items.sorted { $0.canonicalText < $1.canonicalText })
    }

    static func canonicalRun(_ run: JSONDocument) -> JSONDocument {
        guard case .object(var members) = run else { return run }
        if case .object(var data)? = members["data"] {
            for list in ["params", "tags", "metrics"] {
                if let items = data[list] { data[list] = sortedByKey(items) }
            }
            members["data"] = .object(data)
        }
        if case .object(var inputs)? = members["inputs"], case .array(let datasetInputs)? = inputs["dataset_inputs"] {
            let normalized = datasetInputs.map { input -> JSONDocument in
                guard case .object(var fields) = input else { return input }
                if let tags = fields["tags"] { fields["tags"] = sortedByKey(tags) }
                return .object(fields)
            }
            inputs["dataset_inputs"] = .array(normalized.sorted { $0.canonicalText < $1.canonicalText })
            members["inputs"] = .object(inputs)
        }
        return .object(members)
    }

    static func canonicalExperiment(_ experiment: JSONDocument) -> JSONDocument {
        guard case .object(var members) = experiment else { return experiment }
        if let tags = members["tags"] { members["tags"] = sortedByKey(tags) }
        return .object(members)
    }

    static func sortedByKey(_ list: JSONDocument) -> JSONDocument {
        guard case .array(let items) = list else { return list }
        return .array(items.sorted { a, b in
            let ka = a["key"]?.stringValue ?? "", kb = b["key"]?.stringValue ?? ""
            return ka != kb ? ka < kb : a.canonicalText < b.canonicalText
        })
    }
}

/// Field-by-field differences between an expected and an actual document, as JSON paths.
public enum JSONDifference {
    public static func differences(expected: JSONDocument, actual: JSONDocument, path: String = "$", limit: Int = 25) -> [String] {
        var found: [String] = []
        collect(expected, actual, path, &found, limit)
        return found
    }

    private static func collect(_ e: JSONDocument, _ a: JSONDocument, _ path: String, _ found: inout [String], _ limit: Int) {
        guard found.count < limit, e != a else { return }
        switch (e, a) {
        case (.object(let eo), .object(let ao)):
            for key in Set(eo.keys).union(ao.keys).sorted() {
                let sub = path + "." + key
                switch (eo[key], ao[key]) {
                case (let ev?, let av?): collect(ev, av, sub, &found, limit)
                case (let ev?, nil): found.append("\(sub): missing in mltui (MLflow has \(short(ev)))")
                case (nil, let av?): found.append("\(sub): unexpected in mltui (\(short(av))), MLflow omits it")
                default: break
                }
                if found.count >= limit { return }
            }
        case (.array(let ea), .array(let aa)):
            if ea.count != aa.count { found.append("\(path): MLflow has \(ea.count) items, mltui \(aa.count)") }
            for index in 0..<min(ea.count, aa.count) {
                collect(ea[index], aa[index], "\(path)[\(index)]", &found, limit)
                if found.count >= limit { return }
            }
        default:
            found.append("\(path): MLflow \(short(e)), mltui \(short(a))")
        }
    }

    static func short(_ value: JSONDocument) -> String {
        let text = value.canonicalText
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }
}
