import ArgumentParser
import Tracking

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Print a metric's full history (as MLflow's metrics/get-history).")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "Metric key, e.g. train/loss.") var metricKey: String
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try await Output.reporting(format) {
            let metrics = try await store.open().fullMetricHistory(runID: runID, key: metricKey)
            switch format {
            case .json: Output.json(RESTResponse.metrics(metrics))
            case .csv, .table:
                let rows = metrics.map { [String($0.step), format == .csv ? String($0.timestamp) : TimeText.local($0.timestamp), JSONWriter.pythonRepr($0.value)] }
                let header = ["step", "timestamp", "value"]
                format == .csv ? Output.csv(header: header, rows: rows) : Output.table(header: header, rows: rows)
            }
        }
    }
}
