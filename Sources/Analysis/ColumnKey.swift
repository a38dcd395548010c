import Foundation
import Tracking

/// One column of a runs table in MLflow's key syntax, as `mlflow.search_runs` names its frame's
/// columns (`run_id`, `params.lr`, `metrics.f1`, `tags.team`), plus what MLflow has no key for:
/// best-of metric columns over a run's whole history (`min(metrics.loss)`, `max(metrics.acc)`,
/// `metrics.loss@100`), the run's `duration`, and `datasets.name` (its input datasets' names).
public enum ColumnKey: Hashable, Sendable {
    /// run_id, run_name, experiment_id, status, user_id, artifact_uri, start_time, end_time, lifecycle_stage.
    case attribute(String)
    case duration
    case param(String), tag(String), metric(String)
    case best(BestOf, metric: String)
    case datasetNames

    public enum BestOf: Hashable, Sendable {
        case min, max
        case atStep(Int64)
    }

    /// The column's name in output headers and in `--columns`/`--group-by` text.
    public var header: String {
        switch self {
        case .attribute(let k): return k
        case .duration: return "duration"
        case .param(let k): return "params." + k
        case .tag(let k): return "tags." + k
        case .metric(let k): return "metrics." + k
        case .best(.min, let k): return "min(metrics.\(k))"
        case .best(.max, let k): return "max(metrics.\(k))"
        case .best(.atStep(let step), let k): return "metrics.\(k)@\(step)"
        case .datasetNames: return "datasets.name"
        }
    }

    /// Metrics and best-of columns: the ones grouped rows aggregate.
    public var isNumeric: Bool {
        switch self {
        case .metric, .best: return true
        default: return false
        }
    }

    /// The metric whose whole history this column needs, with the step it reads (if any).
    public var history: (metric: String, step: Int64?)? {
        switch self {
        case .best(.atStep(let step), let k): return (k, step)
        case .best(_, let k): return (k, nil)
        default: return nil
        }
    }

    /// The order_by key MLflow sorts this column by, when it can.
    public var searchKey: SearchKey? {
        switch self {
        case .attribute(let k): return SearchKey(.attribute, k)
        case .param(let k): return SearchKey(.param, k)
        case .tag(let k): return SearchKey(.tag, k)
        case .metric(let k): return SearchKey(.metric, k)
        default: return nil
        }
    }

    static let attributes: Set<String> = [
        "run_id", "run_name", "experiment_id", "status", "user_id", "artifact_uri",
        "start_time", "end_time", "lifecycle_stage",
    ]
}

extension ColumnKey {
    /// Reads one entry of `--columns`/`--group-by`: a key as MLflow's order_by reads it
    /// (`SearchUtils.parse_order_by_for_search_runs`, backticks and aliases included), or
    /// `min(metrics.K)`, `max(metrics.K)`, `metrics.K@STEP`, `duration`, `datasets.name`.
    /// Errors name the entry (as `naming`, e.g. "--columns entry") and say what is wrong.
    public static func parse(_ text: String, naming: String = "column") throws -> ColumnKey {
        let entry = text.trimmingCharacters(in: .whitespaces)
        func bad(_ reason: String) -> MLflowError {
            MLflowError(.invalidParameterValue, "\(naming) '\(entry)': \(reason)")
        }
        if entry.isEmpty { throw bad("empty; give keys such as metrics.f1,params.lr,max(metrics.acc)") }
        if entry == "duration" { return .duration }
        if entry == "datasets.name" || entry == "dataset" { return .datasetNames }
        for (name, best) in [("min(", BestOf.min), ("max(", BestOf.max)] where entry.lowercased().hasPrefix(name) {
            guard entry.hasSuffix(")") else { throw bad("missing ')'") }
            let inner = String(entry.dropFirst(4).dropLast())
            guard case .metric(let k) = try parse(inner, naming: naming) else { throw bad("\(name)...) takes a metric, e.g. \(name)metrics.loss)") }
            return .best(best, metric: k)
        }
        if let at = entry.lastIndex(of: "@"), let step = Int64(entry[entry.index(after: at)...]) {
            guard case .metric(let k) = try parse(String(entry[..<at]), naming: naming) else { throw bad("KEY@STEP takes a metric, e.g. metrics.loss@100") }
            return .best(.atStep(step), metric: k)
        }
        let words = entry.uppercased().split(separator: " ")
        if words.count > 1, ["ASC", "DESC"].contains(words.last!) { throw bad("a column takes no ASC or DESC") }
        let clause: OrderClause
        do { clause = try SearchGrammar.parseRunOrderBy([entry]).first! } catch { throw bad(error.asMLflowError.message) }
        return ColumnKey(clause.key)
    }

    /// The column of a search key (an order_by clause's key, so a table shows what it is sorted by).
    public init(_ key: SearchKey) {
        switch key.kind {
        case .metric: self = .metric(key.key)
        case .param: self = .param(key.key)
        case .tag: self = .tag(key.key)
        case .attribute: self = .attribute(key.key)
        case .dataset: self = .datasetNames
        }
    }

    /// Comma-separated entries; a comma inside backticks, quotes or parentheses is part of one.
    public static func parseList(_ text: String, naming: String = "column") throws -> [ColumnKey] {
        try splitEntries(text).map { try parse($0, naming: naming) }
    }
}

/// Splits on commas outside `backticks`, 'single' or "double" quotes and parentheses.
func splitEntries(_ text: String) -> [String] {
    var parts: [String] = [], current = ""
    var quote: Character?
    var depth = 0
    for c in text {
        if let open = quote {
            if c == open { quote = nil }
        } else if c == "`" || c == "'" || c == "\"" {
            quote = c
        } else if c == "(" {
            depth += 1
        } else if c == ")" {
            depth = max(0, depth - 1)
        } else if c == ",", depth == 0 {
            parts.append(current); current = ""; continue
        }
        current.append(c)
    }
    parts.append(current)
    return parts
}
