import ArgumentParser
import Artifacts
import Foundation
import Tracking

/// `mltui artifacts`: a group whose bare form lists, so `mltui artifacts RUN_ID [PATH]` still works.
struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts", abstract: "List or download a run's artifacts.",
        subcommands: [ArtifactsListCommand.self, ArtifactsGetCommand.self],
        defaultSubcommand: ArtifactsListCommand.self)
}

struct ArtifactsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List a run's artifacts (as MLflow's artifacts/list).")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Run id.", completion: Completions.runs) var runID: String
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

struct ArtifactsGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Download an artifact file or folder (as mlflow artifacts download).",
        discussion: "PATH lands at DEST/PATH, as MLflow's download_artifacts places it. Use '' or / for the whole run.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Run id.", completion: Completions.runs) var runID: String
    @Argument(help: "File or folder inside the run's artifacts.") var path: String
    @Option(name: [.customShort("o"), .customLong("output")], help: "Destination folder (default: the current directory).")
    var destination: String = "."
    @Flag(help: "No progress bar.") var quiet = false

    func run() async throws {
        try await Output.reporting(.table) {
            let opened = try store.open()
            let bar = ProgressBar(enabled: !quiet && isatty(2) == 1)
            let artifactPath = path == "/" ? "" : path
            let written = try await ArtifactDownload(store: opened, runID: runID)
                .download(path: artifactPath, to: destination) { bar.update($0) }
            bar.finish()
            for file in written { Output.write(file + "\n") }
        }
    }
}

/// A one-line progress bar redrawn on stderr (only when stderr is a terminal).
final class ProgressBar: Sendable {
    let enabled: Bool
    /// When the bar was last drawn, and whether it ever was (progress may arrive from any thread).
    private let drawState = Locked<(last: Date, drawn: Bool)>((.distantPast, false))

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ progress: ArtifactDownload.Progress) {
        guard enabled else { return }
        let now = Date()
        let due = drawState.withLock { state -> Bool in
            guard now.timeIntervalSince(state.last) > 0.1 || progress.filesDone == progress.filesTotal else { return false }
            state = (now, true)
            return true
        }
        guard due else { return }
        let width = 30
        let fraction = progress.bytesTotal.map { $0 > 0 ? Double(progress.bytesDone) / Double($0) : 1 }
            ?? Double(progress.filesDone) / Double(max(progress.filesTotal, 1))
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let size = progress.bytesTotal.map { "\(Self.bytes(progress.bytesDone))/\(Self.bytes($0))" } ?? Self.bytes(progress.bytesDone)
        let line = "\r\u{1B}[2K\(bar) \(Int(fraction * 100))% \(size) \(progress.filesDone)/\(progress.filesTotal) files"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if drawState.current.drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
