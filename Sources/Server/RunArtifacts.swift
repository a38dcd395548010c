import Artifacts
import Foundation
import Tracking

/// A run's artifacts as `mlflow server` finds them (mlflow/server/handlers.py `list_artifacts_impl`
/// and `get_artifact_handler`): the request path is checked by `ArtifactPath.validated` (MLflow's
/// `validate_path_is_safe`); a proxied root (`mlflow-artifacts:/<path>`) is then read from the
/// artifacts destination, and any other root (a local path, the default for local stores) goes
/// through the store, whose local repository is the same `LocalArtifacts`.
struct RunArtifacts: Sendable {
    let store: any TrackingStore
    /// The artifacts destination; nil with `--no-serve-artifacts`.
    let destination: LocalArtifacts?

    func list(runID: String, path rawPath: String?) async throws -> ArtifactListing {
        let path = try rawPath.map(ArtifactPath.validated)
        let run = try await store.getRun(id: runID)
        let rootURI = run.info.artifactURI
        if let proxied = RunArtifacts.proxiedPath(rootURI), let destination {
            // `_list_artifacts_for_proxied_run_artifact_root`: basenames joined to the path as asked.
            let entries = try destination.list(path: path.map { RunArtifacts.join(proxied, $0) } ?? proxied)
            let files = entries.map { entry in
                let name = (entry.path as NSString).lastPathComponent
                return ArtifactEntry(path: path.map { $0.isEmpty ? name : RunArtifacts.join($0, name) } ?? name,
                                     isDir: entry.isDir, fileSize: entry.fileSize)
            }
            return ArtifactListing(rootURI: rootURI, files: files)
        }
        var listing = try await store.listArtifacts(runID: runID, path: path.flatMap { $0.isEmpty ? nil : $0 })
        listing.rootURI = rootURI
        return listing
    }

    enum Download {
        case content(any ArtifactContent, name: String)
        /// MLflow's errors name the path it looked up: relative to the destination for a proxied root.
        case directory(String)
        case missing(String)
    }

    /// One file of a run, for `/get-artifact`.
    func open(runID: String, path rawPath: String) async throws -> Download {
        let path = try ArtifactPath.validated(rawPath)
        let run = try await store.getRun(id: runID)
        if let proxied = RunArtifacts.proxiedPath(run.info.artifactURI), let destination {
            let joined = RunArtifacts.join(proxied, path)
            switch try destination.lookup(path: joined) {
            case .file(let content): return .content(content, name: (joined as NSString).lastPathComponent)
            case .directory: return .directory(joined)
            case .missing: return .missing(joined)
            }
        }
        do {
            return .content(try await store.openArtifact(runID: runID, path: path), name: (path as NSString).lastPathComponent)
        } catch let error as MLflowError where error.code == .resourceDoesNotExist {
            return .missing(path)
        } catch let error as MLflowError where error == LocalArtifacts.notAFile(path) {
            return .directory(path)
        }
    }

    /// The destination path of a proxied root, as `_get_proxied_run_artifact_destination_path`
    /// takes it: the path of `mlflow-artifacts:/1/abc/artifacts` (or `mlflow-artifacts://host/...`)
    /// without its leading slashes.
    static func proxiedPath(_ uri: String) -> String? {
        guard uri.hasPrefix("mlflow-artifacts:") else { return nil }
        var rest = Substring(uri.dropFirst("mlflow-artifacts:".count))
        if rest.hasPrefix("//") { rest = rest.dropFirst(2).drop { $0 != "/" } }
        rest = rest.prefix { $0 != "?" && $0 != "#" }
        return String(rest.drop { $0 == "/" })
    }

    /// Python's `posixpath.join(a, b)` for a relative `b`.
    static func join(_ a: String, _ b: String) -> String {
        a.isEmpty || a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
