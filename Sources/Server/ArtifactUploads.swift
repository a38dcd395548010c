import Artifacts
import Foundation
import Hummingbird
import NIOCore
import Tracking

/// Writes through the `mlflow-artifacts` proxy: `PUT .../artifacts/<path>` (MLflow's FastAPI
/// `artifact_router.upload_artifact`) and `DELETE .../artifacts/<path>` (`handlers.py`
/// `_delete_artifact_mlflow_artifacts`), into the artifacts destination.
struct ArtifactUploads: Sendable {
    let destination: LocalArtifacts

    /// Bytes gathered before each write to disk: few system calls, and one bounded buffer however
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
        let buffer = UploadBuffer(capacity: Self.writeSize)
        do {
            for try await var chunk in request.body {
                while chunk.readableBytes > 0 {
                    buffer.take(from: &chunk)
                    if buffer.isFull { try await BlockingWork.run { try buffer.flush(to: staged) } }
                }
            }
            try await BlockingWork.run {
                try buffer.flush(to: staged)
                try staged.publish()
            }
        } catch {
            staged.discard()
            throw error
        }
        return Response(status: .ok, headers: [.contentLength: "0"], body: ResponseBody())
    }

    func delete(path rawPath: String) async throws -> Response {
        let path = try ArtifactPath.validated(rawPath)
        let destination = self.destination
        try await BlockingWork.run { try destination.delete(path: path) }
        return Responses.json(bytes: Responses.emptyObject)
    }
}

/// One upload's write buffer, allocated once: chunks from the network are copied in and written
/// out from the same memory, so a long upload allocates nothing per chunk (buffers freed on
/// another thread than the one that made them fragment the heap).
final class UploadBuffer: @unchecked Sendable {
    // Used by one upload at a time, the network side and the disk side taking turns (each
    // flush is awaited before more is taken). The lock makes those turns visible to the thread
    // sanitizer (the await's ordering is not) and costs one uncontended lock per chunk.
    private let storage: UnsafeMutableRawBufferPointer
    private var count = 0
    private let lock = NSLock()

    init(capacity: Int) {
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    var isFull: Bool { lock.withLock { count == storage.count } }

    /// Copies as much of `chunk` as fits.
    func take(from chunk: inout ByteBuffer) {
        lock.lock()
        defer { lock.unlock() }
        let n = min(chunk.readableBytes, storage.count - count)
        chunk.withUnsafeReadableBytes { bytes in
            UnsafeMutableRawBufferPointer(rebasing: storage[count..<(count + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
        }
        chunk.moveReaderIndex(forwardBy: n)
        count += n
    }

    /// Writes what it holds (blocking: on BlockingWork's threads).
    func flush(to staged: StagedArtifact) throws {
        lock.lock()
        defer { lock.unlock() }
        try staged.write(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
        count = 0
    }
}
