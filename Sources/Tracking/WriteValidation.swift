import Foundation

/// The input checks MLflow's tracking stores run before they write (`mlflow/utils/validation.py`),
/// with MLflow's messages and codes, so every writer (file store, SQLite, the server) refuses
/// exactly what MLflow refuses and says so in the same words. Functions are named after MLflow's
/// (`_validate_param` → `param`). Param and tag values over the limit are truncated, not refused,
/// as MLflow does by default (`MLFLOW_TRUNCATE_LONG_VALUES`).
public enum WriteValidation {
    public static let maxParamsTagsPerBatch = 100
    public static let maxMetricsPerBatch = 1000
    public static let maxEntitiesPerBatch = 1000
    public static let maxBatchLogRequestSize = 1_000_000
    public static let maxParamValueLength = 6000
    public static let maxTagValueLength = 8000
    public static let maxExperimentNameLength = 500
    public static let maxExperimentTagKeyLength = 250
    public static let maxExperimentTagValueLength = 20000
    public static let maxEntityKeyLength = 250
    public static let maxDatasetNameSize = 500
    public static let maxDatasetDigestSize = 36
    public static let maxDatasetSchemaSize = 1_048_575
    public static let maxDatasetSourceSize = 65535
    public static let maxDatasetProfileSize = 16_777_215
    public static let maxInputTagKeySize = 255
    public static let maxInputTagValueSize = 500

    /// `MLFLOW_TRUNCATE_LONG_VALUES` (default true; "false" or "0" turn truncation off).
    public static var truncatesLongValues: Bool {
        let value = ProcessInfo.processInfo.environment["MLFLOW_TRUNCATE_LONG_VALUES"]?.lowercased()
        return !(value == "false" || value == "0")
    }

    /// `MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH` (default 2048).
    public static var artifactLocationMaxLength: Int {
        ProcessInfo.processInfo.environment["MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH"].flatMap { Int($0) } ?? 2048
    }

    // MARK: names

    /// `_validate_metric_name`.
    public static func metricName(_ name: String, path: String = "name") throws {
        try entityName(name, path: path)
    }

    /// `_validate_param_name`.
    public static func paramName(_ name: String, path: String = "key") throws {
        try entityName(name, path: path)
    }

    /// `_validate_tag_name`.
    public static func tagName(_ name: String, path: String = "key") throws {
        try entityName(name, path: path)
    }

    /// The rule the three name checks share: MLflow's character class, and a name that stays
    /// itself as a file path (metrics, params and tags are files in the file store).
    private static func entityName(_ name: String, path: String) throws {
        guard PythonText.matchesAll(name, isNameCharacter) else {
            throw MLflowError.invalidParameter(invalidValue(path, name, badCharacterMessage))
        }
        if pathNotUnique(name) {
            throw MLflowError.invalidParameter(invalidValue(path, name, badPathMessage(name)))
        }
    }

    /// `validate_param_and_metric_name` (POSIX): `^[/\w.\- :]*$`.
    private static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        "/.- :".unicodeScalars.contains(c) || PythonText.isWordCharacter(c)
    }

    static let badCharacterMessage = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.),"
        + " spaces ( ), colon(:) and slashes (/)."

    /// `path_not_unique`.
    static func pathNotUnique(_ name: String) -> Bool {
        let norm = PythonText.normpath(name)
        return norm != name || norm == "." || norm.hasPrefix("..") || norm.hasPrefix("/")
    }

    static func badPathMessage(_ name: String) -> String {
        "Names may be treated as files in certain cases, and must not resolve to other names"
            + " when treated as such. This name would resolve to \(PythonText.repr(PythonText.normpath(name)))"
    }

    // MARK: entities

    /// `_validate_metric`. `path` is the JSON path of the metric in a batch (`metrics[0]`).
    public static func metric(_ metric: Metric, path: String = "") throws {
        try metricName(metric.key, path: jsonPath(path, "name"))
        if metric.timestamp < 0 {
            throw MLflowError.invalidParameter(invalidValue(
                jsonPath(path, "timestamp"), String(metric.timestamp), raw: true,
                "metric '\(metric.key)' (value=\(PythonText.repr(metric.value))). "
                    + "Timestamp must be a nonnegative long (64-bit integer) "))
        }
        _ = try lengthLimit("Metric name", maxEntityKeyLength, metric.key)
    }

    /// `_validate_param`: the param to store, its value truncated to 6000 characters.
    public static func param(_ param: Param, path: String = "") throws -> Param {
        try paramName(param.key, path: jsonPath(path, "key"))
        return Param(try lengthLimit("Param key", maxEntityKeyLength, param.key),
                     try lengthLimit("Param value", maxParamValueLength, param.value, truncate: true))
    }

    /// `_validate_tag`: the tag to store, its value truncated to 8000 characters.
    public static func tag(_ tag: Tag, path: String = "") throws -> Tag {
        try tagName(tag.key, path: jsonPath(path, "key"))
        return Tag(try lengthLimit(jsonPath(path, "key"), maxEntityKeyLength, tag.key),
                   try lengthLimit(jsonPath(path, "value"), maxTagValueLength, tag.value, truncate: true))
    }

    /// `_validate_experiment_tag`: no truncation for experiment tags.
    public static func experimentTag(_ tag: Tag) throws {
        try tagName(tag.key)
        _ = try lengthLimit("key", maxExperimentTagKeyLength, tag.key)
        _ = try lengthLimit("value", maxExperimentTagValueLength, tag.value)
    }

    /// `_validate_length_limit`: the value, truncated when `truncate` and MLflow would truncate.
    public static func lengthLimit(_ entityName: String, _ limit: Int, _ value: String,
                                   truncate: Bool = false) throws -> String {
        if PythonText.length(value) <= limit { return value }
        if truncate && truncatesLongValues { return PythonText.prefix(value, limit) }
        throw MLflowError.invalidParameter(exceedsMaximumLength(entityName, limit))
    }

    // MARK: batches

    /// What `log_batch` checks before it writes, in MLflow's order (`SqlAlchemyStore.log_batch`,
    /// `FileStore.log_batch`): the run id, each metric, param and tag, the batch limits, then
    /// duplicate param keys. Returns the params and tags to store (long values truncated).
    public static func logBatch(runID: String, metrics: [Metric], params: [Param],
                                tags: [Tag]) throws -> (params: [Param], tags: [Tag]) {
        try self.runID(runID)
        for (index, m) in metrics.enumerated() { try metric(m, path: "metrics[\(index)]") }
        let params = try params.enumerated().map { try param($0.element, path: "params[\($0.offset)]") }
        let tags = try tags.enumerated().map { try tag($0.element, path: "tags[\($0.offset)]") }
        try batchLogLimits(metrics: metrics.count, params: params.count, tags: tags.count)
        try paramKeysUnique(params)
        return (params, tags)
    }

    /// `_validate_batch_log_limits`.
    public static func batchLogLimits(metrics: Int, params: Int, tags: Int) throws {
        try batchLimit("metrics", maxMetricsPerBatch, metrics)
        try batchLimit("params", maxParamsTagsPerBatch, params)
        try batchLimit("tags", maxParamsTagsPerBatch, tags)
        try batchLimit("metrics, params, and tags", maxEntitiesPerBatch, metrics + params + tags)
    }

    private static func batchLimit(_ entityName: String, _ limit: Int, _ count: Int) throws {
        guard count > limit else { return }
        throw MLflowError.invalidParameter(
            "A batch logging request can contain at most \(limit) \(entityName). Got \(count) \(entityName). "
                + "Please split up \(entityName) across multiple requests and try again.")
    }

    /// `_validate_batch_log_api_req`. MLflow's handler passes it the parsed JSON body, whose
    /// `len()` is its number of top-level fields (`handlers.py` `_log_batch`), so a well-formed
    /// request never exceeds the limit; callers pass that same count.
    public static func batchLogRequest(topLevelFieldCount size: Int) throws {
        guard size > maxBatchLogRequestSize else { return }
        throw MLflowError.invalidParameter(
            "Batched logging API requests must be at most \(maxBatchLogRequestSize) bytes, got a request of size \(size).")
    }

    /// `_validate_param_keys_unique`: the duplicated keys listed as Python prints a list of str.
    public static func paramKeysUnique(_ params: [Param]) throws {
        var seen = Set<String>(), dupes: [String] = []
        for p in params where !seen.insert(p.key).inserted { dupes.append(p.key) }
        guard !dupes.isEmpty else { return }
        let list = "[" + dupes.map(PythonText.repr).joined(separator: ", ") + "]"
        throw MLflowError.invalidParameter(
            "Duplicate parameter keys have been submitted: \(list). Please ensure "
                + "the request contains only one param value per param key.")
    }

    // MARK: ids and experiments

    /// `_validate_run_id`: `^[a-zA-Z0-9][\w\-]{0,255}$`.
    public static func runID(_ id: String, path: String = "run_id") throws {
        guard matchesID(id, maxTail: 255) else {
            throw MLflowError.invalidParameter(invalidValue(path, id))
        }
    }

    /// `_validate_experiment_id`: `^[a-zA-Z0-9][\w\-]{0,63}$`.
    public static func experimentID(_ id: String?) throws {
        guard let id, !matchesID(id, maxTail: 63) else { return }
        throw MLflowError.invalidParameter("Invalid experiment ID: '\(id)'")
    }

    private static func matchesID(_ id: String, maxTail: Int) -> Bool {
        var scalars = Substring(id).unicodeScalars
        if scalars.last == "\n" { scalars = scalars.dropLast() }
        guard let first = scalars.first, first.isASCII,
              first.properties.isAlphabetic || ("0"..."9").contains(first) else { return false }
        let tail = scalars.dropFirst()
        return tail.count <= maxTail && tail.allSatisfy { $0 == "-" || PythonText.isWordCharacter($0) }
    }

    /// `_validate_experiment_name`: nil stands for a name that was not sent (Python's None).
    public static func experimentName(_ name: String?) throws {
        guard let name, !name.isEmpty else {
            throw MLflowError.invalidParameter("Invalid experiment name: '\(name ?? "None")'")
        }
        if PythonText.length(name) > maxExperimentNameLength {
            throw MLflowError.invalidParameter(exceedsMaximumLength("name", maxExperimentNameLength))
        }
    }

    /// `_validate_experiment_artifact_location`: a `runs:/` URI cannot hold an experiment.
    public static func experimentArtifactLocation(_ location: String?) throws {
        guard let location, location.hasPrefix("runs:") else { return }
        throw MLflowError.invalidParameter("Artifact location cannot be a runs:/ URI. Given: '\(location)'")
    }

    /// `_validate_experiment_artifact_location_length`.
    public static func experimentArtifactLocationLength(_ location: String) throws {
        let limit = artifactLocationMaxLength
        guard PythonText.length(location) > limit else { return }
        throw MLflowError.invalidParameter(
            "Invalid artifact path length. The length of the artifact path cannot be "
                + "greater than \(limit) characters. To configure this limit, please set the "
                + "MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.")
    }

    // MARK: inputs and logged models

    /// `_validate_dataset_inputs`: each dataset's sizes, then its input tags.
    public static func datasetInputs(_ inputs: [DatasetInput]) throws {
        for input in inputs {
            let d = input.dataset
            try sizeLimit("name", maxDatasetNameSize, d.name)
            try sizeLimit("digest", maxDatasetDigestSize, d.digest)
            try sizeLimit("source", maxDatasetSourceSize, d.source)
            if let schema = d.schema { try sizeLimit("schema", maxDatasetSchemaSize, schema) }
            if let profile = d.profile { try sizeLimit("profile", maxDatasetProfileSize, profile) }
            for tag in input.tags {
                try sizeLimit("key", maxInputTagKeySize, tag.key)
                try sizeLimit("value", maxInputTagValueSize, tag.value)
            }
        }
    }

    private static func sizeLimit(_ field: String, _ limit: Int, _ value: String) throws {
        if PythonText.length(value) > limit {
            throw MLflowError.invalidParameter(exceedsMaximumLength(field, limit))
        }
    }

    /// `_validate_logged_model_name`: nil means the store generates one.
    public static func loggedModelName(_ name: String?) throws {
        guard let name else { return }
        let bad = "/:.%\"'".unicodeScalars
        guard name.isEmpty || name.unicodeScalars.contains(where: bad.contains) else { return }
        throw MLflowError.invalidParameter(
            "Invalid model name (\(PythonText.repr(name))) provided. Model name must be a non-empty string "
                + "and cannot contain the following characters: ('/', ':', '.', '%', '\"', \"'\")")
    }

    // MARK: message pieces

    /// `invalid_value`: the value as `json.dumps` writes it (`raw` for a number already written).
    public static func invalidValue(_ path: String, _ value: String, raw: Bool = false, _ message: String? = nil) -> String {
        let formatted = raw ? value : PythonText.jsonString(value)
        guard let message else { return "Invalid value \(formatted) for parameter '\(path)' supplied." }
        return "Invalid value \(formatted) for parameter '\(path)' supplied: \(message)"
    }

    /// `missing_value`.
    public static func missingValue(_ path: String) -> String { "Missing value for required parameter '\(path)'." }

    /// `exceeds_maximum_length`.
    public static func exceedsMaximumLength(_ path: String, _ limit: Int) -> String {
        "'\(path)' exceeds the maximum length of \(limit) characters"
    }

    /// `append_to_json_path`.
    static func jsonPath(_ current: String, _ value: String) -> String {
        if current.isEmpty { return value }
        return value.hasPrefix("[") ? current + value : current + "." + value
    }
}
