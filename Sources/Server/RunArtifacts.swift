import Foundation
import Tracking

/// A run's artifacts as `mlflow server` finds them (mlflow/server/handlers.py `list_artifacts_impl`):
/// a proxied root (`mlflow-artifacts:/<path>`) is read from the artifacts destination; any other
/// root (a local path, the default for local stores) goes through the store. Local roots are
/// also checked here against symlinks that lead out of them.
struct RunArtifacts: Sendable {
    let store: any TrackingStore
    /// The artifacts destination; nil with `--no-serve-artifacts`.
    let destination: LocalArtifactRoot?

    func list(runID: String, path rawPath: String?) async throws -> ArtifactListing {
        let path = try rawPath.map(LocalArtifactRoot.validatedRelativePath)
        let run = try await store.getRun(id: runID)
        let rootURI = run.info.artifactURI
        if let proxied = RunArtifacts.proxiedPath(rootURI), let destination {
            let prefix = path ?? ""
            let directory = prefix.isEmpty ? proxied : proxied + "/" + prefix
            let entries = (try? destination.list(directory)) ?? nil
            let files = (entries ?? []).map { entry in
                ArtifactEntry(path: prefix.isEmpty ? entry.name : prefix + "/" + entry.name, isDir: entry.isDir, fileSize: entry.size)
            }
            return ArtifactListing(rootURI: rootURI, files: files)
        }
        var listing = try await store.listArtifacts(runID: runID, path: path.flatMap { $0.isEmpty ? nil : $0 })
        listing.rootURI = rootURI
        if let local = RunArtifacts.localRoot(rootURI) {
            if let path, !path.isEmpty { _ = try local.resolve(path) }
            listing.files = listing.files.filter { (try? local.resolve($0.path)) != nil }
        }
        return listing
    }

    enum Download {
        case content(any ArtifactContent, name: String)
        case directory
        case missing
    }

    /// One file of a run, for `/get-artifact`.
    func open(runID: String, path rawPath: String) async throws -> Download {
        let path = try LocalArtifactRoot.validatedRelativePath(rawPath)
        let run = try await store.getRun(id: runID)
        let name = (path as NSString).lastPathComponent
        if let proxied = RunArtifacts.proxiedPath(run.info.artifactURI), let destination {
            switch try destination.file(proxied + "/" + path) {
            case .file(let content, _): return .content(content, name: name)
            case .directory: return .directory
            case .missing: return .missing
            }
        }
        if let local = RunArtifacts.localRoot(run.info.artifactURI) {
            guard let real = try local.resolve(path) else { return .missing }
            if LocalArtifactRoot.isDirectory(real) { return .directory }
        }
        return .content(try await store.openArtifact(runID: runID, path: path), name: name)
    }

    /// `mlflow-artifacts:/1/abc/artifacts` (or with an authority, `mlflow-artifacts://host/1/...`)
    /// as a path relative to the artifacts destination.
    static func proxiedPath(_ uri: String) -> String? {
        guard uri.hasPrefix("mlflow-artifacts:") else { return nil }
        var rest = Substring(uri.dropFirst("mlflow-artifacts:".count))
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            rest = rest.drop { $0 != "/" }
        }
        while rest.hasPrefix("/") { rest = rest.dropFirst() }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return String(rest)
    }

    /// A local artifact root (plain absolute path or `file://`), whose symlinks we can check.
    static func localRoot(_ uri: String) -> LocalArtifactRoot? {
        if uri.hasPrefix("/") { return LocalArtifactRoot(uri) }
        if uri.hasPrefix("file://") {
            let rest = uri.dropFirst("file://".count)
            let path = rest.hasPrefix("/") ? String(rest) : String(rest.drop { $0 != "/" })
            return LocalArtifactRoot(path.removingPercentEncoding ?? path)
        }
        if uri.hasPrefix("file:/") { return LocalArtifactRoot(String(uri.dropFirst(5))) }
        return nil
    }
}
