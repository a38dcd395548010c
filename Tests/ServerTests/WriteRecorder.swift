import Foundation
import Tracking

/// A `TrackingWriter` that records each call as a value, for tests of how the server decodes
/// write requests; reads come from a `MemoryStore`. It stores nothing: the real stores are
/// exercised end to end by WriteThroughServeTests with the real MLflow client.
final class WriteRecorder: TrackingWriter, Sendable {
    enum Call: Equatable {
        case createExperiment(String, String?, [Tag])
        case renameExperiment(String, String)
        case deleteExperiment(String), restoreExperiment(String)
        case setExperimentTag(String, Tag), deleteExperimentTag(String, String)
        case createRun(RunCreation)
        case updateRun(String, RunStatus?, Int64?, String?)
        case deleteRun(String), restoreRun(String)
        case logMetric(String, Metric), logParam(String, Param), setTag(String, Tag), deleteTag(String, String)
        case logBatch(String, [Metric], [Param], [Tag])
        case logInputs(String, [DatasetInput], [ModelIO]), logOutputs(String, [ModelIO]), recordLoggedModel(String, String)
        case createLoggedModel(LoggedModelCreation), finalizeLoggedModel(String, LoggedModelStatus), deleteLoggedModel(String)
        case setLoggedModelTags(String, [Tag]), deleteLoggedModelTag(String, String), logLoggedModelParams(String, [Param])
    }

    let reads: MemoryStore
    let calls = Locked<[Call]>([])
    /// Thrown by every write when set, as a store refusing it would.
    let failure = Locked<MLflowError?>(nil)

    init(reads: MemoryStore) { self.reads = reads }

    var uri: String { "memory:" }
    var recorded: [Call] { calls.current }

    private func record(_ call: Call) throws {
        if let failure = failure.current { throw failure }
        calls.withLock { $0.append(call) }
    }

    func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> { try await reads.searchExperiments(request) }
    func getExperiment(id: String) async throws -> Experiment { try await reads.getExperiment(id: id) }
    func getExperimentByName(_ name: String) async throws -> Experiment { try await reads.getExperimentByName(name) }
    func searchRuns(_ request: RunSearch) async throws -> Page<Run> { try await reads.searchRuns(request) }
    func getRun(id: String) async throws -> Run { try await reads.getRun(id: id) }
    func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        try await reads.metricHistory(runID: runID, key: key, maxResults: maxResults, pageToken: pageToken)
    }
    func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing { try await reads.listArtifacts(runID: runID, path: path) }
    func openArtifact(runID: String, path: String) async throws -> any ArtifactContent { try await reads.openArtifact(runID: runID, path: path) }

    func createExperiment(name: String, artifactLocation: String?, tags: [Tag]) async throws -> String {
        try record(.createExperiment(name, artifactLocation, tags)); return "7"
    }
    func renameExperiment(id: String, newName: String) async throws { try record(.renameExperiment(id, newName)) }
    func deleteExperiment(id: String) async throws { try record(.deleteExperiment(id)) }
    func restoreExperiment(id: String) async throws { try record(.restoreExperiment(id)) }
    func setExperimentTag(experimentID: String, key: String, value: String) async throws { try record(.setExperimentTag(experimentID, Tag(key, value))) }
    func deleteExperimentTag(experimentID: String, key: String) async throws { try record(.deleteExperimentTag(experimentID, key)) }

    func createRun(_ request: RunCreation) async throws -> Run {
        try record(.createRun(request))
        return Run(info: RunInfo(runID: "new", experimentID: request.experimentID, runName: request.runName ?? "gen-name",
                                 userID: request.userID, startTime: request.startTime, artifactURI: "mlflow-artifacts:/1/new/artifacts"))
    }
    func updateRun(id: String, status: RunStatus?, endTime: Int64?, runName: String?) async throws -> RunInfo {
        try record(.updateRun(id, status, endTime, runName))
        return RunInfo(runID: id, experimentID: "1", runName: runName ?? "first", status: status ?? .running, endTime: endTime)
    }
    func deleteRun(id: String) async throws { try record(.deleteRun(id)) }
    func restoreRun(id: String) async throws { try record(.restoreRun(id)) }
    func logMetric(runID: String, metric: Metric) async throws { try record(.logMetric(runID, metric)) }
    func logParam(runID: String, param: Param) async throws { try record(.logParam(runID, param)) }
    func setTag(runID: String, tag: Tag) async throws { try record(.setTag(runID, tag)) }
    func deleteTag(runID: String, key: String) async throws { try record(.deleteTag(runID, key)) }
    func logBatch(runID: String, metrics: [Metric], params: [Param], tags: [Tag]) async throws { try record(.logBatch(runID, metrics, params, tags)) }
    func logInputs(runID: String, datasets: [DatasetInput], models: [ModelIO]) async throws { try record(.logInputs(runID, datasets, models)) }
    func logOutputs(runID: String, models: [ModelIO]) async throws { try record(.logOutputs(runID, models)) }
    func recordLoggedModel(runID: String, modelJSON: String) async throws { try record(.recordLoggedModel(runID, modelJSON)) }

    func createLoggedModel(_ request: LoggedModelCreation) async throws -> LoggedModel {
        try record(.createLoggedModel(request))
        return model("m-1", status: .pending)
    }
    func getLoggedModel(id: String) async throws -> LoggedModel { model(id, status: .pending) }
    func finalizeLoggedModel(id: String, status: LoggedModelStatus) async throws -> LoggedModel {
        try record(.finalizeLoggedModel(id, status)); return model(id, status: status)
    }
    func deleteLoggedModel(id: String) async throws { try record(.deleteLoggedModel(id)) }
    func setLoggedModelTags(id: String, tags: [Tag]) async throws { try record(.setLoggedModelTags(id, tags)) }
    func deleteLoggedModelTag(id: String, key: String) async throws { try record(.deleteLoggedModelTag(id, key)) }
    func logLoggedModelParams(id: String, params: [Param]) async throws { try record(.logLoggedModelParams(id, params)) }

    private func model(_ id: String, status: LoggedModelStatus) -> LoggedModel {
        LoggedModel(modelID: id, experimentID: "1", name: "model", artifactLocation: "mlflow-artifacts:/1/models/\(id)/artifacts",
                    creationTimestamp: 5, lastUpdatedTimestamp: 6, sourceRunID: "r1", status: status, tags: [Tag("t", "v")])
    }
}
