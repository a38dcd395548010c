import Tracking

/// Reads an MLflow file store (`mlruns/`) laid out as reference §2 describes.
public final class FileStore: @unchecked Sendable {
    public let root: String
    public init(root: String) { self.root = root }
}
