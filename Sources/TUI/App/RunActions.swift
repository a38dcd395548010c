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
        state.browser = ArtifactBrowser(runID: run.info.runID, artifactURI: run.info.artifactURI)
        return [.artifacts(.list(runID: run.info.runID, path: ""))]
    }
}
