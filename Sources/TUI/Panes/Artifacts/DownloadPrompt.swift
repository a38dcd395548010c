import Tracking
import Foundation
import Terminal

/// A download that would replace local files: asked on the message line, done only after `y`.
struct PendingOverwrite: Equatable, Sendable {
    var owner: ArtifactOwner
    var path: String
    /// The local files the download would replace, as the runtime found them.
    var existing: [String]

    /// "overwrite ./model.pkl? y/n", or for a folder "overwrite 3 files under ./model/? y/n".
    var question: String {
        if existing.count == 1, let file = existing.first { return "overwrite \(file)? y/n" }
        return "overwrite \(existing.count) files under ./\(path.isEmpty ? "" : path + "/")? y/n"
    }
}

/// `d`: downloads into the current directory. Whether that replaces a file is checked by the
/// runtime (no pane reads files), which answers `wouldOverwrite` instead of downloading.
func startDownload(_ state: inout AppState, owner: ArtifactOwner, path: String, overwrite: Bool) -> [Effect] {
    showMessage(&state, "downloading \(path.isEmpty ? "all artifacts" : path)…")
    return [.artifacts(.download(owner: owner, path: path, destination: ".", overwrite: overwrite))]
}

/// The answer to the overwrite question: `y` downloads over the files; any other key keeps
/// them, as `cp -i` reads anything but yes as no.
func answerOverwrite(_ state: inout AppState, _ pending: PendingOverwrite, _ key: Key) -> [Effect] {
    state.browser?.pendingOverwrite = nil
    if key == .char("y") || key == .char("Y") {
        return startDownload(&state, owner: pending.owner, path: pending.path, overwrite: true)
    }
    let kept = pending.existing.count == 1 ? pending.existing[0] : "\(pending.existing.count) files"
    showMessage(&state, "download of \(pending.path.isEmpty ? "all artifacts" : pending.path) cancelled: \(kept) kept")
    return []
}

/// The runtime's answers to `download`.
func downloadAnswered(_ browser: inout ArtifactBrowser, _ state: inout AppState, _ event: BrowserEvent) {
    switch event {
    case .wouldOverwrite(let path, let existing):
        let pending = PendingOverwrite(owner: browser.owner, path: path, existing: existing)
        browser.pendingOverwrite = pending
        showMessage(&state, pending.question)
    case .downloaded(let path, let folder, .success(let files)):
        showMessage(&state, "downloaded \(path.isEmpty ? "all artifacts" : path): \(files.count) file\(files.count == 1 ? "" : "s") under \(folder)")
    case .downloaded(let path, _, .failure(let error)):
        showMessage(&state, "download of \(path) failed: \(error.message)", isError: true)
    default:
        break
    }
}
