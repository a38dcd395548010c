import ArgumentParser
import Foundation
import Tracking

/// `mltui tag RUN... KEY=VALUE...`: sets tags on runs, or on experiments with `--experiment`.
struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Set tags on runs (or experiments).",
        discussion: """
            Runs come first (ids or names), then the tags: every argument from the first one \
            holding '=' on is KEY=VALUE (the value may be empty and may hold '='). Each run's tags \
            are set in one request (MLflow's log-batch). \(WriteHelp.common)
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Runs (or experiments), then KEY=VALUE tags.", valueName: "target-or-tag"))
    var arguments: [String] = []
    @OptionGroup var targets: TargetOptions
    @OptionGroup var options: WriteOptions

    func run() async throws {
        try await Output.reporting(.table) {
            let (names, tags) = try TagArguments.split(arguments, targetKind: targets.experiment ? "experiment" : "run")
            let store = try store.openWriter()
            var changes: [Change] = []
            if targets.experiment {
                for experiment in try await targets.activeExperiments(names, in: store) {
                    let id = experiment.experimentID
                    for tag in tags {
                        try WriteValidation.experimentTag(tag)
                        changes.append(Change(Change.line("experiment", id, "tag", "\(tag.key)=\(tag.value)")) {
                            try await $0.setExperimentTag(experimentID: id, key: tag.key, value: tag.value)
                        })
                    }
                }
            } else {
                let runs = try await targets.activeRuns(names, in: store)
                try TagArguments.validateRunTags(tags, runID: runs[0].info.runID)
                for run in runs {
                    let id = run.info.runID
                    changes.append(Change(tags.map { Change.line("run", id, "tag", "\($0.key)=\($0.value)") }) {
                        try await $0.logBatch(runID: id, metrics: [], params: [], tags: tags)
                    })
                }
            }
            try await ChangeRunner.run(changes, on: store, options: options)
        }
    }
}

/// `mltui untag RUN KEY...` or `mltui untag RUN... --key KEY...`: deletes tags.
struct UntagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "untag", abstract: "Delete tags from runs (or experiments).",
        discussion: """
            Either one run (or experiment) followed by the keys to delete, or any number of them \
            with each key given by --key. Every key must be set on every target, as MLflow's \
            delete-tag requires. \(WriteHelp.common)
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("A run (or experiment) then keys; or, with --key, runs only.", valueName: "target-or-key"))
    var arguments: [String] = []
    @Option(name: .shortAndLong, help: "A key to delete from every target (repeatable).")
    var key: [String] = []
    @OptionGroup var targets: TargetOptions
    @OptionGroup var options: WriteOptions

    func run() async throws {
        try await Output.reporting(.table) {
            let kind = targets.experiment ? "experiment" : "run"
            var names = arguments, keys = key
            if keys.isEmpty {
                guard names.count >= 2 else {
                    throw CLIError(.invalidParameter("give a \(kind) then the keys to delete, or \(kind)s and --key KEY"))
                }
                keys = Array(names.dropFirst())
                names = [names[0]]
            }
            guard !names.isEmpty else { throw CLIError(.invalidParameter("give at least one \(kind) (id or name)")) }
            let store = try store.openWriter()
            var changes: [Change] = []
            if targets.experiment {
                for experiment in try await targets.activeExperiments(names, in: store) {
                    let id = experiment.experimentID
                    for key in keys {
                        guard experiment.tags.contains(where: { $0.key == key }) else {
                            throw CLIError(.notFound("No tag with name: \(key) in experiment with id \(id)"))
                        }
                        changes.append(Change(Change.line("experiment", id, "untag", key)) {
                            try await $0.deleteExperimentTag(experimentID: id, key: key)
                        })
                    }
                }
            } else {
                for run in try await targets.activeRuns(names, in: store) {
                    let id = run.info.runID
                    for key in keys {
                        // `SqlAlchemyStore.delete_tag`, `FileStore.delete_tag`.
                        guard run.data.tags.contains(where: { $0.key == key }) else {
                            throw CLIError(.notFound("No tag with name: \(key) in run with id \(id)"))
                        }
                        changes.append(Change(Change.line("run", id, "untag", key)) {
                            try await $0.deleteTag(runID: id, key: key)
                        })
                    }
                }
            }
            try await ChangeRunner.run(changes, on: store, options: options)
        }
    }
}

/// `mltui note RUN`: the run's description from stdin, kept where the MLflow UI keeps it.
struct NoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Set a run's description (Markdown) from stdin.",
        discussion: """
            The text is read from stdin to its end and stored, without trailing line breaks, as \
            the tag mlflow.note.content, as the MLflow UI stores a run's description. Empty input \
            leaves an empty description; `mltui untag RUN mlflow.note.content` removes it. \
            \(WriteHelp.common)
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Run id or name.", valueName: "run")) var target: String?
    @Option(name: .customLong("in"), help: ArgumentHelp(
        "Experiment (id or name) in which the run name is looked up (default: every active experiment).",
        valueName: "experiment"))
    var scope: String?
    @OptionGroup var options: WriteOptions

    func run() async throws {
        try await Output.reporting(.table) {
            guard let target else { throw CLIError(.invalidParameter("give the run (id or name) whose description stdin holds")) }
            let store = try store.openWriter()
            guard let found = try await TargetLookup(scope: scope).runs([target], in: store).first else { return }
            try WriteChecks.active(found)
            if isatty(0) != 0 { Diagnostics.note("reading the description from the terminal; end it with Ctrl-D") }
            var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            while text.last?.isNewline == true { text.removeLast() }
            let tag = Tag(Tag.noteKey, text)
            try TagArguments.validateRunTag(tag)
            let id = found.info.runID
            let change = Change(Change.line("run", id, "note", "\(text.count) characters")) {
                try await $0.setTag(runID: id, tag: tag)
            }
            try await ChangeRunner.run([change], on: store, options: options)
        }
    }
}

/// Help shared by the write commands.
enum WriteHelp {
    static let common = """
        Every argument is checked against the store before the first change; nothing is written \
        when one fails. Each change made prints one line, KIND ID ACTION [DETAIL] (-q: none). A \
        failure prints one line on stderr and exits 1.
        """
}

/// The tag arguments of `tag`: targets first, then KEY=VALUE.
enum TagArguments {
    static func split(_ arguments: [String], targetKind: String) throws -> (targets: [String], tags: [Tag]) {
        guard let first = arguments.firstIndex(where: { $0.contains("=") }) else {
            throw CLIError(.invalidParameter("give \(targetKind)s (id or name), then tags as KEY=VALUE"))
        }
        let targets = Array(arguments[..<first])
        guard !targets.isEmpty else {
            throw CLIError(.invalidParameter("give at least one \(targetKind) (id or name) before the KEY=VALUE tags"))
        }
        let tags = try arguments[first...].map { argument -> Tag in
            guard let equals = argument.firstIndex(of: "=") else {
                throw CLIError(.invalidParameter("'\(argument)' is not KEY=VALUE: \(targetKind)s come first, then tags"))
            }
            let key = String(argument[..<equals])
            guard !key.isEmpty else { throw CLIError(.invalidParameter("'\(argument)' has no key before '='")) }
            return Tag(key, String(argument[argument.index(after: equals)...]))
        }
        return (targets, tags)
    }

    /// A run's tags as MLflow's `log_batch` checks them (`mlflow/utils/validation.py`), and a
    /// note on stderr for each value MLflow will cut to its 8000 characters.
    static func validateRunTags(_ tags: [Tag], runID: String) throws {
        let stored = try WriteValidation.logBatch(runID: runID, metrics: [], params: [], tags: tags).tags
        noteTruncated(tags, stored)
    }

    /// One tag as `set_tag` checks it.
    static func validateRunTag(_ tag: Tag) throws {
        noteTruncated([tag], [try WriteValidation.tag(tag)])
    }

    private static func noteTruncated(_ given: [Tag], _ stored: [Tag]) {
        for (tag, kept) in zip(given, stored) where kept.value != tag.value {
            Diagnostics.note("the value of tag '\(tag.key)' is longer than \(WriteValidation.maxTagValueLength) characters: MLflow keeps the first \(WriteValidation.maxTagValueLength)")
        }
    }
}
