import ArgumentParser
import Foundation
import Terminal
import Backends
import Tracking
import TUI

@main
struct MLTUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mltui",
        abstract: "A fast, keyboard-driven terminal explorer for MLflow tracking data.",
        discussion: """
            The store is the URI argument, else MLFLOW_TRACKING_URI, else ./mlruns (when it holds \
            experiments) or ./mlflow.db, as MLflow resolves it, else store in ~/.config/mltui/config.toml \
            (docs/configuration.md; `mltui doctor` says which and why). URIs: a path or file:// URI (file \
            store), sqlite:///relative.db or sqlite:////absolute.db, postgresql://user:pw@host/db \
            (PostgreSQL, through libpq), http(s)://host:port (server).
            """,
        version: "mltui \(MLTUI.version)",
        subcommands: [UICommand.self, ExperimentsCommand.self, RunsCommand.self, HistoryCommand.self, PlotCommand.self,
                      ArtifactsCommand.self, ModelsCommand.self, RegistryCommand.self, DatasetsCommand.self,
                      ServeCommand.self, WatchCommand.self, KeysCommand.self, DoctorCommand.self,
                      TagCommand.self, UntagCommand.self, RenameCommand.self, NoteCommand.self,
                      DeleteCommand.self, RestoreCommand.self],
        defaultSubcommand: UICommand.self)

    /// The release, as `mltui --version` prints it.
    static let version = "0.17.0"
}

/// `mltui [URI]`: the terminal UI.
struct UICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ui", abstract: "Open the terminal UI (the default).")

    @Argument(help: "Tracking URI or path of the store to open.")
    var uri: String?
    @Option(help: "Theme name (dark, light, high-contrast, colorblind, mono) or a theme file's path; also MLTUI_THEME.")
    var theme: String?
    @Option(help: "Seconds between live refreshes (0 turns them off; default 5, or refresh in config.toml).")
    var refresh: Double?
    @Option(help: "Experiment (id or name) to open first.", completion: Completions.experiments)
    var experiment: String?
    @Flag(help: "Leave mouse events to the terminal.")
    var noMouse = false
    @Flag(help: "Turn every edit off (also MLTUI_READ_ONLY=1). Without it the store is opened for writing only when an edit is made.")
    var readOnly = false

    func validate() throws {
        if let refresh, refresh < 0 { throw ValidationError("--refresh takes seconds (0 turns refreshing off).") }
    }

    func run() async throws {
        // Skipped-file warnings cannot go to stderr while the screen is ncurses': keep them for exit.
        let warnings = WarningLog()
        // MLflow's client retries a refused connection 7 times over about 4 minutes; a screen
        // that spins that long before saying the server is down looks hung. The UI allows 2
        // retries (about 5 s) unless the user set MLFLOW_HTTP_REQUEST_MAX_RETRIES themselves.
        setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2", 0)
        try await Output.reporting(.table) {
            let config = try ConfigFile.load()
            let store = try StoreOptions.open(uri, config: config, warn: warnings.append)
            var options = TUIOptions()
            options.config = config
            options.theme = theme
            options.refreshInterval = refresh ?? config.refresh ?? 5
            options.initialExperiment = experiment
            options.mouse = !noMouse && config.mouse != false
            options.readOnly = readOnly || ProcessInfo.processInfo.environment["MLTUI_READ_ONLY"].map { !["", "0"].contains($0) } ?? false
            options.openWriter = { [uri] in try UICommand.openWriter(uri, config: config) { warnings.append($0) } }
            do {
                try await runTUI(store: store, options: options)
            } catch let error as TerminalError {
                throw error
            } catch {
                throw CLIError(error.asMLflowError)
            }
        }
        warnings.report()
    }
}

extension UICommand {
    /// The store the UI shows, opened for writing as it exists (an edit never creates a store).
    static func openWriter(_ argument: String?, config: UserConfig, warn: @escaping @Sendable (String) -> Void) throws -> any TrackingWriter {
        let uri = try StoreOptions.resolve(argument, config: config)
        return try Backends.openWriter(uri, opening: .existing, warn: warn)
    }
}

/// `mltui keys`: the key table, as the README shows it; `--config`, as config.toml's `[keys]`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Print the UI's key table as Markdown.")
    @Flag(help: "Print every action with its keys (the config file's rebindings applied) as config.toml's [keys] tables.")
    var config = false

    func run() async throws {
        guard config else { return Output.write(Keymap.markdownTable()) }
        try await Output.reporting(.table) { Output.write(try ConfigFile.load().keyTableText()) }
    }
}
