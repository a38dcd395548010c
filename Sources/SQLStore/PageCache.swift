import Tracking

/// The last few search pages one connection answered, each with the `PRAGMA data_version` it
/// was read at. That number changes whenever any other connection (any process) commits to
/// the file, so a page read at the same version is exactly what the query would answer again:
/// a client polling the same search (MLflow's UI, a dashboard) costs one pragma, not a search.
struct PageCache {
    static let capacity = 8

    private var entries: [(key: String, version: Int64, page: Page<Run>)] = []

    func page(_ key: String, version: Int64) -> Page<Run>? {
        entries.first { $0.key == key && $0.version == version }?.page
    }

    mutating func store(_ page: Page<Run>, key: String, version: Int64) {
        entries.removeAll { $0.key == key || $0.version != version }
        if entries.count >= Self.capacity { entries.removeFirst() }
        entries.append((key, version, page))
    }

    /// A key naming the statement and every bound value unambiguously (lengths prefix texts).
    static func key(_ sql: String, _ bindings: [SQLValue], maxResults: Int) -> String {
        var key = "\(maxResults)\u{1}\(sql)"
        for value in bindings {
            switch value {
            case .int(let v): key += "\u{1}i\(v)"
            case .double(let v): key += "\u{1}d\(v.bitPattern)"
            case .text(let v): key += "\u{1}t\(v.utf8.count):\(v)"
            case .bool(let v): key += v ? "\u{1}T" : "\u{1}F"
            case .null: key += "\u{1}n"
            }
        }
        return key
    }
}
