/// Where history pages end, so that following page tokens (`{"offset": N}`,
/// `SearchUtils.create_page_token`) is one pass over the rows instead of MLflow's `LIMIT/OFFSET`,
/// which re-reads every earlier row.
///
/// The history order is `timestamp, step, value` (`SqlAlchemyStore.get_metric_history`), which is
/// not unique: the metrics PK also holds `is_nan`, and NaN is stored as value 0.0, so a NaN and a
/// 0.0 logged at the same timestamp and step tie. A boundary therefore keeps the last row's sort key and how
/// many rows with that key earlier pages returned: the next page is the query from that key
/// (`>=`) with `OFFSET ties`. Only used while the database is unchanged (`PRAGMA data_version`),
/// so pages are exactly the ones `OFFSET` gives. A value type: the store shares it in a `Locked`.
struct HistoryBoundaries {
    struct Key: Hashable {
        var runID: String
        var key: String
        var offset: Int
    }

    /// A history row as stored: NaN as value 0.0 with `isNaN`.
    struct Row {
        var value: Double
        var timestamp: Int64
        var step: Int64
        var isNaN: Bool
    }

    struct Boundary {
        var timestamp: Int64
        var step: Int64
        var value: Double
        var ties: Int
        var dataVersion: Int64
    }

    /// What came before a page's rows.
    enum Before {
        case start
        case known(Boundary)
        /// Reached by OFFSET: how many earlier rows tie with the page's first is not known.
        case unknown
    }

    /// Few entries: one per page handed out recently; cleared when full to stay bounded.
    static let capacity = 256
    private var boundaries: [Key: Boundary] = [:]

    func boundary(_ key: Key, dataVersion: Int64) -> Boundary? {
        guard let found = boundaries[key], found.dataVersion == dataVersion else { return nil }
        return found
    }

    mutating func remember(_ key: Key, _ boundary: Boundary) {
        if boundaries.count >= Self.capacity { boundaries.removeAll() }
        boundaries[key] = boundary
    }

    /// The boundary after a page's rows (non-empty, in history order), or nil when it cannot be
    /// known exactly.
    static func boundary(after rows: [Row], startingAfter before: Before, dataVersion: Int64) -> Boundary? {
        guard let last = rows.last else { return nil }
        func ties(_ row: Row) -> Bool {
            row.timestamp == last.timestamp && row.step == last.step && row.value == last.value
        }
        var count = 0
        for row in rows.reversed() {
            guard ties(row) else { break }
            count += 1
        }
        if count == rows.count {
            // The whole page is one tie, which may have begun on earlier pages.
            switch before {
            case .start: break
            case .known(let previous):
                if previous.timestamp == last.timestamp && previous.step == last.step && previous.value == last.value {
                    count += previous.ties
                }
            case .unknown: return nil
            }
        }
        return Boundary(timestamp: last.timestamp, step: last.step, value: last.value, ties: count, dataVersion: dataVersion)
    }
}
