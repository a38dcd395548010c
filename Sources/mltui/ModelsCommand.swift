import Analysis
import ArgumentParser
import TUI
import Tracking

/// Tables of MLflow 3's model data: `table`, `csv` and `md` show the columns a person reads;
/// `json` is the REST answer (`logged-models/search`, `registered-models/search`,
/// `model-versions/search`, `experiments/search-datasets`).
enum ModelListing {
    static func rows(_ format: RunsFormat, header: [String], rows: [[String]]) {
        switch format {
        case .csv: Output.csv(header: header, rows: rows)
        case .md: Output.write(FrameWriters.markdown(RunFrame(header: header, rows: rows.map { $0.map(Cell.text) }), display: { cell in
            if case .text(let text) = cell { return text }
            return ""
        }))
        case .table, .json: Output.table(header: header, rows: rows)
        }
    }

    static func time(_ format: RunsFormat, _ ms: Int64?) -> String {
        format == .csv ? ms.map(String.init) ?? "" : TimeText.local(ms)
    }

    /// The experiments named by id or name; every active one when none are named.
    static func experimentIDs(_ named: [String], in store: any TrackingStore) async throws -> [String] {
        if named.isEmpty { return try await store.allExperiments(ExperimentSearch()).map(\.experimentID) }
        var ids: [String] = []
        for idOrName in named { ids.append(try await RunLookup.experiment(idOrName, in: store).experimentID) }
        return ids
    }
}

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List logged models (as MLflow's logged-models/search).",
        discussion: """
            Examples:
              mltui models --experiment model-zoo --filter "metrics.accuracy > 0.8" --order-by metrics.accuracy:desc
              mltui models --dataset eval-v2 --format json
            """)

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("experiment"), help: ArgumentHelp("Experiment id or name (repeatable; default: every active one).", valueName: "experiment"),
            completion: Completions.experiments)
    var experiments: [String] = []
    @Option(help: "A logged-model filter, e.g. \"metrics.accuracy > 0.8 AND params.lr = '0.01'\".") var filter: String = ""
    @Option(name: .customLong("order-by"),
            help: ArgumentHelp("FIELD[:asc|:desc][@DATASET], e.g. metrics.accuracy:desc@eval-v2 (repeatable).", valueName: "order"))
    var orderBy: [String] = []
    @Option(name: .customLong("dataset"), help: ArgumentHelp("Only models with metrics on this dataset, NAME or NAME@DIGEST (repeatable); --filter and --order-by then compare only those values.", valueName: "dataset"))
    var datasets: [String] = []
    @Option(help: "table, csv, json or md.") var format: RunsFormat = .table

    func run() async throws {
        try await Output.reporting(jsonErrors: format == .json) {
            let store = try store.open()
            let ids = try await ModelListing.experimentIDs(experiments, in: store)
            let request = LoggedModelSearch(experimentIDs: ids, filter: filter, datasets: datasets.map(Self.dataset),
                                            orderBy: try orderBy.map(Self.order))
            let models = ids.isEmpty ? [] : try await store.models.allLoggedModels(request)
            if format == .json { return Output.json(RESTResponse.loggedModels(models)) }
            let header = ["model_id", "name", "status", "model_type", "source_run_id", "experiment_id", "created", "metrics", "params"]
            ModelListing.rows(format, header: header, rows: models.map { m in
                [m.modelID, m.name, m.status.shortName, m.modelType ?? "", m.sourceRunID ?? "", m.experimentID,
                 ModelListing.time(format, m.creationTimestamp), loggedModelMetricsText(m),
                 m.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            })
        }
    }

    static func dataset(_ text: String) -> LoggedModelSearch.DatasetFilter {
        guard let at = text.lastIndex(of: "@") else { return .init(name: text) }
        return .init(name: String(text[..<at]), digest: String(text[text.index(after: at)...]))
    }

    static func order(_ text: String) throws -> LoggedModelSearch.Order {
        var field = Substring(text), dataset: String?
        if let at = field.lastIndex(of: "@") { dataset = String(field[field.index(after: at)...]); field = field[..<at] }
        var ascending = true
        if let colon = field.lastIndex(of: ":") {
            switch field[field.index(after: colon)...].lowercased() {
            case "asc": ascending = true
            case "desc": ascending = false
            default: throw CLIError(MLflowError.invalidParameter("--order-by '\(text)': the direction after ':' must be asc or desc"))
            }
            field = field[..<colon]
        }
        return .init(fieldName: String(field), ascending: ascending, datasetName: dataset)
    }

}

struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "List registered models, or a registered model's versions.",
        discussion: """
            Without NAME: registered models (registered-models/search). With NAME: its versions (model-versions/search), with aliases, stage, status and source run.

            Examples:
              mltui registry --filter "name LIKE 'chat%'"
              mltui registry chat-assistant --filter "tags.validated = 'yes'" --format json
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: "A registered model's name.") var name: String?
    @Option(help: "A registry filter, e.g. \"name LIKE 'chat%'\" or \"tags.team = 'nlp'\".") var filter: String = ""
    @Option(name: .customLong("order-by"), help: ArgumentHelp("Order, e.g. 'name ASC' (repeatable).", valueName: "order"))
    var orderBy: [String] = []
    @Option(help: "table, csv, json or md.") var format: RunsFormat = .table

    func run() async throws {
        try await Output.reporting(jsonErrors: format == .json) {
            let models = try store.open().models
            guard let name else {
                let found = try await models.allRegisteredModels(RegistrySearch(filter: filter, orderBy: orderBy,
                                                                                  maxResults: RegistrySearch.registeredModelsDefault))
                if format == .json { return Output.json(RESTResponse.registeredModels(found)) }
                let header = ["name", "latest_versions", "aliases", "tags", "updated", "description"]
                ModelListing.rows(format, header: header, rows: found.map { m in
                    [m.name, m.latestVersions.sorted { $0.versionNumber > $1.versionNumber }
                        .map { "v\($0.version)" + (($0.currentStage ?? "None") == "None" ? "" : " \($0.currentStage!)") }.joined(separator: ", "),
                     m.aliases.map { "@\($0.alias)=v\($0.version)" }.joined(separator: " "),
                     m.tags.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                     ModelListing.time(format, m.lastUpdatedTimestamp), m.description ?? ""]
                })
                return
            }
            let model = try await models.registeredModel(name: name)
            // A name holding both quote kinds cannot be named in a filter: its versions are picked from the answer.
            let byName = SearchGrammar.literal(name).map { "name = " + $0 }
            let versionFilter = [byName, filter.isEmpty ? nil : filter].compactMap { $0 }.joined(separator: " AND ")
            let versions = try await models.allModelVersions(RegistrySearch(filter: versionFilter,
                                                                             orderBy: orderBy.isEmpty ? ["version_number DESC"] : orderBy,
                                                                             maxResults: 1000)).filter { $0.name == name }
            if format == .json { return Output.json(RESTResponse.modelVersions(versions)) }
            let header = ["version", "aliases", "stage", "status", "source_run_id", "model_id", "created", "description"]
            // A SQL store's search carries no aliases (as MLflow's); the model's own list has them.
            ModelListing.rows(format, header: header, rows: versions.map { v in
                [v.version, model.aliases.filter { $0.version == v.version }.map { "@" + $0.alias }.joined(separator: " "), v.currentStage ?? "", v.status ?? "",
                 v.runID ?? "", v.loggedModelID ?? "", ModelListing.time(format, v.creationTimestamp), v.description ?? ""]
            })
        }
    }
}

struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets", abstract: "List the datasets runs used (as MLflow's experiments/search-datasets).",
        discussion: """
            With --filter, only the datasets of the runs a runs/search filter matches. With --run, one run's dataset inputs with their schema and profile (JSON: the run's inputs).

            Examples:
              mltui datasets --experiment llm-benchmark
              mltui datasets --experiment model-zoo --filter "metrics.accuracy > 0.8"
              mltui datasets --run 3f2a... --format json
            """)

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("experiment"), help: ArgumentHelp("Experiment id or name (repeatable; default: every active one).", valueName: "experiment"),
            completion: Completions.experiments)
    var experiments: [String] = []
    @Option(help: "A runs/search filter: only datasets of the runs it matches.") var filter: String = ""
    @Option(help: ArgumentHelp("A run's id or name: its dataset inputs.", valueName: "run"), completion: Completions.runs) var run: String?
    @Option(help: "table, csv, json or md.") var format: RunsFormat = .table

    func run() async throws {
        try await Output.reporting(jsonErrors: format == .json) {
            let store = try store.open()
            if let run {
                let ids = experiments.isEmpty ? nil : try await ModelListing.experimentIDs(experiments, in: store)
                let found = try await RunLookup.run(run, in: store, experimentIDs: ids)
                return show(found.inputs.datasetInputs)
            }
            let ids = try await ModelListing.experimentIDs(experiments, in: store)
            var summaries: [DatasetSummary]
            if filter.isEmpty {
                summaries = []
                for start in stride(from: 0, to: ids.count, by: 20) {
                    summaries += try await store.models.searchDatasets(experimentIDs: Array(ids[start..<min(start + 20, ids.count)]))
                }
            } else {
                let runs = try await store.allRuns(RunSearch(experimentIDs: ids, filter: filter))
                summaries = Array(Set(runs.flatMap { run in
                    run.inputs.datasetInputs.map { DatasetSummary(experimentID: run.info.experimentID, name: $0.dataset.name,
                                                                  digest: $0.dataset.digest, context: $0.context) }
                })).sorted()
            }
            if format == .json { return Output.json(RESTResponse.datasetSummaries(summaries)) }
            ModelListing.rows(format, header: ["experiment_id", "name", "digest", "context"],
                              rows: summaries.map { [$0.experimentID, $0.name, $0.digest, $0.context ?? ""] })
        }
    }

    private func show(_ inputs: [DatasetInput]) {
        if format == .json {
            var w = JSONWriter()
            w.beginObject()
            w.list("dataset_inputs", inputs) { $0.write($1) }
            w.endObject()
            return Output.json(w)
        }
        let header = ["name", "digest", "context", "source_type", "profile", "schema"]
        ModelListing.rows(format, header: header, rows: inputs.map { i in
            [i.dataset.name, i.dataset.digest, i.context ?? "", i.dataset.sourceType, i.dataset.profile ?? "",
             DatasetSchema(json: i.dataset.schema)?.columns.map { "\($0.name):\($0.type)" }.joined(separator: ", ") ?? (i.dataset.schema ?? "")]
        })
    }
}
