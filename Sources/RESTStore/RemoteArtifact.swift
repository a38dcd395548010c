import HTTPClient
import Tracking

/// One artifact file on a server, read in windows with HTTP Range requests so a viewer can page
/// through a huge file without downloading it. Opening fetches the first window, which proves
/// the file exists (errors surface at open) and tells its size from `Content-Range`.
final class RemoteArtifact: ArtifactContent, Sendable {
    static let firstWindow = 256 * 1024
    static let endpoint = "/get-artifact"

    let store: RESTStore
    /// `/get-artifact` for runs; a logged model's files route for models.
    let endpoint: String
    let query: [(String, String)]
    let size: Int64?
    /// The first window, served without another round trip.
    private let head: [UInt8]

    private init(store: RESTStore, endpoint: String, query: [(String, String)], size: Int64?, head: [UInt8]) {
        self.store = store
        self.endpoint = endpoint
        self.query = query
        self.size = size
        self.head = head
    }

    static func open(store: RESTStore, endpoint: String = RemoteArtifact.endpoint, query: [(String, String)]) async throws -> RemoteArtifact {
        let (bytes, total) = try await fetch(store: store, endpoint: endpoint, query: query, window: ByteWindow(offset: 0, count: firstWindow))
        // Without a Content-Range the server sent the whole file (or all that fits the window).
        let size = total ?? (bytes.count < firstWindow ? Int64(bytes.count) : nil)
        return RemoteArtifact(store: store, endpoint: endpoint, query: query, size: size, head: bytes)
    }

    func read(offset: Int64, count: Int) async throws -> [UInt8] {
        guard count > 0, offset >= 0 else { return [] }
        if let size, offset >= size { return [] }
        if offset + Int64(count) <= Int64(head.count) {
            return Array(head[Int(offset)..<Int(offset) + count])
        }
        if let size, size == Int64(head.count) {
            // The whole file is already here.
            return Array(head[Int(min(offset, size))..<Int(min(offset + Int64(count), size))])
        }
        return try await RemoteArtifact.fetch(store: store, endpoint: endpoint, query: query,
                                              window: ByteWindow(offset: offset, count: count)).bytes
    }

    /// One window; a 416 answer (offset at or past the end) is an empty read.
    static func fetch(store: RESTStore, endpoint: String, query: [(String, String)], window: ByteWindow) async throws -> (bytes: [UInt8], total: Int64?) {
        let response = try await store.send(.get, endpoint, query: query, window: window)
        let label = "GET \(endpoint)"
        switch response.status {
        case 206:
            return (response.body, response.contentRangeTotal)
        case 200:
            // The server ignored Range: HTTPClient dropped the bytes before the window.
            let length = response.headers["content-length"].flatMap { Int64($0) }
            return (response.body, response.headers["content-encoding"] == nil ? length : nil)
        case 416:
            return ([], response.contentRangeTotal)
        default:
            throw store.errorFor(response, label)
        }
    }
}
