import ArgumentParser
import TUI
import Tracking

extension ViewType: ExpressibleByArgument {}

struct ExperimentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments", abstract: "List experiments (as MLflow's experiments/search).")

    @OptionGroup var store: StoreOptions
    @Option(help: "ACTIVE_ONLY, DELETED_ONLY or ALL.") var viewType: ViewType = .activeOnly
    @Option(help: "An experiment filter, e.g. \"name LIKE 'demo%'\".") var filter: String = ""
    @Option(help: "Order, e.g. 'name ASC' (repeatable).") var orderBy: [String] = []
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try await Output.reporting(format) {
            let experiments = try await store.open().allExperiments(
                ExperimentSearch(filter: filter, orderBy: orderBy, viewType: viewType))
            switch format {
            case .json: Output.json(RESTResponse.experiments(experiments))
            case .csv, .table:
                let header = ["experiment_id", "name", "lifecycle_stage", "creation_time", "last_update_time", "artifact_location"]
                let rows = experiments.map { e in
                    [e.experimentID, e.name, e.lifecycleStage.rawValue,
                     format == .csv ? e.creationTime.map(String.init) ?? "" : TimeText.local(e.creationTime),
                     format == .csv ? e.lastUpdateTime.map(String.init) ?? "" : TimeText.local(e.lastUpdateTime),
                     e.artifactLocation ?? ""]
                }
                format == .csv ? Output.csv(header: header, rows: rows) : Output.table(header: header, rows: rows)
            }
        }
    }
}
