// Development entry for the TUI until the lead wires `mltui [URI]` and `mltui keys` to the TUI
// module; remove this target then.
//   mltui-tui-dev [--theme NAME|PATH] [--refresh SECONDS] [--experiment ID|NAME] [URI]
//   mltui-tui-dev keys        prints the key table as Markdown
import Foundation
import FileStore
import SQLiteStore
import Tracking
import TUI

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("mltui: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "keys" {
    print(Keymap.markdownTable(), terminator: "")
    exit(0)
}
var options = TUIOptions()
var uriArgument: String?
while !arguments.isEmpty {
    let arg = arguments.removeFirst()
    func value() -> String {
        guard !arguments.isEmpty else { fail("\(arg) needs a value") }
        return arguments.removeFirst()
    }
    switch arg {
    case "--theme": options.theme = value()
    case "--refresh":
        guard let seconds = Double(value()), seconds >= 0 else { fail("--refresh takes seconds (0 turns it off)") }
        options.refreshInterval = seconds
    case "--experiment": options.initialExperiment = value()
    case "--no-mouse": options.mouse = false
    default:
        if arg.hasPrefix("-") { fail("unknown option \(arg)") }
        uriArgument = arg
    }
}

do {
    let cwd = FileManager.default.currentDirectoryPath
    let uri = try TrackingURI.resolve(argument: uriArgument, environment: ProcessInfo.processInfo.environment, cwd: cwd,
                                      fileExists: { FileManager.default.fileExists(atPath: $0) },
                                      directoryEntries: { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] })
    let warn: @Sendable (String) -> Void = { _ in }
    let store: any TrackingStore
    switch uri {
    case .fileStore(let path): store = try FileStore(root: path, warn: warn)
    case .sqlite(let path): store = try SQLiteStore(path: path, warn: warn)
    case .rest: fail("the REST client is not wired into mltui-tui-dev")
    }
    try await runTUI(store: store, options: options)
} catch let error as MLflowError {
    fail(error.message)
} catch {
    fail(String(describing: error))
}
