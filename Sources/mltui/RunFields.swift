import Foundation
import Tracking
import TUI

/// One column of `mltui runs` output, named in MLflow's search key syntax (`metrics.f1`,
/// `params.lr`, `tags.x`, `attributes.status`): the keys `order_by` accepts, so they are read
/// by the same parser (`mlflow/utils/search_utils.py` `SearchUtils.parse_order_by_for_search_runs`).
struct RunField: Equatable {
    var key: SearchKey

    /// As `mlflow.search_runs` names its data frame's columns: "metrics.f1", "params.lr", "status".
    var header: String {
        switch key.kind {
        case .attribute: return key.key
        case .metric: return "metrics." + key.key
        case .param: return "params." + key.key
        case .tag: return "tags." + key.key
        case .dataset: return "datasets." + key.key
        }
    }

    /// The cell text; `exact` keeps full precision and epoch milliseconds (CSV), otherwise
    /// numbers and times are shown as the UI shows them.
    func value(of run: Run, exact: Bool) -> String {
        switch key.kind {
        case .metric:
            guard let metric = run.data.metric(key.key) else { return "" }
            return exact ? JSONWriter.pythonRepr(metric.value) : formatNumber(metric.value)
        case .param: return run.data.param(key.key) ?? ""
        case .tag: return run.data.tag(key.key) ?? ""
        case .dataset: return ""
        case .attribute: return attribute(of: run.info, exact: exact)
        }
    }

    private func attribute(of info: RunInfo, exact: Bool) -> String {
        switch key.key {
        case "run_id": return info.runID
        case "run_name": return info.runName
        case "status": return info.status.rawValue
        case "user_id": return info.userID
        case "artifact_uri": return info.artifactURI
        case "start_time": return exact ? info.startTime.map(String.init) ?? "" : TimeText.local(info.startTime)
        case "end_time": return exact ? info.endTime.map(String.init) ?? "" : TimeText.local(info.endTime)
        default: return ""
        }
    }

    /// `--columns` text: comma-separated keys (a comma inside backticks or quotes is part of
    /// the key). A bad entry is one line naming it, in MLflow's words where MLflow has them.
    static func parseList(_ text: String) throws -> [RunField] {
        try splitOutsideQuotes(text).map { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            func bad(_ reason: String) -> CLIError {
                CLIError(MLflowError(.invalidParameterValue, "--columns entry '\(trimmed)': \(reason)"))
            }
            if trimmed.isEmpty { throw bad("empty; give keys such as metrics.f1,params.lr") }
            let clause: OrderClause
            do { clause = try SearchGrammar.parseRunOrderBy([trimmed]).first! } catch { throw bad(error.asMLflowError.message) }
            let words = trimmed.uppercased().split(separator: " ")
            if words.count > 1, ["ASC", "DESC"].contains(words.last!) { throw bad("a column takes no ASC or DESC") }
            return RunField(key: clause.key)
        }
    }

    /// The columns of `--order-by` clauses, so a table ordered by a metric shows that metric.
    static func ordering(_ clauses: [String]) -> [RunField] {
        ((try? SearchGrammar.parseRunOrderBy(clauses)) ?? []).map { RunField(key: $0.key) }
    }
}

/// Splits on commas that are not inside `backticks`, 'single' or "double" quotes.
private func splitOutsideQuotes(_ text: String) -> [String] {
    var parts: [String] = [], current = ""
    var quote: Character?
    for c in text {
        if let open = quote {
            if c == open { quote = nil }
        } else if c == "`" || c == "'" || c == "\"" {
            quote = c
        } else if c == "," {
            parts.append(current); current = ""; continue
        }
        current.append(c)
    }
    parts.append(current)
    return parts
}
