import Artifacts
import Foundation
import Tracking

/// A small in-memory `TrackingStore` for routing and security tests, so they need no real
/// store; the conformance battery (conformance.py) covers the real readers. Artifacts live in
/// a real temporary directory, because traversal and symlink checks must meet a real filesystem.
struct MemoryStore: TrackingStore {
    var uri: String { "memory:" }
    var experiments: [Experiment]
    var runs: [Run]
    var histories: [String: [Metric]]  // "runID/key"

    func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> {
        let matching = experiments.filter { request.viewType.includes($0.lifecycleStage) }
        let offset = try PageToken.offset(request.pageToken)
        let window = PageToken.window(total: matching.count, offset: offset, maxResults: request.maxResults)
        return Page(items: Array(matching[window.range]), nextPageToken: window.next)
    }

    func getExperiment(id: String) async throws -> Experiment {
        guard let e = experiments.first(where: { $0.experimentID == id }) else {
            throw MLflowError.notFound("No Experiment with id=\(id) exists")
        }
        return e
    }

    func getExperimentByName(_ name: String) async throws -> Experiment {
        guard let e = experiments.first(where: { $0.name == name }) else {
            throw MLflowError.notFound("Could not find experiment with name '\(name)'")
        }
        return e
    }

    func searchRuns(_ request: RunSearch) async throws -> Page<Run> {
        if request.filter.contains(" OR ") { throw MLflowError.invalidParameter("Invalid clause(s) in filter string: 'OR'") }
        let matching = runs.filter { request.experimentIDs.contains($0.info.experimentID) && request.viewType.includes($0.info.lifecycleStage) }
        let offset = try PageToken.offset(request.pageToken)
        let window = PageToken.window(total: matching.count, offset: offset, maxResults: request.maxResults)
        return Page(items: Array(matching[window.range]), nextPageToken: window.next)
    }

    func getRun(id: String) async throws -> Run {
        guard let r = runs.first(where: { $0.info.runID == id }) else { throw MLflowError.notFound("Run with id=\(id) not found") }
        return r
    }

    func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        let all = histories["\(runID)/\(key)"] ?? []
        let offset = try PageToken.offset(pageToken)
        let window = PageToken.window(total: all.count, offset: offset, maxResults: maxResults ?? all.count)
        return Page(items: Array(all[window.range]), nextPageToken: window.next)
    }

    /// Artifacts are read as the real stores read a local root: through `LocalArtifacts`.
    func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
        let run = try await getRun(id: runID)
        return ArtifactListing(rootURI: run.info.artifactURI, files: try LocalArtifacts(root: run.info.artifactURI).list(path: path))
    }

    func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
        try LocalArtifacts(root: try await getRun(id: runID).info.artifactURI).open(path: path)
    }
}

/// A temporary directory tree for artifact tests, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "mltui-server-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: full, contents: Data(bytes))
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: target)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
