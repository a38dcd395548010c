/// A value a run or experiment holds for a search key.
public enum FieldValue: Sendable, Equatable {
    case number(Double)
    case string(String)
}

/// What the in-memory evaluator needs of a run. `Run` conforms; a store may conform a lighter
/// index type so that it reads only the fields a filter or ordering touches.
public protocol SearchableRun {
    var searchRunID: String { get }
    /// The run's value for `key`, nil when absent. Metrics give their latest value (NaN allowed);
    /// attributes use canonical names (run_id, run_name = the runs.name column, status,
    /// user_id, artifact_uri, start_time, end_time).
    func fieldValue(_ key: SearchKey) -> FieldValue?
    var searchDatasets: [DatasetInput] { get }
}

public protocol SearchableExperiment {
    var searchExperimentID: String { get }
    /// attributes: name, experiment_id, creation_time, last_update_time; tags by key.
    func fieldValue(_ key: SearchKey) -> FieldValue?
}

extension Run: SearchableRun {
    public var searchRunID: String { info.runID }
    public var searchDatasets: [DatasetInput] { inputs.datasetInputs }

    public func fieldValue(_ key: SearchKey) -> FieldValue? {
        switch key.kind {
        case .metric: return data.metric(key.key).map { .number($0.value) }
        case .param: return data.param(key.key).map(FieldValue.string)
        case .tag: return data.tag(key.key).map(FieldValue.string)
        case .dataset: return nil
        case .attribute:
            switch key.key {
            case "run_id": return .string(info.runID)
            case "run_name": return .string(info.runName)
            case "status": return .string(info.status.rawValue)
            case "user_id": return .string(info.userID)
            case "artifact_uri": return .string(info.artifactURI)
            case "start_time": return info.startTime.map { .number(Double($0)) }
            case "end_time": return info.endTime.map { .number(Double($0)) }
            default: return nil
            }
        }
    }
}

extension Experiment: SearchableExperiment {
    public var searchExperimentID: String { experimentID }

    public func fieldValue(_ key: SearchKey) -> FieldValue? {
        switch key.kind {
        case .tag: return tags.first { $0.key == key.key }.map { .string($0.value) }
        case .attribute:
            switch key.key {
            case "name": return .string(name)
            case "experiment_id": return .string(experimentID)
            case "creation_time": return creationTime.map { .number(Double($0)) }
            case "last_update_time": return lastUpdateTime.map { .number(Double($0)) }
            default: return nil
            }
        default: return nil
        }
    }
}

/// In-memory evaluation of a parsed filter and ordering, with MLflow's semantics.
public enum SearchEvaluator {
    public static func matches(_ run: some SearchableRun, _ filter: Filter) -> Bool {
        fatalError("search evaluator not built yet")
    }

    /// Sorts by the clauses, then MLflow's implicit `start_time DESC` (unless ordered by
    /// start_time already) and `run_id ASC` (reference §5.4).
    public static func sort<R: SearchableRun>(_ runs: inout [R], by clauses: [OrderClause]) {
        fatalError("search evaluator not built yet")
    }

    public static func matches(_ experiment: some SearchableExperiment, _ filter: Filter) -> Bool {
        fatalError("search evaluator not built yet")
    }

    /// Default order `creation_time DESC`, tie-break `experiment_id ASC` (reference §3.3).
    public static func sort<E: SearchableExperiment>(_ experiments: inout [E], by clauses: [OrderClause]) {
        fatalError("search evaluator not built yet")
    }
}
