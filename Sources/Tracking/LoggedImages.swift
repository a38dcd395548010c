/// Images logged with `mlflow.log_image(image, key=…, step=…)`: MLflow 3.x writes each as two
/// artifacts under `images/` (`MlflowClient.log_image`):
/// `images/{key}+step+{step}+timestamp+{timestamp}+{uuid}.png`, the image as logged, and the same
/// name with `+compressed.webp`, a copy shrunk for the web UI. A `/` in the key is written `~`
/// (`#` before MLflow 3.x), and MLflow 2.x used `%` where 3.x uses `+`; the web UI reads all of
/// these, and so does this. An image logged with `artifact_file=` instead is a plain artifact.
public struct LoggedImage: Sendable, Equatable {
    public var key: String
    public var step: Int64
    public var timestamp: Int64
    /// The uuid that makes two images of one key and step distinct.
    public var id: String
    /// The full image's artifact path (`images/….png`).
    public var path: String
    /// The compressed copy's path, when it was listed.
    public var compressedPath: String?

    public init(key: String, step: Int64, timestamp: Int64, id: String, path: String, compressedPath: String? = nil) {
        self.key = key
        self.step = step
        self.timestamp = timestamp
        self.id = id
        self.path = path
        self.compressedPath = compressedPath
    }

    /// The folder MLflow logs them in.
    public static let folder = "images"

    /// One file name (no folder) parsed: its key, step, timestamp, uuid and whether it is the
    /// compressed copy; nil for any other name.
    static func parse(fileName name: String) -> (key: String, step: Int64, timestamp: Int64, id: String, compressed: Bool)? {
        for delimiter in ["+", "%"] {
            var parts = name.components(separatedBy: delimiter)
            var compressed = false
            if parts.last == "compressed.webp" {
                compressed = true
                parts.removeLast()
            } else if let last = parts.last, last.hasSuffix(".png") {
                parts[parts.count - 1] = String(last.dropLast(4))
            } else {
                continue
            }
            guard parts.count == 6, parts[1] == "step", parts[3] == "timestamp", !parts[0].isEmpty, !parts[5].isEmpty,
                  let step = Int64(parts[2]), let timestamp = Int64(parts[4]) else { continue }
            let key = parts[0].replacingOccurrences(of: "~", with: "/").replacingOccurrences(of: "#", with: "/")
            return (key, step, timestamp, parts[5], compressed)
        }
        return nil
    }

    /// The images among the entries of a run's `images/` folder (artifact paths), each once with
    /// its compressed copy, by key, then step, then timestamp.
    public static func collect(_ paths: [String]) -> [LoggedImage] {
        var byID: [String: LoggedImage] = [:]
        var compressed: [String: String] = [:]
        for path in paths {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            guard let parsed = parse(fileName: name) else { continue }
            if parsed.compressed {
                compressed[parsed.id] = path
            } else {
                byID[parsed.id] = LoggedImage(key: parsed.key, step: parsed.step, timestamp: parsed.timestamp, id: parsed.id, path: path)
            }
        }
        for (id, path) in compressed { byID[id]?.compressedPath = path }
        return byID.values.sorted { ($0.key, $0.step, $0.timestamp, $0.id) < ($1.key, $1.step, $1.timestamp, $1.id) }
    }
}
