import Tracking

/// What the runs table and the details pane both do to a run.
enum RunActions {
    static func yank(_ state: inout AppState, _ run: Run?, _ command: KeyCommand) -> [Effect] {
        guard let run else { return [] }
        let text = command == .yankRunID ? run.info.runID : run.info.artifactURI
        state.yanked.append(text)
        showMessage(&state, "copied \(command == .yankRunID ? "run id" : "artifact URI"): \(text)")
        return [.copy(text)]
    }

    static func openArtifacts(_ state: inout AppState, _ run: Run?) -> [Effect] {
        guard let run else { return [] }
        return openArtifacts(&state, of: .run(run.info.runID), uri: run.info.artifactURI)
    }

    static func openArtifacts(_ state: inout AppState, of owner: ArtifactOwner, uri: String) -> [Effect] {
        state.browser = ArtifactBrowser(owner: owner, artifactURI: uri)
        return [.artifacts(.list(owner: owner, path: ""))]
    }
}
