/// The REST JSON of logged models, the registry and dataset summaries (`LoggedModel.to_proto`,
/// `RegisteredModel.to_proto`, `ModelVersion.to_proto`, `_DatasetSummary.to_proto`), written and
/// read back as the tracking shapes are (RESTShapes.swift).

extension JSONWriter {
    /// `LoggedModel.to_proto` (mlflow/entities/logged_model.py), fields in proto order.
    public mutating func write(_ model: LoggedModel) {
        beginObject()
        key("info")
        beginObject()
        field("model_id", model.modelID)
        field("experiment_id", model.experimentID)
        field("name", model.name)
        field("creation_timestamp_ms", model.creationTimestamp)
        field("last_updated_timestamp_ms", model.lastUpdatedTimestamp)
        field("artifact_uri", model.artifactLocation)
        field("status", model.status.rawValue)
        field("model_type", model.modelType)
        field("source_run_id", model.sourceRunID)
        field("status_message", model.statusMessage)
        list("tags", model.tags) { $0.write($1) }
        endObject()
        key("data")
        beginObject()
        list("params", model.params) { $0.write($1) }
        list("metrics", model.metrics) { $0.write($1) }
        endObject()
        endObject()
    }

    public mutating func write(_ version: ModelVersion) {
        beginObject()
        field("name", version.name)
        field("version", version.version)
        field("creation_timestamp", version.creationTimestamp)
        field("last_updated_timestamp", version.lastUpdatedTimestamp)
        field("user_id", version.userID)
        field("current_stage", version.currentStage)
        field("description", version.description)
        field("source", version.source)
        field("run_id", version.runID)
        field("status", version.status)
        field("status_message", version.statusMessage.flatMap { $0.isEmpty ? nil : $0 })
        list("tags", version.tags) { $0.write($1) }
        field("run_link", version.runLink)
        if !version.aliases.isEmpty {
            key("aliases")
            beginArray()
            for alias in version.aliases { value(alias) }
            endArray()
        }
        endObject()
    }

    public mutating func write(_ model: RegisteredModel) {
        beginObject()
        field("name", model.name)
        field("creation_timestamp", model.creationTimestamp)
        field("last_updated_timestamp", model.lastUpdatedTimestamp.flatMap { $0 == 0 ? nil : $0 })
        field("description", model.description.flatMap { $0.isEmpty ? nil : $0 })
        list("latest_versions", model.latestVersions) { $0.write($1) }
        list("tags", model.tags) { $0.write($1) }
        list("aliases", model.aliases) { w, alias in
            w.beginObject(); w.field("alias", alias.alias); w.field("version", alias.version); w.endObject()
        }
        field("deployment_job_id", model.deploymentJobID.flatMap { $0.isEmpty ? nil : $0 })
        endObject()
    }

    public mutating func write(_ summary: DatasetSummary) {
        beginObject()
        field("experiment_id", summary.experimentID)
        field("name", summary.name)
        field("digest", summary.digest)
        field("context", summary.context.flatMap { $0.isEmpty ? nil : $0 })
        endObject()
    }
}

extension RESTResponse {
    /// `{"<name>": [...], "next_page_token": ...}`, the list omitted when empty.
    static func page<T>(_ name: String, _ items: [T], nextPageToken: String?, pretty: Bool,
                        _ each: (inout JSONWriter, T) -> Void) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.list(name, items, each)
        w.field("next_page_token", nextPageToken)
        w.endObject()
        return w
    }

    /// `{"<name>": <item>}`.
    static func single(_ name: String, pretty: Bool, _ write: (inout JSONWriter) -> Void) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject(); w.key(name); write(&w); w.endObject()
        return w
    }

    public static func loggedModels(_ models: [LoggedModel], nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        page("models", models, nextPageToken: nextPageToken, pretty: pretty) { $0.write($1) }
    }

    public static func loggedModel(_ model: LoggedModel, pretty: Bool = true) -> JSONWriter {
        single("model", pretty: pretty) { $0.write(model) }
    }

    public static func registeredModels(_ models: [RegisteredModel], nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        page("registered_models", models, nextPageToken: nextPageToken, pretty: pretty) { $0.write($1) }
    }

    public static func registeredModel(_ model: RegisteredModel, pretty: Bool = true) -> JSONWriter {
        single("registered_model", pretty: pretty) { $0.write(model) }
    }

    public static func modelVersions(_ versions: [ModelVersion], nextPageToken: String? = nil, pretty: Bool = true) -> JSONWriter {
        page("model_versions", versions, nextPageToken: nextPageToken, pretty: pretty) { $0.write($1) }
    }

    public static func modelVersion(_ version: ModelVersion, pretty: Bool = true) -> JSONWriter {
        single("model_version", pretty: pretty) { $0.write(version) }
    }

    public static func datasetSummaries(_ summaries: [DatasetSummary], pretty: Bool = true) -> JSONWriter {
        page("dataset_summaries", summaries, nextPageToken: nil, pretty: pretty) { $0.write($1) }
    }
}

private func keyValueList(_ json: JSONValue?) -> [KeyValue] {
    (json?.arrayValue ?? []).compactMap { item in
        guard let key = item["key"]?.stringValue else { return nil }
        return KeyValue(key, item["value"]?.stringValue ?? "")
    }
}

extension LoggedModel {
    /// `{"info": {...}, "data": {"params", "metrics"}}`.
    public init(json: JSONValue) throws {
        guard let info = json["info"] else { throw MLflowError.malformed("logged model has no 'info'") }
        guard let id = info["model_id"]?.stringValue else { throw MLflowError.malformed("logged model info has no 'model_id'") }
        let status = info["status"]?.stringValue.flatMap(LoggedModelStatus.init(rawValue:)) ?? .unspecified
        self.init(modelID: id,
                  experimentID: info["experiment_id"]?.stringValue ?? "",
                  name: info["name"]?.stringValue ?? "",
                  artifactLocation: info["artifact_uri"]?.stringValue ?? "",
                  creationTimestamp: info["creation_timestamp_ms"]?.int64Value ?? 0,
                  lastUpdatedTimestamp: info["last_updated_timestamp_ms"]?.int64Value ?? 0,
                  modelType: info["model_type"]?.stringValue,
                  sourceRunID: info["source_run_id"]?.stringValue,
                  status: status,
                  statusMessage: info["status_message"]?.stringValue,
                  tags: keyValueList(info["tags"]),
                  params: keyValueList(json["data"]?["params"]),
                  metrics: try (json["data"]?["metrics"]?.arrayValue ?? []).map(Metric.init(json:)))
    }
}

extension ModelVersion {
    public init(json: JSONValue) throws {
        guard let name = json["name"]?.stringValue, let version = json["version"]?.stringValue else {
            throw MLflowError.malformed("model version has no 'name' or 'version'")
        }
        self.init(name: name, version: version,
                  creationTimestamp: json["creation_timestamp"]?.int64Value ?? 0,
                  lastUpdatedTimestamp: json["last_updated_timestamp"]?.int64Value,
                  userID: json["user_id"]?.stringValue,
                  currentStage: json["current_stage"]?.stringValue,
                  description: json["description"]?.stringValue,
                  source: json["source"]?.stringValue,
                  runID: json["run_id"]?.stringValue,
                  status: json["status"]?.stringValue,
                  statusMessage: json["status_message"]?.stringValue,
                  tags: keyValueList(json["tags"]),
                  runLink: json["run_link"]?.stringValue,
                  aliases: (json["aliases"]?.arrayValue ?? []).compactMap(\.stringValue))
    }
}

extension RegisteredModel {
    public init(json: JSONValue) throws {
        guard let name = json["name"]?.stringValue else { throw MLflowError.malformed("registered model has no 'name'") }
        self.init(name: name,
                  creationTimestamp: json["creation_timestamp"]?.int64Value,
                  lastUpdatedTimestamp: json["last_updated_timestamp"]?.int64Value,
                  description: json["description"]?.stringValue,
                  latestVersions: try (json["latest_versions"]?.arrayValue ?? []).map(ModelVersion.init(json:)),
                  tags: keyValueList(json["tags"]),
                  aliases: (json["aliases"]?.arrayValue ?? []).compactMap { a in
                      a["alias"]?.stringValue.map { ModelAlias($0, a["version"]?.stringValue ?? "") }
                  },
                  deploymentJobID: json["deployment_job_id"]?.stringValue)
    }
}

extension DatasetSummary {
    public init(json: JSONValue) throws {
        guard let name = json["name"]?.stringValue else { throw MLflowError.malformed("dataset summary has no 'name'") }
        self.init(experimentID: json["experiment_id"]?.stringValue ?? "", name: name,
                  digest: json["digest"]?.stringValue ?? "", context: json["context"]?.stringValue)
    }
}
