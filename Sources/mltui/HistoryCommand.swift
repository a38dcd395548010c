import ArgumentParser
import Tracking
import TUI

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Print a metric's full history (as MLflow's metrics/get-history).")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Run id.", completion: Completions.runs) var runID: String
    @Argument(help: "Metric key, e.g. train/loss.", completion: Completions.metricKeys) var metricKey: String
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try await Output.reporting(format) {
            let metrics = try await store.open().fullMetricHistory(runID: runID, key: metricKey)
            switch format {
            case .json: Output.json(RESTResponse.metrics(metrics))
            case .csv, .table:
                // CSV is read back by programs: full precision; the table is read by people.
                let rows = metrics.map { m in
                    format == .csv ? [String(m.step), String(m.timestamp), JSONWriter.pythonRepr(m.value)]
                        : [String(m.step), TimeText.local(m.timestamp), formatNumber(m.value)]
                }
                let header = ["step", "timestamp", "value"]
                format == .csv ? Output.csv(header: header, rows: rows) : Output.table(header: header, rows: rows)
            }
        }
    }
}
