import ArgumentParser
import Tracking

/// `mltui delete RUN...` / `mltui delete --experiment EXP...`: MLflow's soft delete, undone by
/// `mltui restore` (the store keeps everything until `mlflow gc`).
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete runs (or experiments); `mltui restore` undoes it.",
        discussion: """
            MLflow's delete only marks a run or experiment deleted (its lifecycle_stage); deleting \
            an experiment marks its runs deleted too. Targets already deleted are left as they are \
            and said so on stderr. \(WriteHelp.common)
            """)

    @OptionGroup var arguments: LifecycleArguments

    func run() async throws { try await Lifecycle.change(to: .deleted, arguments) }
}

/// `mltui restore RUN...` / `mltui restore --experiment EXP...`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore deleted runs (or experiments).",
        discussion: """
            Run names are looked up among deleted runs as well. Restoring an experiment restores \
            its runs too. Targets that are not deleted are left as they are and said so on \
            stderr. \(WriteHelp.common)
            """)

    @OptionGroup var arguments: LifecycleArguments

    func run() async throws { try await Lifecycle.change(to: .active, arguments) }
}

/// What `delete` and `restore` take.
struct LifecycleArguments: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Runs (or, with --experiment, experiments): ids or names.", valueName: "target"),
              completion: Completions.runs)
    var names: [String] = []
    @OptionGroup var targets: TargetOptions
    @OptionGroup var options: WriteOptions
}

/// Deleting and restoring, which differ only in direction.
enum Lifecycle {
    static func change(to stage: LifecycleStage, _ arguments: LifecycleArguments) async throws {
        let (names, targets, options) = (arguments.names, arguments.targets, arguments.options)
        try await Output.reporting(.table) {
            let kind = targets.experiment ? "experiment" : "run"
            guard !names.isEmpty else { throw CLIError(.invalidParameter("give at least one \(kind) (id or name)")) }
            let action = stage == .deleted ? "delete" : "restore"
            let store = try arguments.store.openWriter()
            var changes: [Change] = []
            func unchanged(_ id: String) {
                Diagnostics.note("\(kind) \(id) is already \(stage == .deleted ? "deleted" : "active"): left as it is")
            }
            if targets.experiment {
                for experiment in try await targets.lookup.experiments(names, in: store) {
                    let id = experiment.experimentID
                    guard experiment.lifecycleStage != stage else { unchanged(id); continue }
                    changes.append(Change(Change.line(kind, id, action)) { store in
                        if stage == .deleted { try await store.deleteExperiment(id: id) } else { try await store.restoreExperiment(id: id) }
                    })
                }
            } else {
                for run in try await targets.lookup.runs(names, in: store, viewType: stage == .deleted ? .activeOnly : .all) {
                    let id = run.info.runID
                    guard run.info.lifecycleStage != stage else { unchanged(id); continue }
                    changes.append(Change(Change.line(kind, id, action)) { store in
                        if stage == .deleted { try await store.deleteRun(id: id) } else { try await store.restoreRun(id: id) }
                    })
                }
            }
            try await ChangeRunner.run(changes, on: store, options: options)
        }
    }
}
