import ArgumentParser
import Backends
import Tracking

@main
struct MLTUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mltui",
        abstract: "A fast, keyboard-driven terminal explorer for MLflow tracking data.",
        discussion: """
            The store is the URI argument, else MLFLOW_TRACKING_URI, else ./mlruns (when it holds \
            experiments) or ./mlflow.db, as MLflow resolves it. URIs: a path or file:// URI (file \
            store), sqlite:///relative.db or sqlite:////absolute.db, http(s)://host:port (server).
            """,
        subcommands: [UICommand.self, ExperimentsCommand.self, RunsCommand.self, HistoryCommand.self, ArtifactsCommand.self, ServeCommand.self],
        defaultSubcommand: UICommand.self)
}

/// `mltui [URI]`: the terminal UI.
struct UICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ui", abstract: "Open the terminal UI (the default).")

    @Argument(help: "Tracking URI or path of the store to open.")
    var uri: String?

    func run() async throws {
        try await Output.reporting(.table) {
            _ = try StoreOptions.open(uri)
            throw CLIError(MLflowError(.notImplemented, "the terminal UI is not built yet; use a subcommand (mltui --help)"))
        }
    }
}
