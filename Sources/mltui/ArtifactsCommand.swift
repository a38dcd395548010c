import ArgumentParser
import Tracking

struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts", abstract: "List a run's artifacts (as MLflow's artifacts/list).")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "Folder inside the run's artifacts (default: the root).") var path: String?
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try await Output.reporting(format) {
            let listing = try await store.open().listArtifacts(runID: runID, path: path)
            switch format {
            case .json: Output.json(RESTResponse.artifacts(listing))
            case .csv, .table:
                let rows = listing.files.map { [$0.path, $0.isDir ? "dir" : "file", $0.fileSize.map(String.init) ?? ""] }
                let header = ["path", "type", "size"]
                format == .csv ? Output.csv(header: header, rows: rows) : Output.table(header: header, rows: rows)
            }
        }
    }
}
