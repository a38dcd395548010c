import ArgumentParser
import Tracking

/// `mltui rename RUN NEW_NAME`, `mltui rename --experiment EXP NEW_NAME`.
struct RenameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Rename a run (or an experiment).",
        discussion: """
            A run is renamed as the MLflow UI renames it (runs/update with run_name, which also \
            sets the tag mlflow.runName); an experiment as experiments/update does. \(WriteHelp.common)
            """)

    @OptionGroup var store: StoreOptions
    // Optional so that a missing one is reported as every other failure is (exit 1).
    @Argument(help: "Run (or, with --experiment, experiment) id or name.") var target: String?
    @Argument(help: "The new name.") var newName: String?
    @OptionGroup var targets: TargetOptions
    @OptionGroup var options: WriteOptions

    func run() async throws {
        try await Output.reporting(.table) {
            let kind = targets.experiment ? "experiment" : "run"
            guard let target, let newName else { throw CLIError(.invalidParameter("give the \(kind) (id or name), then its new name")) }
            guard !newName.isEmpty else { throw CLIError(.invalidParameter("the new name is empty")) }
            let store = try store.openWriter()
            let change: Change
            if targets.experiment {
                let experiment = try await RunLookup.experiment(target, in: store)
                // `SqlAlchemyStore.rename_experiment`'s own checks, made before writing.
                guard experiment.lifecycleStage == .active else {
                    throw CLIError(MLflowError(.invalidState, "Cannot rename a non-active experiment."))
                }
                try WriteValidation.experimentName(newName)
                try await Self.nameIsFree(newName, except: experiment.experimentID, in: store)
                let id = experiment.experimentID, name = newName
                change = Change(Change.line("experiment", id, "rename", name)) { try await $0.renameExperiment(id: id, newName: name) }
            } else {
                let run = try await targets.lookup.runs([target], in: store)[0]
                try WriteChecks.active(run)
                let id = run.info.runID, name = newName
                change = Change(Change.line("run", id, "rename", name)) {
                    _ = try await $0.updateRun(id: id, status: nil, endTime: nil, runName: name)
                }
            }
            try await ChangeRunner.run([change], on: store, options: options)
        }
    }

    /// Experiment names are unique, active or deleted (`SqlAlchemyStore.rename_experiment`).
    private static func nameIsFree(_ name: String, except id: String, in store: any TrackingStore) async throws {
        let existing: Experiment
        do {
            existing = try await store.getExperimentByName(name)
        } catch where error.asMLflowError.code == .resourceDoesNotExist {
            return
        }
        guard existing.experimentID == id else {
            throw CLIError(MLflowError(.resourceAlreadyExists,
                                       "Experiment(name=\(name)) already exists (id \(existing.experimentID))"))
        }
    }
}
