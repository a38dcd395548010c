import Artifacts
import Hummingbird
import NIOCore
import Tracking

/// Writes through the `mlflow-artifacts` proxy: `PUT .../artifacts/<path>` (MLflow's FastAPI
/// `artifact_router.upload_artifact`) and `DELETE .../artifacts/<path>` (`handlers.py`
/// `_delete_artifact_mlflow_artifacts`), into the artifacts destination.
struct ArtifactUploads: Sendable {
    let destination: LocalArtifacts

    /// Bytes gathered before each write to disk: few system calls, and a bounded buffer however
    /// large the file (the body is read as it arrives, with backpressure).
    static let writeSize = 1 << 20

    /// Streams the body into a staging file beside the destination and renames it when the last
    /// byte is written; a body cut short leaves nothing behind.
    func upload(_ request: Request, path rawPath: String) async throws -> Response {
        let path = try ArtifactPath.validated(rawPath)
        guard !path.hasSuffix("/"), !path.isEmpty else {
            return Responses.detail(.badRequest, "Artifact path must include a filename (cannot end with '/').")
        }
        let destination = self.destination
        let staged = try await BlockingWork.run { try destination.stage(path: path) }
        do {
            var pending = ByteBuffer()
            for try await chunk in request.body {
                var chunk = chunk
                pending.writeBuffer(&chunk)
                if pending.readableBytes >= Self.writeSize {
                    try await write(pending, to: staged)
                    pending.clear()
                }
            }
            try await write(pending, to: staged)
            try await BlockingWork.run { try staged.publish() }
        } catch {
            staged.discard()
            throw error
        }
        return Response(status: .ok, headers: [.contentLength: "0"], body: ResponseBody())
    }

    private func write(_ buffer: ByteBuffer, to staged: StagedArtifact) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await BlockingWork.run { try buffer.withUnsafeReadableBytes { try staged.write($0) } }
    }

    func delete(path rawPath: String) async throws -> Response {
        let path = try ArtifactPath.validated(rawPath)
        let destination = self.destination
        try await BlockingWork.run { try destination.delete(path: path) }
        return Responses.json(bytes: Responses.emptyObject)
    }
}
