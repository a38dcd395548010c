import Artifacts
import Foundation
import Terminal
import Tracking

/// Open previews by run and path, so scrolling a huge text file reuses its line index.
actor PreviewCache {
    static let shared = PreviewCache()
    private var previews: [String: ArtifactPreview] = [:]

    func preview(store: any TrackingStore, runID: String, path: String) async throws -> ArtifactPreview {
        let key = runID + "\u{0}" + path
        if let cached = previews[key] { return cached }
        let preview = try await ArtifactPreview.open(name: path, content: try await store.openArtifact(runID: runID, path: path))
        if previews.count > 32 { previews.removeAll() }
        previews[key] = preview
        return preview
    }
}

func performBrowserEffect(_ effect: BrowserEffect, store: any TrackingStore, post: @escaping @Sendable (Action) -> Void) {
    Task.detached {
        switch effect {
        case .list(let runID, let path):
            let result: Result<ArtifactListing, MLflowError>
            do { result = .success(try await store.listArtifacts(runID: runID, path: path.isEmpty ? nil : path)) }
            catch { result = .failure(error.asMLflowError) }
            post(.browser(.listed(path: path, result)))
        case .preview(let request, let runID, let path, let top, let width, let height, let folded, let search, let theme):
            let result: Result<[PreviewLine], MLflowError>
            do {
                let preview = try await PreviewCache.shared.preview(store: store, runID: runID, path: path)
                result = .success(try await preview.lines(top: top, width: width, height: height, search: search,
                                                          folded: folded, theme: theme))
            } catch { result = .failure(error.asMLflowError) }
            post(.browser(.previewed(request: request, path: path, result)))
        case .find(let request, let runID, let path, let query, let after, let backward, let folded, let theme):
            let result: Result<PreviewMatch, MLflowError>
            do {
                let preview = try await PreviewCache.shared.preview(store: store, runID: runID, path: path)
                result = .success(try await preview.find(query, after: after, backward: backward, folded: folded, theme: theme))
            } catch { result = .failure(error.asMLflowError) }
            post(.browser(.found(request: request, path: path, result)))
        case .download(let runID, let path, let destination, let overwrite):
            let result: Result<[String], MLflowError>
            do {
                // Checked first, and a failed check downloads nothing: no file is replaced without a yes.
                if !overwrite {
                    let existing = try await filesReplaced(store: store, runID: runID, path: path, destination: destination)
                    if !existing.isEmpty { post(.browser(.wouldOverwrite(path: path, existing: existing))); return }
                }
                result = .success(try await ArtifactDownload(store: store, runID: runID).download(path: path, to: destination))
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
func filesReplaced(store: any TrackingStore, runID: String, path: String, destination: String) async throws -> [String] {
    var files: [String] = [], folders = [path], listed = Set<String>()
    while let folder = folders.popLast() {
        let entries = try await store.listArtifacts(runID: runID, path: folder.isEmpty ? nil : folder).files
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

/// Downloads one artifact to a private temporary folder and runs $PAGER (less) or $EDITOR (vi)
/// on it with the terminal handed over; returns an error line, or nil. Called on the UI loop's
/// own thread (not the cooperative pool), which waits for the download.
func openExternally(store: any TrackingStore, runID: String, path: String, editor: Bool, terminal: NcursesTerminal) -> String? {
    let folder = NSTemporaryDirectory() + "mltui-open-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    guard mkdir(folder, 0o700) == 0 else { return "cannot create \(folder)" }
    final class Outcome: @unchecked Sendable { var result: Result<[String], MLflowError> = .success([]) }
    let outcome = Outcome(), done = DispatchSemaphore(value: 0)
    Task.detached {
        do { outcome.result = .success(try await ArtifactDownload(store: store, runID: runID).download(path: path, to: folder)) }
        catch { outcome.result = .failure(error.asMLflowError) }
        done.signal()
    }
    done.wait()
    let files: [String]
    switch outcome.result {
    case .success(let written): files = written
    case .failure(let error): return "cannot open \(path): \(error.message)"
    }
    guard let file = files.first else { return "cannot open \(path): nothing downloaded" }
    let environment = ProcessInfo.processInfo.environment
    let program = (editor ? environment["VISUAL"] ?? environment["EDITOR"] : environment["PAGER"]).flatMap { $0.isEmpty ? nil : $0 }
        ?? (editor ? "vi" : "less")
    var failure: String?
    terminal.runOutside {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The program may carry arguments ("less -R"), as shells read $PAGER; the file is "$1".
        process.arguments = ["-c", program + " \"$1\"", "sh", file]
        do { try process.run(); process.waitUntilExit() } catch { failure = "cannot run \(program): \(error)" }
    }
    // A temporary copy: the artifact store itself is never written.
    try? FileManager.default.removeItem(atPath: folder)
    return failure
}
