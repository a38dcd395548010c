import ArgumentParser
import Backends
import Foundation
import Tracking

/// Options every write command shares.
struct WriteOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing when every change is made.")
    var quiet = false
    @Flag(help: "Check every argument against the store and print the changes, but make none.")
    var dryRun = false
}

/// What the positional arguments name: runs (by id or name, as `plot` takes them) or, with
/// `--experiment`, experiments (by id or name).
struct TargetOptions: ParsableArguments {
    @Flag(help: "The arguments name experiments (id or name), not runs.")
    var experiment = false
    @Option(name: .customLong("in"), help: ArgumentHelp(
        "Experiment (id or name) in which run names are looked up (default: every active experiment).",
        valueName: "experiment"))
    var scope: String?

    var lookup: TargetLookup { TargetLookup(scope: scope) }

    /// The experiments the arguments name, each checked active: MLflow refuses to change a
    /// deleted one's tags or name.
    func activeExperiments(_ arguments: [String], in store: any TrackingStore) async throws -> [Experiment] {
        let experiments = try await lookup.experiments(arguments, in: store)
        try experiments.forEach(WriteChecks.active)
        return experiments
    }

    /// The runs the arguments name, each checked active, as MLflow's writes to a run require.
    func activeRuns(_ arguments: [String], in store: any TrackingStore) async throws -> [Run] {
        let runs = try await lookup.runs(arguments, in: store)
        try runs.forEach(WriteChecks.active)
        return runs
    }
}

/// Finds the runs and experiments the arguments name.
struct TargetLookup {
    /// The experiment (id or name) run names are looked up in; nil: every active one.
    var scope: String?

    func scopeIDs(_ store: any TrackingStore) async throws -> [String]? {
        guard let scope else { return nil }
        return [try await RunLookup.experiment(scope, in: store).experimentID]
    }

    /// Each argument's run, each run once. `viewType` says which runs a name may name.
    func runs(_ arguments: [String], in store: any TrackingStore, viewType: ViewType = .activeOnly) async throws -> [Run] {
        let ids = try await scopeIDs(store)
        var runs: [Run] = []
        for argument in arguments {
            let run = try await RunLookup.run(argument, in: store, experimentIDs: ids, viewType: viewType)
            if !runs.contains(where: { $0.info.runID == run.info.runID }) { runs.append(run) }
        }
        return runs
    }

    /// Each argument's experiment, each experiment once.
    func experiments(_ arguments: [String], in store: any TrackingStore) async throws -> [Experiment] {
        var experiments: [Experiment] = []
        for argument in arguments {
            let found = try await RunLookup.experiment(argument, in: store)
            if !experiments.contains(where: { $0.experimentID == found.experimentID }) { experiments.append(found) }
        }
        return experiments
    }
}

extension StoreOptions {
    /// The store, opened for writing: only the write commands call this, and only an existing
    /// store is opened (a typo in a path must not create an empty store).
    func openWriter() throws -> any TrackingWriter {
        do {
            let uri = try StoreOptions.resolve(trackingURI)
            return try Backends.openWriter(uri, opening: .existing, warn: Diagnostics.warn)
        } catch {
            throw CLIError(error.asMLflowError)
        }
    }
}

/// One change to one run or experiment: the lines it prints (`KIND ID ACTION [DETAIL]`, one per
/// tag, say) and the write that makes it, one store call.
struct Change: Sendable {
    var lines: [String]
    var apply: @Sendable (any TrackingWriter) async throws -> Void

    init(_ lines: [String], _ apply: @escaping @Sendable (any TrackingWriter) async throws -> Void) {
        self.lines = lines
        self.apply = apply
    }

    init(_ line: String, _ apply: @escaping @Sendable (any TrackingWriter) async throws -> Void) {
        self.init([line], apply)
    }

    static func line(_ kind: String, _ id: String, _ action: String, _ detail: String? = nil) -> String {
        MLflowError.oneLine([kind, id, action, detail].compactMap { $0 }.joined(separator: " "))
    }
}

/// Makes planned changes in order, once every argument has been checked. Stores have no
/// transaction spanning several calls, so a failure part way (the server going away, a run
/// deleted meanwhile) stops there: the changes already made stay made (and were printed), the
/// message says how many, and the rest are not tried.
enum ChangeRunner {
    static func run(_ changes: [Change], on store: any TrackingWriter, options: WriteOptions) async throws {
        let total = changes.reduce(0) { $0 + $1.lines.count }
        if options.dryRun {
            if !options.quiet { changes.forEach(show) }
            Diagnostics.note("dry run: \(total) change\(total == 1 ? "" : "s") checked, none made")
            return
        }
        var made = 0
        for change in changes {
            do {
                try await change.apply(store)
            } catch {
                let failure = (error as? CLIError)?.error ?? error.asMLflowError
                guard made > 0 else { throw CLIError(failure) }
                throw CLIError(MLflowError(failure.code, failure.message
                    + " (stopped after \(made) of \(total) changes were made; the rest were not tried)"))
            }
            made += change.lines.count
            if !options.quiet { show(change) }
        }
    }

    private static func show(_ change: Change) {
        Output.write(change.lines.map { $0 + "\n" }.joined())
    }
}

extension Diagnostics {
    /// A remark for the person at the terminal, on stderr so it never mixes into the change lines.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("mltui: \(message)\n".utf8))
    }
}

/// The checks MLflow's stores make before a write, made for every target before the first
/// write, with the stores' own words (`SqlAlchemyStore._check_run_is_active`,
/// `_check_experiment_is_active`).
enum WriteChecks {
    static func active(_ run: Run) throws {
        guard run.info.lifecycleStage == .active else {
            throw CLIError(.invalidParameter("The run \(run.info.runID) must be in the 'active' state. "
                                             + "Current state is \(run.info.lifecycleStage.rawValue)."))
        }
    }

    static func active(_ experiment: Experiment) throws {
        guard experiment.lifecycleStage == .active else {
            throw CLIError(.invalidParameter("The experiment \(experiment.experimentID) must be in the 'active' state. "
                                             + "Current state is \(experiment.lifecycleStage.rawValue)."))
        }
    }
}
