import Terminal
import Tracking
@testable import TUI

/// Hand-built runs for reducer and render tests (no store: the reducer is fed actions directly).
enum Fixtures {
    static let now: Double = 1_700_000_600  // 10 minutes after the runs started
    static let start: Int64 = 1_700_000_000_000

    static func run(_ id: String, _ name: String, status: RunStatus = .finished, params: [String: String] = [:],
                    metrics: [String: Double] = [:], tags: [String: String] = [:], parent: String? = nil,
                    offset: Int64 = 0, experiment: String = "1") -> Run {
        var allTags = tags.map { Tag($0.key, $0.value) }
        allTags.append(Tag("mlflow.source.name", "/home/u/train.py"))
        allTags.append(Tag("mlflow.user", "ana"))
        if let parent { allTags.append(Tag("mlflow.parentRunId", parent)) }
        return Run(info: RunInfo(runID: id, experimentID: experiment, runName: name, userID: "ana", status: status,
                                 startTime: start + offset, endTime: status == .running ? nil : start + offset + 65_000,
                                 artifactURI: "file:///store/1/\(id)/artifacts"),
                   data: RunData(metrics: metrics.map { Metric(key: $0.key, value: $0.value, timestamp: start, step: 3) }.sorted { $0.key < $1.key },
                                 params: params.map { Param($0.key, $0.value) }.sorted { $0.key < $1.key },
                                 tags: allTags.sorted { $0.key < $1.key }))
    }

    static let runs: [Run] = [
        run("aaa111", "parent-sweep", params: ["model": "resnet"], tags: ["team": "vision", "mlflow.note.content": "Sweep over rates.\nSecond line."]),
        run("bbb222", "child-0-λ", params: ["model": "gpt-4o", "lr": "0.01"], metrics: ["f1": 0.91, "latency_p95": 900],
            tags: ["stage": "prod", "team": "vision"], parent: "aaa111", offset: 1000),
        run("ccc333", "child-1-λ", params: ["model": "llama", "lr": "0.1"], metrics: ["f1": .nan, "latency_p95": 1200],
            tags: ["stage": "dev", "team": "vision"], parent: "aaa111", offset: 2000),
        run("ddd444", "日本語の実験-run", params: ["model": "gpt-4o"], metrics: ["f1": .infinity], tags: ["stage": "prod"], offset: 3000),
        run("eee555", "crashed 🚀", status: .failed, metrics: ["f1": -.infinity], offset: 4000),
        run("fff666", "still-running", status: .running, offset: 5000),
    ]

    static let experiments: [Experiment] = [
        Experiment(experimentID: "1", name: "vision-模型"),
        Experiment(experimentID: "2", name: "empty one"),
        Experiment(experimentID: "3", name: "deleted-exp", lifecycleStage: .deleted),
        Experiment(experimentID: "0", name: "Default"),
    ]

    /// A state with experiments and runs loaded, as the runtime would have it after startup.
    static func loadedState(width: Int = 80, height: Int = 24, runs: [Run] = runs) -> AppState {
        var state = AppState(source: "file:///store/mlruns", size: Size(width: width, height: height), now: now)
        _ = startApp(&state)
        _ = reduce(&state, .memoryLoaded(.found(StoreMemory(store: state.source, lastExperiment: "1"))))
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(experiments)))
        precondition(effects.contains { if case .searchRuns = $0 { return true } else { return false } })
        _ = reduce(&state, .runsLoaded(request: state.runsRequest, mode: .replace, .success(Page(items: runs))))
        _ = reduce(&state, .runCounted(experimentID: "1", count: runs.count, lastActivity: start + 5000))
        return state
    }
}

extension AppState {
    /// Feeds keys one by one, returning every effect.
    @discardableResult
    mutating func press(_ keys: Key...) -> [Effect] {
        keys.flatMap { reduce(&self, .key($0)) }
    }

    @discardableResult
    mutating func type(_ text: String) -> [Effect] {
        text.flatMap { reduce(&self, .key(.char($0))) }
    }
}

extension Effect {
    var runSearch: RunSearch? {
        if case .searchRuns(_, let search, _) = self { return search }
        return nil
    }
}
