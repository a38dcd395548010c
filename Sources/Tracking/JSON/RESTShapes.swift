/// MLflow's REST JSON shapes (each entity's `to_proto`, written by `proto_json_utils.py`
/// `message_to_json`): how every entity is written by the server and scripting output, and read
/// back by the REST client. Unset fields and empty lists are omitted, as proto JSON does; an empty
/// search answer is literally `{}`.

extension JSONWriter {
    public mutating func write(_ tag: KeyValue) {
        beginObject(); field("key", tag.key); field("value", tag.value); endObject()
    }

    /// A list field, omitted when empty.
    public mutating func list<T>(_ name: String, _ items: [T], _ each: (inout JSONWriter, T) -> Void) {
        guard !items.isEmpty else { return }
        key(name)
        beginArray()
        for item in items { each(&self, item) }
        endArray()
    }

    public mutating func write(_ experiment: Experiment) {
        beginObject()
        field("experiment_id", experiment.experimentID)
        field("name", experiment.name)
        field("artifact_location", experiment.artifactLocation)
        field("lifecycle_stage", experiment.lifecycleStage.rawValue)
        field("last_update_time", experiment.lastUpdateTime)
        field("creation_time", experiment.creationTime)
        list("tags", experiment.tags) { $0.write($1) }
        field("workspace", experiment.workspace)
        endObject()
    }

    public mutating func write(_ metric: Metric) {
        beginObject()
        field("key", metric.key)
        field("value", metric.value)
        field("timestamp", metric.timestamp)
        field("step", metric.step)
        field("dataset_name", metric.datasetName)
        field("dataset_digest", metric.datasetDigest)
        field("model_id", metric.modelID)
        field("run_id", metric.runID)
        endObject()
    }

    public mutating func write(_ info: RunInfo) {
        beginObject()
        field("run_uuid", info.runID)
        field("experiment_id", info.experimentID)
        field("run_name", info.runName)
        field("user_id", info.userID)
        field("status", info.status.rawValue)
        field("start_time", info.startTime)
        field("end_time", info.endTime)
        field("artifact_uri", info.artifactURI)
        field("lifecycle_stage", info.lifecycleStage.rawValue)
        field("run_id", info.runID)
        endObject()
    }

    public mutating func write(_ run: Run) {
        beginObject()
        key("info"); write(run.info)
        key("data")
        beginObject()
        list("metrics", run.data.metrics) { $0.write($1) }
        list("params", run.data.params) { $0.write($1) }
        list("tags", run.data.tags) { $0.write($1) }
        endObject()
        key("inputs")
        beginObject()
        list("dataset_inputs", run.inputs.datasetInputs) { $0.write($1) }
        list("model_inputs", run.inputs.modelInputs) { w, model in
            w.beginObject(); w.field("model_id", model.modelID); w.endObject()
        }
        endObject()
        key("outputs")
        beginObject()
        list("model_outputs", run.outputs.modelOutputs) { w, model in
            w.beginObject(); w.field("model_id", model.modelID); w.field("step", model.step); w.endObject()
        }
        endObject()
        endObject()
    }

    public mutating func write(_ input: DatasetInput) {
        beginObject()
        list("tags", input.tags) { $0.write($1) }
        key("dataset")
        beginObject()
        field("name", input.dataset.name)
        field("digest", input.dataset.digest)
        field("source_type", input.dataset.sourceType)
        field("source", input.dataset.source)
        field("schema", input.dataset.schema)
        field("profile", input.dataset.profile)
        endObject()
        endObject()
    }

    public mutating func write(_ entry: ArtifactEntry) {
        beginObject()
        field("path", entry.path)
        field("is_dir", entry.isDir)
        // MLflow's FileInfo.to_proto leaves a zero size unset, so an empty file has no file_size.
        field("file_size", entry.fileSize == 0 ? nil : entry.fileSize)
        endObject()
    }

    /// MLflow's error body: compact, one line (`MlflowException.serialize_as_json`).
    public static func errorBody(_ error: MLflowError) -> String {
        var writer = JSONWriter(pretty: false)
        writer.beginObject()
        writer.field("error_code", error.code.rawValue)
        writer.field("message", error.message)
        writer.endObject()
        return writer.string
    }
}

/// Whole REST response documents, shared by the scripting commands and the server.
public enum RESTResponse {
    public static func experiments(_ experiments: [Experiment], nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.list("experiments", experiments) { $0.write($1) }
        w.field("next_page_token", nextPageToken)
        w.endObject()
        return w
    }

    public static func experiment(_ experiment: Experiment, pretty: Bool = true) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject(); w.key("experiment"); w.write(experiment); w.endObject()
        return w
    }

    public static func runs(_ runs: [Run], nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        // Each run is encoded on its own (at the depth of the "runs" list) on all cores.
        let encoded = parallelMap(runs.count) { i -> [UInt8] in
            var part = JSONWriter(pretty: pretty, nestedAt: 2, reserve: 2048)
            part.write(runs[i])
            return part.bytes
        }
        var w = JSONWriter(pretty: pretty, reserve: encoded.reduce(64) { $0 + $1.count + 8 })
        w.beginObject()
        w.list("runs", encoded) { $0.raw($1) }
        w.field("next_page_token", nextPageToken)
        w.endObject()
        return w
    }

    public static func run(_ run: Run, pretty: Bool = true) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject(); w.key("run"); w.write(run); w.endObject()
        return w
    }

    public static func metrics(_ metrics: [Metric], nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        var w = JSONWriter(pretty: pretty, reserve: metrics.count * 96 + 64)
        w.beginObject()
        w.list("metrics", metrics) { $0.write($1) }
        w.field("next_page_token", nextPageToken)
        w.endObject()
        return w
    }

    public static func artifacts(_ listing: ArtifactListing, nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.field("root_uri", listing.rootURI)
        w.list("files", listing.files) { $0.write($1) }
        w.field("next_page_token", nextPageToken)
        w.endObject()
        return w
    }
}

// MARK: - Reading the shapes back (REST client, tests)

extension MLflowError {
    /// A malformed answer from a server: the REST client reports it with the request it made.
    public static func malformed(_ what: String) -> MLflowError {
        MLflowError(.internalError, "Malformed response from the tracking server: \(what)")
    }
}

private func required(_ json: JSONValue, _ key: String, in what: String) throws -> String {
    guard let value = json[key]?.stringValue else { throw MLflowError.malformed("\(what) has no string '\(key)'") }
    return value
}

private func keyValues(_ json: JSONValue?) -> [KeyValue] {
    (json?.arrayValue ?? []).compactMap { item in
        guard let key = item["key"]?.stringValue else { return nil }
        return KeyValue(key, item["value"]?.stringValue ?? "")
    }
}

extension Experiment {
    public init(json: JSONValue) throws {
        self.init(experimentID: try required(json, "experiment_id", in: "experiment"),
                  name: json["name"]?.stringValue ?? "",
                  artifactLocation: json["artifact_location"]?.stringValue,
                  lifecycleStage: LifecycleStage(rawValue: json["lifecycle_stage"]?.stringValue ?? "active") ?? .active,
                  creationTime: json["creation_time"]?.int64Value,
                  lastUpdateTime: json["last_update_time"]?.int64Value,
                  tags: keyValues(json["tags"]),
                  workspace: json["workspace"]?.stringValue)
    }
}

extension Metric {
    public init(json: JSONValue) throws {
        guard let key = json["key"]?.stringValue else { throw MLflowError.malformed("metric has no 'key'") }
        guard let value = json["value"]?.doubleValue else { throw MLflowError.malformed("metric '\(key)' has no numeric 'value'") }
        self.init(key: key, value: value,
                  timestamp: json["timestamp"]?.int64Value ?? 0,
                  step: json["step"]?.int64Value ?? 0,
                  runID: json["run_id"]?.stringValue,
                  datasetName: json["dataset_name"]?.stringValue,
                  datasetDigest: json["dataset_digest"]?.stringValue,
                  modelID: json["model_id"]?.stringValue)
    }
}

extension Run {
    public init(json: JSONValue) throws {
        guard let info = json["info"] else { throw MLflowError.malformed("run has no 'info'") }
        guard let runID = info["run_id"]?.stringValue ?? info["run_uuid"]?.stringValue else {
            throw MLflowError.malformed("run info has no 'run_id'")
        }
        let runInfo = RunInfo(
            runID: runID,
            experimentID: info["experiment_id"]?.stringValue ?? "",
            runName: info["run_name"]?.stringValue ?? "",
            userID: info["user_id"]?.stringValue ?? "",
            status: RunStatus(rawValue: info["status"]?.stringValue ?? "") ?? .running,
            startTime: info["start_time"]?.int64Value,
            endTime: info["end_time"]?.int64Value,
            artifactURI: info["artifact_uri"]?.stringValue ?? "",
            lifecycleStage: LifecycleStage(rawValue: info["lifecycle_stage"]?.stringValue ?? "active") ?? .active)
        let data = json["data"]
        let runData = RunData(metrics: try (data?["metrics"]?.arrayValue ?? []).map(Metric.init(json:)),
                              params: keyValues(data?["params"]),
                              tags: keyValues(data?["tags"]))
        let datasetInputs: [DatasetInput] = (json["inputs"]?["dataset_inputs"]?.arrayValue ?? []).compactMap { input in
            guard let d = input["dataset"] else { return nil }
            return DatasetInput(tags: keyValues(input["tags"]),
                                dataset: Dataset(name: d["name"]?.stringValue ?? "",
                                                 digest: d["digest"]?.stringValue ?? "",
                                                 sourceType: d["source_type"]?.stringValue ?? "",
                                                 source: d["source"]?.stringValue ?? "",
                                                 schema: d["schema"]?.stringValue,
                                                 profile: d["profile"]?.stringValue))
        }
        let modelInputs = (json["inputs"]?["model_inputs"]?.arrayValue ?? []).compactMap { m in
            m["model_id"]?.stringValue.map { ModelIO(modelID: $0) }
        }
        let modelOutputs = (json["outputs"]?["model_outputs"]?.arrayValue ?? []).compactMap { m in
            m["model_id"]?.stringValue.map { ModelIO(modelID: $0, step: m["step"]?.int64Value) }
        }
        self.init(info: runInfo, data: runData,
                  inputs: RunInputs(datasetInputs: datasetInputs, modelInputs: modelInputs),
                  outputs: RunOutputs(modelOutputs: modelOutputs))
    }
}

extension ArtifactEntry {
    public init(json: JSONValue) throws {
        guard let path = json["path"]?.stringValue else { throw MLflowError.malformed("file info has no 'path'") }
        self.init(path: path, isDir: json["is_dir"]?.boolValue ?? false, fileSize: json["file_size"]?.int64Value)
    }
}

extension MLflowError {
    /// Reads MLflow's error body; nil when the body is not one.
    public init?(json: JSONValue) {
        guard let codeText = json["error_code"]?.stringValue else { return nil }
        let code = ErrorCode(rawValue: codeText) ?? .internalError
        self.init(code, json["message"]?.stringValue ?? codeText)
    }
}
