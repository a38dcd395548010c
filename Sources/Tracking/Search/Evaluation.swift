/// A value a run or experiment holds for a search key.
public enum FieldValue: Sendable, Equatable {
    case number(Double)
    case string(String)
}

/// What the in-memory evaluator needs of a run. `Run` conforms; a store may conform a lighter
/// index type so that it reads only the fields a filter or ordering touches.
public protocol SearchableRun {
    var searchRunID: String { get }
    /// The run's value for `key`, nil when absent. Metrics give their latest value (NaN allowed);
    /// attributes use canonical names (run_id, run_name = the runs.name column, status,
    /// user_id, artifact_uri, start_time, end_time).
    func fieldValue(_ key: SearchKey) -> FieldValue?
    var searchDatasets: [DatasetInput] { get }
}

public protocol SearchableExperiment {
    var searchExperimentID: String { get }
    /// attributes: name, experiment_id, creation_time, last_update_time; tags by key.
    func fieldValue(_ key: SearchKey) -> FieldValue?
}

extension Run: SearchableRun {
    public var searchRunID: String { info.runID }
    public var searchDatasets: [DatasetInput] { inputs.datasetInputs }

    public func fieldValue(_ key: SearchKey) -> FieldValue? {
        switch key.kind {
        case .metric: return data.metric(key.key).map { .number($0.value) }
        case .param: return data.param(key.key).map(FieldValue.string)
        case .tag: return data.tag(key.key).map(FieldValue.string)
        case .dataset: return nil
        case .attribute:
            switch key.key {
            case "run_id": return .string(info.runID)
            case "run_name": return .string(info.runName)
            case "status": return .string(info.status.rawValue)
            case "user_id": return .string(info.userID)
            case "artifact_uri": return .string(info.artifactURI)
            case "start_time": return info.startTime.map { .number(Double($0)) }
            case "end_time": return info.endTime.map { .number(Double($0)) }
            default: return nil
            }
        }
    }
}

extension Experiment: SearchableExperiment {
    public var searchExperimentID: String { experimentID }

    public func fieldValue(_ key: SearchKey) -> FieldValue? {
        switch key.kind {
        case .tag: return tags.first { $0.key == key.key }.map { .string($0.value) }
        case .attribute:
            switch key.key {
            case "name": return .string(name)
            case "experiment_id": return .string(experimentID)
            case "creation_time": return creationTime.map { .number(Double($0)) }
            case "last_update_time": return lastUpdateTime.map { .number(Double($0)) }
            default: return nil
            }
        default: return nil
        }
    }
}

/// In-memory evaluation of a parsed filter and ordering with the semantics of MLflow's file
/// store (SearchUtils.filter/sort and SearchExperimentsUtils), which is what a store that
/// searches in memory must reproduce. Where MLflow's SQL store answers differently the doc
/// comments say so; the SQL backends run their own SQL (see `SQLStore/SearchSQL.swift`).
public enum SearchEvaluator {
    public static func matches(_ run: some SearchableRun, _ filter: Filter) -> Bool {
        filter.allSatisfy { matches(run, $0, PreparedValue($0)) }
    }

    /// A run filter prepared once for many runs: IN lists become hash sets and LIKE patterns are
    /// compiled once, so a run costs the same to test whatever the length of a list.
    public struct RunFilter {
        private let clauses: [(Comparison, PreparedValue)]

        public init(_ filter: Filter) { clauses = filter.map { ($0, PreparedValue($0)) } }

        public var isEmpty: Bool { clauses.isEmpty }

        public func matches(_ run: some SearchableRun) -> Bool {
            clauses.allSatisfy { SearchEvaluator.matches(run, $0.0, $0.1) }
        }
    }

    /// A comparison's value in the form it is tested in.
    enum PreparedValue {
        case value(SearchValue)
        /// An IN / NOT IN list as the UTF-8 bytes of its items: equality by code point, as
        /// `codePointOrder` decides it (a String set would apply canonical equivalence).
        case members(Set<[UInt8]>)
        case pattern(LikePattern)

        init(_ comparison: Comparison) {
            switch (comparison.comparator, comparison.value) {
            case (.in, .list(let items)), (.notIn, .list(let items)):
                self = .members(Set(items.map { Array($0.utf8) }))
            case (.like, .string(let pattern)):
                self = .pattern(LikePattern(pattern, caseInsensitive: false))
            case (.ilike, .string(let pattern)):
                self = .pattern(LikePattern(pattern, caseInsensitive: true))
            default:
                self = .value(comparison.value)
            }
        }
    }

    static func matches(_ run: some SearchableRun, _ comparison: Comparison) -> Bool {
        matches(run, comparison, PreparedValue(comparison))
    }

    private static func matches(_ run: some SearchableRun, _ comparison: Comparison, _ value: PreparedValue) -> Bool {
        let comparator = comparison.comparator
        switch comparison.key {
        case SearchKey(.attribute, "run_name"):
            // Filters on run_name read the tag (`sqlalchemy_store.py`
            // `_get_sqlalchemy_filter_clauses`); the parser already rewrites it.
            return compare(run.fieldValue(SearchKey(.tag, "mlflow.runName")), comparator, value)
        case SearchKey(.dataset, "context"):
            return run.searchDatasets.contains { input in
                input.tags.contains { $0.key == "mlflow.data.context" && compare(.string($0.value), comparator, value) }
            }
        case SearchKey(.dataset, "name"):
            return run.searchDatasets.contains { compare(.string($0.dataset.name), comparator, value) }
        case SearchKey(.dataset, "digest"):
            return run.searchDatasets.contains { compare(.string($0.dataset.digest), comparator, value) }
        default:
            return compare(run.fieldValue(comparison.key), comparator, value)
        }
    }

    private static func compare(_ field: FieldValue?, _ comparator: Comparator, _ value: PreparedValue) -> Bool {
        switch value {
        case .value(let plain):
            return compare(field, comparator, plain)
        case .members(let members):
            guard case .string(let lhs)? = field else { return false }
            let found = members.contains(Array(lhs.utf8))
            return comparator == .in ? found : !found
        case .pattern(let pattern):
            guard case .string(let lhs)? = field else { return false }
            return pattern.matches(lhs)
        }
    }

    /// One comparison against a field. A missing field matches only IS NULL; a NaN metric
    /// matches only != (IEEE comparisons give exactly that). Strings compare by code point.
    static func compare(_ field: FieldValue?, _ comparator: Comparator, _ value: SearchValue) -> Bool {
        switch comparator {
        case .isNull: return field == nil
        case .isNotNull: return field != nil
        default: break
        }
        switch (field, value) {
        case (.number(let lhs)?, .number(let rhs)):
            switch comparator {
            case .equal: return lhs == rhs
            case .notEqual: return lhs != rhs
            case .less: return lhs < rhs
            case .lessOrEqual: return lhs <= rhs
            case .greater: return lhs > rhs
            case .greaterOrEqual: return lhs >= rhs
            default: return false
            }
        case (.string(let lhs)?, .string(let rhs)):
            switch comparator {
            case .equal: return codePointOrder(lhs, rhs) == 0
            case .notEqual: return codePointOrder(lhs, rhs) != 0
            case .like: return LikePattern(rhs, caseInsensitive: false).matches(lhs)
            case .ilike: return LikePattern(rhs, caseInsensitive: true).matches(lhs)
            default: return false
            }
        case (.string(let lhs)?, .list(let items)):
            let found = items.contains { codePointOrder(lhs, $0) == 0 }
            switch comparator {
            case .in: return found
            case .notIn: return !found
            default: return false
            }
        default:
            return false
        }
    }

    /// Sorts by the clauses, then MLflow's implicit `start_time DESC` (unless ordered by start_time
    /// already) and `run_id ASC` (`SearchUtils.sort`, `_get_value_for_sort`). Per clause, runs with
    /// a value come first, then NaN, then runs lacking the field, in both directions; params and
    /// tags sort as strings. Each run's keys are read once, so sorting 100k runs costs one pass of
    /// fieldValue.
    public static func sort<R: SearchableRun>(_ runs: inout [R], by clauses: [OrderClause]) {
        var order = clauses
        if !clauses.contains(where: { $0.key == SearchKey(.attribute, "start_time") }) {
            order.append(OrderClause(SearchKey(.attribute, "start_time"), ascending: false))
        }
        var columns = order.map { clause in
            SortColumn(runs.map { $0.fieldValue(clause.key) }, ascending: clause.ascending)
        }
        columns.append(SortColumn(runs.map { .string($0.searchRunID) }, ascending: true))
        runs = sortedIndices(count: runs.count, columns: columns).map { runs[$0] }
    }

    public static func matches(_ experiment: some SearchableExperiment, _ filter: Filter) -> Bool {
        filter.allSatisfy { compare(experiment.fieldValue($0.key), $0.comparator, $0.value) }
    }

    /// How experiment ids compare when ordering: the file store compares the id strings, the SQL
    /// store its integer column ("10" sorts after "9" there, before it here).
    public enum ExperimentIDOrder: Sendable {
        case text, numeric
    }

    /// Default order `creation_time DESC, experiment_id ASC` (`FileStore.search_experiments`,
    /// `sqlalchemy_store.py` `_get_search_experiments_order_by_clauses`). With explicit
    /// clauses MLflow appends `experiment_id DESC` (both stores) unless experiment_id is ordered
    /// already. A missing time sorts last in both directions (the file store; SQL puts NULL
    /// first in ascending order).
    public static func sort<E: SearchableExperiment>(_ experiments: inout [E], by clauses: [OrderClause],
                                                     experimentIDOrder: ExperimentIDOrder = .text) {
        let idKey = SearchKey(.attribute, "experiment_id")
        var order = clauses.isEmpty
            ? [OrderClause(SearchKey(.attribute, "creation_time"), ascending: false), OrderClause(idKey, ascending: true)]
            : clauses
        if !order.contains(where: { $0.key == idKey }) {
            order.append(OrderClause(idKey, ascending: false))
        }
        let columns = order.map { clause in
            SortColumn(experiments.map { experiment in
                let value = experiment.fieldValue(clause.key)
                if clause.key == idKey, experimentIDOrder == .numeric, case .string(let id)? = value, let number = Double(id) {
                    return .number(number)
                }
                return value
            }, ascending: clause.ascending)
        }
        experiments = sortedIndices(count: experiments.count, columns: columns).map { experiments[$0] }
    }

    // MARK: sorting

    /// One order_by key, read once per row: `groups` orders value, NaN, missing (the same for
    /// ASC and DESC); `keys` orders values in the clause's direction. Strings are replaced by
    /// their rank in code point order, so the sort itself compares only numbers.
    struct SortColumn {
        static let number: UInt8 = 0, string: UInt8 = 1, nan: UInt8 = 2, missing: UInt8 = 3

        var ascending: Bool
        var groups: [UInt8]
        var keys: [Double]

        init(_ values: [FieldValue?], ascending: Bool) {
            self.ascending = ascending
            groups = [UInt8](repeating: Self.missing, count: values.count)
            keys = [Double](repeating: 0, count: values.count)
            var stringRows: [Int] = []
            var strings: [String] = []
            for (row, value) in values.enumerated() {
                switch value {
                case nil: break
                case .number(let n)?:
                    groups[row] = n.isNaN ? Self.nan : Self.number
                    keys[row] = n
                case .string(let text)?:
                    // A column mixes numbers and strings only if a store's fieldValue does;
                    // numbers then come first.
                    groups[row] = Self.string
                    stringRows.append(row)
                    strings.append(text)
                }
            }
            // Swift's own < and == (several times faster) agree with code point order on ASCII.
            let ascii = strings.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
            let byText = ascii
                ? strings.indices.sorted { strings[$0] < strings[$1] }
                : strings.indices.sorted { SearchEvaluator.codePointOrder(strings[$0], strings[$1]) < 0 }
            var rank = 0
            for (position, index) in byText.enumerated() where position > 0 {
                let previous = strings[byText[position - 1]], current = strings[index]
                if ascii ? previous != current : SearchEvaluator.codePointOrder(previous, current) != 0 { rank += 1 }
                keys[stringRows[index]] = Double(rank)
            }
        }
    }

    /// Row order by the columns in turn; rows equal in every column keep their input order.
    /// The columns are laid out row-major in flat buffers so the comparator touches no ARC.
    private static func sortedIndices(count: Int, columns: [SortColumn]) -> [Int] {
        let width = columns.count
        var groups = [UInt8](repeating: 0, count: count * width)
        var keys = [Double](repeating: 0, count: count * width)
        // Descending columns store negated keys, so one ascending comparison serves both.
        for (c, column) in columns.enumerated() {
            for row in 0..<count {
                groups[row * width + c] = column.groups[row]
                keys[row * width + c] = column.ascending ? column.keys[row] : -column.keys[row]
            }
        }
        return groups.withUnsafeBufferPointer { groups in
            keys.withUnsafeBufferPointer { keys in
                Array(0..<count).sorted { a, b in
                    var i = a * width, j = b * width
                    for _ in 0..<width {
                        if groups[i] != groups[j] { return groups[i] < groups[j] }
                        // NaN and missing rows carry no comparable key.
                        if groups[i] <= SortColumn.string, keys[i] != keys[j] { return keys[i] < keys[j] }
                        i += 1
                        j += 1
                    }
                    return a < b
                }
            }
        }
    }

    /// Python's and SQLite's (BINARY) string order: by code point, which UTF-8 bytes preserve.
    /// Swift's `<` and `==` would apply Unicode canonical equivalence instead.
    static func codePointOrder(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in byteOrder(x, y) }
        }
        if let order = fast ?? nil { return order }
        return a.utf8.elementsEqual(b.utf8) ? 0 : a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }

    private static func byteOrder(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        for i in 0..<min(x.count, y.count) where x[i] != y[i] {
            return x[i] < y[i] ? -1 : 1
        }
        return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
    }
}

/// LIKE / ILIKE as MLflow's file store evaluates them: the pattern becomes a Python regex
/// (`re.escape`, then `%` -> `.*`, `_` -> `.`) applied with `re.match`. So every other character
/// is literal (no escape character), `%` and `_` do not match a newline, the match is anchored
/// at the start, and without a trailing `%` it must reach the end (or a final newline, as `$`
/// does). ILIKE folds case per code point. MLflow's SQL store uses SQL LIKE, where `%` also
/// spans newlines and SQLite's lower() folds ASCII only.
struct LikePattern {
    private enum Element: Equatable {
        case literal(Unicode.Scalar)
        case anyOne
        case anyRun
    }

    private let elements: [Element]
    private let caseInsensitive: Bool
    private let prefixMatch: Bool

    init(_ pattern: String, caseInsensitive: Bool) {
        elements = pattern.unicodeScalars.map { $0 == "%" ? .anyRun : $0 == "_" ? .anyOne : .literal($0) }
        self.caseInsensitive = caseInsensitive
        prefixMatch = pattern.hasSuffix("%")
    }

    func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        let n = scalars.count
        // reachable[i]: the elements so far can match scalars[0..<i].
        var reachable = [Bool](repeating: false, count: n + 1)
        reachable[0] = true
        for element in elements {
            var next = [Bool](repeating: false, count: n + 1)
            switch element {
            case .anyRun:
                for i in 0...n {
                    next[i] = reachable[i] || (i > 0 && next[i - 1] && scalars[i - 1] != "\n")
                }
            case .anyOne:
                for i in 0..<n where reachable[i] && scalars[i] != "\n" { next[i + 1] = true }
            case .literal(let c):
                for i in 0..<n where reachable[i] && same(scalars[i], c) { next[i + 1] = true }
            }
            reachable = next
        }
        if prefixMatch { return reachable.contains(true) }
        return reachable[n] || (n > 0 && scalars[n - 1] == "\n" && reachable[n - 1])
    }

    private func same(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        if a == b { return true }
        guard caseInsensitive else { return false }
        return a.properties.lowercaseMapping == b.properties.lowercaseMapping
            || a.properties.uppercaseMapping == b.properties.uppercaseMapping
    }
}
