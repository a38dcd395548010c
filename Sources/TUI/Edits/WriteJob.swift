import Tracking

/// A run an edit acts on, with the name its messages and confirmations show.
struct RunRef: Equatable, Sendable {
    var id: String
    var name: String

    init(_ run: Run) {
        id = run.info.runID
        name = run.info.runName.isEmpty ? String(run.info.runID.prefix(8)) : run.info.runName
    }

    init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// What an edit changes in the store: one `TrackingWriter` call per run (or one for the
/// experiment), made by the runtime (Runtime/WriteEffects.swift).
enum WriteJob: Equatable, Sendable {
    case setRunTag([RunRef], Tag)
    case deleteRunTag([RunRef], key: String)
    case renameRun(RunRef, name: String)
    /// The description, MLflow's `mlflow.note.content` tag, as the web UI writes it.
    case setNote(RunRef, text: String)
    case deleteRuns([RunRef])
    case restoreRuns([RunRef])
    case renameExperiment(id: String, name: String)
    case setExperimentTag(id: String, Tag)
    case deleteExperimentTag(id: String, key: String)
    case deleteExperiment(id: String, name: String)
    case restoreExperiment(id: String, name: String)

    /// How many calls the job makes: the runs it touches, or the one experiment.
    var count: Int {
        switch self {
        case .setRunTag(let runs, _), .deleteRunTag(let runs, _), .deleteRuns(let runs), .restoreRuns(let runs): return runs.count
        default: return 1
        }
    }

    /// The message once done, "set team=nlp on 3 runs"; `done` of `count` when a call failed.
    func summary(done: Int) -> String {
        let runs = { (refs: [RunRef]) in done == refs.count ? runList(refs) : "\(done) of \(refs.count) runs" }
        switch self {
        case .setRunTag(let refs, let tag): return "set tag \(tag.key)=\(tag.value) on \(runs(refs))"
        case .deleteRunTag(let refs, let key): return "removed tag \(key) from \(runs(refs))"
        case .renameRun(let ref, let name): return "renamed run \(ref.name) to \(name)"
        case .setNote(let ref, _): return "saved the description of \(ref.name)"
        case .deleteRuns(let refs): return "deleted \(runs(refs))"
        case .restoreRuns(let refs): return "restored \(runs(refs))"
        case .renameExperiment(_, let name): return "renamed the experiment to \(name)"
        case .setExperimentTag(_, let tag): return "set experiment tag \(tag.key)=\(tag.value)"
        case .deleteExperimentTag(_, let key): return "removed experiment tag \(key)"
        case .deleteExperiment(_, let name): return "deleted experiment \(name)"
        case .restoreExperiment(_, let name): return "restored experiment \(name)"
        }
    }

    /// The call at `index` alone: the one that failed, for its message.
    func narrowed(to index: Int) -> WriteJob {
        func one(_ refs: [RunRef]) -> [RunRef] { refs.indices.contains(index) ? [refs[index]] : refs }
        switch self {
        case .setRunTag(let refs, let tag): return .setRunTag(one(refs), tag)
        case .deleteRunTag(let refs, let key): return .deleteRunTag(one(refs), key: key)
        case .deleteRuns(let refs): return .deleteRuns(one(refs))
        case .restoreRuns(let refs): return .restoreRuns(one(refs))
        default: return self
        }
    }

    /// Whether the runs' rows, or the experiment list, change.
    var touchesExperiments: Bool {
        switch self {
        case .renameExperiment, .setExperimentTag, .deleteExperimentTag, .deleteExperiment, .restoreExperiment: return true
        default: return false
        }
    }
}

/// What the runtime answers: how many calls succeeded before the first failure, and that failure.
struct WriteOutcome: Equatable, Sendable {
    var job: WriteJob
    var done: Int
    var error: MLflowError?
}

/// "run a" / "3 runs: a, b, c" (at most 5 names, then "…").
func runList(_ refs: [RunRef]) -> String {
    if refs.count == 1 { return "run \(refs[0].name)" }
    let names = refs.prefix(5).map(\.name).joined(separator: ", ") + (refs.count > 5 ? ", …" : "")
    return "\(refs.count) runs: \(names)"
}
