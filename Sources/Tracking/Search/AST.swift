/// The parsed form of MLflow's search grammar (`SearchUtils.parse_search_filter`), shared by every
/// backend: the file store evaluates it in memory, SQLite translates it to SQL, the server passes
/// it on.

public enum EntityKind: String, Sendable {
    case metric, param, tag, attribute, dataset
}

/// A searchable field after alias resolution: `metric.x` -> (.metric, "x"), `created` ->
/// (.attribute, "start_time"), `` `Run name` `` -> (.attribute, "run_name"). In filters the
/// parser turns run_name into (.tag, "mlflow.runName"), the field MLflow filters on; in
/// order_by it stays the attribute (the runs.name column, `_get_orderby_clauses`).
public struct SearchKey: Sendable, Hashable, CustomStringConvertible {
    public var kind: EntityKind
    public var key: String
    public init(_ kind: EntityKind, _ key: String) { self.kind = kind; self.key = key }

    /// Canonical spelling, usable back in a filter string.
    public var description: String {
        let prefix: String
        switch kind {
        case .metric: prefix = "metrics"
        case .param: prefix = "params"
        case .tag: prefix = "tags"
        case .attribute: prefix = "attributes"
        case .dataset: prefix = "datasets"
        }
        let plain = key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            && !(key.first?.isNumber ?? true)
        return plain ? "\(prefix).\(key)" : "\(prefix).`\(key)`"
    }

    /// Numeric run attributes compare as numbers; every other attribute as a string.
    public var isNumericAttribute: Bool {
        kind == .attribute && (key == "start_time" || key == "end_time"
            || key == "creation_time" || key == "last_update_time")
    }
}

public enum Comparator: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case like = "LIKE"
    case ilike = "ILIKE"
    case `in` = "IN"
    case notIn = "NOT IN"
    case isNull = "IS NULL"
    case isNotNull = "IS NOT NULL"
}

public enum SearchValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case list([String])
    /// For IS NULL / IS NOT NULL.
    case none
}

public struct Comparison: Sendable, Equatable {
    public var key: SearchKey
    public var comparator: Comparator
    public var value: SearchValue
    public init(_ key: SearchKey, _ comparator: Comparator, _ value: SearchValue) {
        self.key = key
        self.comparator = comparator
        self.value = value
    }
}

/// A filter is comparisons joined by AND; MLflow has no OR
/// (`SearchUtils._invalid_statement_token_search_runs`).
public typealias Filter = [Comparison]

public struct OrderClause: Sendable, Equatable {
    public var key: SearchKey
    public var ascending: Bool
    public init(_ key: SearchKey, ascending: Bool) { self.key = key; self.ascending = ascending }
}
