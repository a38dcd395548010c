/// What the stores have read since the process started: bytes of store files, rows the SQL
/// engines returned and the steps SQLite's virtual machine took for them (a table scan shows
/// there even when few rows come back), requests to a tracking server and the bytes of their
/// answers. It measures the work a live refresh does (`MLTUI_TICK_STATS`, docs/live-refresh.md);
/// a count is one locked add per read call, not per byte.
public enum ReadMeter {
    public struct Counts: Sendable, Equatable, Codable {
        public var fileBytes: Int64 = 0
        public var rows: Int64 = 0
        public var sqlSteps: Int64 = 0
        public var requests: Int64 = 0
        public var responseBytes: Int64 = 0

        public init() {}

        public static func - (a: Counts, b: Counts) -> Counts {
            var d = Counts()
            d.fileBytes = a.fileBytes - b.fileBytes
            d.rows = a.rows - b.rows
            d.sqlSteps = a.sqlSteps - b.sqlSteps
            d.requests = a.requests - b.requests
            d.responseBytes = a.responseBytes - b.responseBytes
            return d
        }
    }

    private static let counts = Locked(Counts())

    public static var current: Counts { counts.current }

    public static func addFileBytes(_ n: Int) { if n > 0 { counts.withLock { $0.fileBytes += Int64(n) } } }

    public static func addRows(_ rows: Int, steps: Int = 0) {
        counts.withLock { $0.rows += Int64(rows); $0.sqlSteps += Int64(steps) }
    }

    public static func addRequest(responseBytes: Int) {
        counts.withLock { $0.requests += 1; $0.responseBytes += Int64(responseBytes) }
    }
}
