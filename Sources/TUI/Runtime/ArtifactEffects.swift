import Artifacts
import Foundation
import Terminal
import Tracking

/// Open previews by run and path, so scrolling a huge text file reuses its line index.
actor PreviewCache {
    static let shared = PreviewCache()
    private var previews: [String: ArtifactPreview] = [:]

    func preview(store: any TrackingStore, owner: ArtifactOwner, path: String) async throws -> ArtifactPreview {
        let key = owner.description + "\u{0}" + path
        if let cached = previews[key] { return cached }
        let preview = try await ArtifactPreview.open(name: path, content: try await store.openArtifact(of: owner, path: path))
        if previews.count > 32 { previews.removeAll() }
        previews[key] = preview
        return preview
    }
}

func performBrowserEffect(_ effect: BrowserEffect, store: any TrackingStore, post: @escaping @Sendable (Action) -> Void) {
    Task.detached {
        switch effect {
        case .list(let owner, let path):
            let result: Result<ArtifactListing, MLflowError>
            do { result = .success(try await store.listArtifacts(of: owner, path: path.isEmpty ? nil : path)) }
            catch { result = .failure(error.asMLflowError) }
            post(.browser(.listed(path: path, result)))
        case .preview(let request, let owner, let path, let top, let width, let height, let folded, let search, let theme):
            let result: Result<[PreviewLine], MLflowError>
            do {
                let preview = try await PreviewCache.shared.preview(store: store, owner: owner, path: path)
                result = .success(try await preview.lines(top: top, width: width, height: height, search: search,
                                                          folded: folded, theme: theme))
            } catch { result = .failure(error.asMLflowError) }
            post(.browser(.previewed(request: request, path: path, result)))
        case .find(let request, let owner, let path, let query, let after, let backward, let folded, let theme):
            let result: Result<PreviewMatch, MLflowError>
            do {
                let preview = try await PreviewCache.shared.preview(store: store, owner: owner, path: path)
                result = .success(try await preview.find(query, after: after, backward: backward, folded: folded, theme: theme))
            } catch { result = .failure(error.asMLflowError) }
            post(.browser(.found(request: request, path: path, result)))
        case .download(let owner, let path, let destination, let overwrite):
            let result: Result<[String], MLflowError>
            do {
                // Checked first, and a failed check downloads nothing: no file is replaced without a yes.
                if !overwrite {
                    let existing = try await filesReplaced(store: store, owner: owner, path: path, destination: destination)
                    if !existing.isEmpty { post(.browser(.wouldOverwrite(path: path, existing: existing))); return }
                }
                result = .success(try await ArtifactDownload(store: store, owner: owner).download(path: path, to: destination))
            } catch { result = .failure(error.asMLflowError) }
            post(.browser(.downloaded(path: path, folder: URL(fileURLWithPath: destination).standardizedFileURL.path, result)))
        case .openExternal:
            break  // run by the loop (openExternally), which owns the terminal
        }
    }
}

/// The local files a download of `path` into `destination` would replace: every file the store
/// lists under `path` (`path` itself when nothing is listed, as `ArtifactDownload` reads an empty
/// listing) that exists at `<destination>/<file>` as anything but a folder.
func filesReplaced(store: any TrackingStore, owner: ArtifactOwner, path: String, destination: String) async throws -> [String] {
    var files: [String] = [], folders = [path], listed = Set<String>()
    while let folder = folders.popLast() {
        let entries = try await store.listArtifacts(of: owner, path: folder.isEmpty ? nil : folder).files
        if entries.isEmpty, folder == path, !path.isEmpty { files.append(path) }
        for entry in entries where !entry.isDir { files.append(entry.path) }
        // A store answering a folder with itself would loop forever.
        for entry in entries where entry.isDir && listed.insert(entry.path).inserted && entry.path != folder { folders.append(entry.path) }
    }
    return files.sorted().map { destination + "/" + $0 }.filter { target in
        var info = stat()
        return lstat(target, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
    }
}

/// Downloads one artifact to a private temporary folder and runs the pager or the editor on it
/// in the foreground (`TerminalDevice.runOutside`); returns an error line, or nil. Called on the
/// UI loop's own thread (not the cooperative pool), which waits for the download.
func openExternally(store: any TrackingStore, owner: ArtifactOwner, path: String, editor: Bool,
                    environment: [String: String], device: any TerminalDevice) -> String? {
    let command: ExternalCommand
    switch externalCommand(editor: editor, environment: environment) {
    case .success(let found): command = found
    case .failure(let missing): return missing.message
    }
    let folder = NSTemporaryDirectory() + "mltui-open-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    guard mkdir(folder, 0o700) == 0 else { return "cannot create \(folder)" }
    // A temporary copy: the artifact store itself is never written.
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let outcome = Locked<Result<[String], MLflowError>>(.success([]))
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let result: Result<[String], MLflowError>
        do { result = .success(try await ArtifactDownload(store: store, owner: owner).download(path: path, to: folder)) }
        catch { result = .failure(error.asMLflowError) }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    let file: String
    switch outcome.current {
    case .success(let written):
        guard let first = written.first else { return "cannot open \(path): nothing downloaded" }
        file = first
    case .failure(let error): return "cannot open \(path): \(error.message)"
    }
    switch device.runOutside(command.arguments + [file]) {
    case .exited(0): return nil
    case .exited(let status): return "\(command.name) exited with status \(status)"
    case .signalled(let signal): return "\(command.name) was killed by signal \(signal)"
    case .failedToStart(let reason): return "cannot run \(command.name): \(reason)"
    }
}

/// A program to run on a file (appended to `arguments`), and how to name it on the message line.
struct ExternalCommand: Equatable {
    let name: String
    let arguments: [String]
}

struct MissingProgram: Error { let message: String }

/// The command `o` (pager) or `e` (editor) runs, the file to be appended. $PAGER, $VISUAL or
/// $EDITOR go through sh, which splits them as shells do ("less -R"; the file is "$1");
/// without one: less, else more; vi for the editor. `editorVariables`: which to try, in order.
func externalCommand(editor: Bool, environment: [String: String],
                     editorVariables: [String] = ["VISUAL", "EDITOR"]) -> Result<ExternalCommand, MissingProgram> {
    let chosen = (editor ? editorVariables.map { environment[$0] } : [environment["PAGER"]])
        .compactMap { $0 }.first { !$0.isEmpty }
    if let chosen { return .success(ExternalCommand(name: chosen, arguments: ["/bin/sh", "-c", chosen + " \"$1\"", "sh"])) }
    let fallbacks = editor ? ["vi"] : ["less", "more"]
    for name in fallbacks {
        if let path = findInPath(name, environment["PATH"] ?? "/usr/bin:/bin") { return .success(ExternalCommand(name: name, arguments: [path])) }
    }
    return .failure(MissingProgram(message: editor
        ? "no editor: set VISUAL or EDITOR (vi is not installed)"
        : "no pager: set PAGER (neither less nor more is installed)"))
}

/// The first executable `name` in the colon-separated `path`, as execvp looks it up.
func findInPath(_ name: String, _ path: String) -> String? {
    path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
}
