// MLflow's tracking entities, named and shaped as in MLflow's REST API (`mlflow/entities/`,
// `to_proto`).
// All times are integer milliseconds since the Unix epoch; experiment ids are strings in every store.

public enum ViewType: String, Sendable, CaseIterable {
    case activeOnly = "ACTIVE_ONLY"
    case deletedOnly = "DELETED_ONLY"
    case all = "ALL"

    public func includes(_ stage: LifecycleStage) -> Bool {
        switch self {
        case .activeOnly: return stage == .active
        case .deletedOnly: return stage == .deleted
        case .all: return true
        }
    }
}

public enum LifecycleStage: String, Sendable {
    case active, deleted
}

public enum RunStatus: String, Sendable, CaseIterable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"

    /// The integer the file store writes in run meta.yaml; missing means RUNNING
    /// (`file_store.py` `_read_persisted_run_info_dict`, `RunStatus.to_string`).
    public init(fileStoreCode: Int) {
        switch fileStoreCode {
        case 2: self = .scheduled
        case 3: self = .finished
        case 4: self = .failed
        case 5: self = .killed
        default: self = .running
        }
    }

    public var isTerminal: Bool { self == .finished || self == .failed || self == .killed }
}

/// A key/value pair: run tags, experiment tags, params and input tags all have this shape.
public struct KeyValue: Sendable, Equatable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

public typealias Tag = KeyValue

extension KeyValue {
    /// The description of a run or an experiment, as the MLflow UI edits it.
    public static let noteKey = "mlflow.note.content"
}
public typealias Param = KeyValue

public struct Experiment: Sendable, Equatable {
    public var experimentID: String
    public var name: String
    public var artifactLocation: String?
    public var lifecycleStage: LifecycleStage
    public var creationTime: Int64?
    public var lastUpdateTime: Int64?
    public var tags: [Tag]
    /// MLflow 3.x multi-tenancy; "default" in every store mltui reads.
    public var workspace: String?

    public init(experimentID: String, name: String, artifactLocation: String? = nil,
                lifecycleStage: LifecycleStage = .active, creationTime: Int64? = nil,
                lastUpdateTime: Int64? = nil, tags: [Tag] = [], workspace: String? = nil) {
        self.experimentID = experimentID
        self.name = name
        self.artifactLocation = artifactLocation
        self.lifecycleStage = lifecycleStage
        self.creationTime = creationTime
        self.lastUpdateTime = lastUpdateTime
        self.tags = tags
        self.workspace = workspace
    }
}

/// One logged metric value. `runID` is set only where MLflow's own store returns it
/// (a file-backed server puts `run_id` in each metric of run data; a SQL-backed one does not).
public struct Metric: Sendable, Equatable {
    public var key: String
    public var value: Double
    public var timestamp: Int64
    public var step: Int64
    public var runID: String?
    public var datasetName: String?
    public var datasetDigest: String?
    /// The logged model the value belongs to (MLflow 3.x `log_metric(model_id=)`); writes only.
    public var modelID: String?

    public init(key: String, value: Double, timestamp: Int64, step: Int64, runID: String? = nil,
                datasetName: String? = nil, datasetDigest: String? = nil, modelID: String? = nil) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
        self.runID = runID
        self.datasetName = datasetName
        self.datasetDigest = datasetDigest
        self.modelID = modelID
    }

    /// MLflow's "latest" value is the one with the greatest (step, timestamp, value), not the last
    /// logged (`FileStore._get_metric_from_file`,
    /// `SqlAlchemyStore._update_latest_metrics_if_necessary`); NaN compares as 0 there, as SQL
    /// stores NaN as 0.0 with is_nan.
    func isLater(than other: Metric) -> Bool {
        if step != other.step { return step > other.step }
        if timestamp != other.timestamp { return timestamp > other.timestamp }
        let a = value.isNaN ? 0 : value, b = other.value.isNaN ? 0 : other.value
        return a > b
    }

    public static func == (a: Metric, b: Metric) -> Bool {
        a.key == b.key && a.timestamp == b.timestamp && a.step == b.step && a.runID == b.runID
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
            && a.datasetName == b.datasetName && a.datasetDigest == b.datasetDigest && a.modelID == b.modelID
    }
}

public struct RunInfo: Sendable, Equatable {
    public var runID: String
    public var experimentID: String
    public var runName: String
    public var userID: String
    public var status: RunStatus
    public var startTime: Int64?
    public var endTime: Int64?
    public var artifactURI: String
    public var lifecycleStage: LifecycleStage

    public init(runID: String, experimentID: String, runName: String = "", userID: String = "",
                status: RunStatus = .running, startTime: Int64? = nil, endTime: Int64? = nil,
                artifactURI: String = "", lifecycleStage: LifecycleStage = .active) {
        self.runID = runID
        self.experimentID = experimentID
        self.runName = runName
        self.userID = userID
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.artifactURI = artifactURI
        self.lifecycleStage = lifecycleStage
    }
}

/// Latest metric values (one per key), params and tags of a run.
public struct RunData: Sendable, Equatable {
    public var metrics: [Metric]
    public var params: [Param]
    public var tags: [Tag]

    public init(metrics: [Metric] = [], params: [Param] = [], tags: [Tag] = []) {
        self.metrics = metrics
        self.params = params
        self.tags = tags
    }

    public func metric(_ key: String) -> Metric? { metrics.first { $0.key == key } }
    public func param(_ key: String) -> String? { params.first { $0.key == key }?.value }
    public func tag(_ key: String) -> String? { tags.first { $0.key == key }?.value }
}

public struct Dataset: Sendable, Equatable {
    public var name: String
    public var digest: String
    public var sourceType: String
    public var source: String
    public var schema: String?
    public var profile: String?

    public init(name: String, digest: String, sourceType: String, source: String,
                schema: String? = nil, profile: String? = nil) {
        self.name = name
        self.digest = digest
        self.sourceType = sourceType
        self.source = source
        self.schema = schema
        self.profile = profile
    }
}

public struct DatasetInput: Sendable, Equatable {
    public var tags: [Tag]
    public var dataset: Dataset
    public init(tags: [Tag], dataset: Dataset) { self.tags = tags; self.dataset = dataset }

    /// `mlflow.data.context` (training, eval, ...), what `datasets.context` filters on.
    public var context: String? { tags.first { $0.key == "mlflow.data.context" }?.value }
}

public struct ModelIO: Sendable, Equatable {
    public var modelID: String
    public var step: Int64?
    public init(modelID: String, step: Int64? = nil) { self.modelID = modelID; self.step = step }
}

public struct RunInputs: Sendable, Equatable {
    public var datasetInputs: [DatasetInput]
    public var modelInputs: [ModelIO]
    public init(datasetInputs: [DatasetInput] = [], modelInputs: [ModelIO] = []) {
        self.datasetInputs = datasetInputs
        self.modelInputs = modelInputs
    }
}

public struct RunOutputs: Sendable, Equatable {
    public var modelOutputs: [ModelIO]
    public init(modelOutputs: [ModelIO] = []) { self.modelOutputs = modelOutputs }
}

public struct Run: Sendable, Equatable {
    public var info: RunInfo
    public var data: RunData
    public var inputs: RunInputs
    public var outputs: RunOutputs

    public init(info: RunInfo, data: RunData = RunData(), inputs: RunInputs = RunInputs(),
                outputs: RunOutputs = RunOutputs()) {
        self.info = info
        self.data = data
        self.inputs = inputs
        self.outputs = outputs
    }

    public var parentRunID: String? { data.tag("mlflow.parentRunId") }
    public var description: String? { data.tag(Tag.noteKey) }
}

/// One entry of an artifact listing; `path` is relative to the run's artifact root and
/// includes the listed directory (as `artifacts/list` returns it, `handlers.py`
/// `list_artifacts_impl`).
public struct ArtifactEntry: Sendable, Equatable {
    public var path: String
    public var isDir: Bool
    public var fileSize: Int64?
    public init(path: String, isDir: Bool, fileSize: Int64? = nil) {
        self.path = path
        self.isDir = isDir
        self.fileSize = fileSize
    }

    public var name: Substring { path.split(separator: "/").last ?? Substring(path) }
}
