import Tracking

struct CompareRow: Equatable, Sendable {
    var key: String
    var values: [String]
    var isSection: Bool
    var differs: Bool
}

/// Params, latest metrics and user tags of the compared runs side by side. A row differs when
/// any two runs disagree (a missing value counts as a value).
func compareRows(_ view: CompareView) -> [CompareRow] {
    var rows: [CompareRow] = []
    func section(_ title: String, _ keys: [String], _ value: (Run, String) -> String?) {
        let body: [CompareRow] = keys.map { key in
            let values = view.runs.map { value($0, key) ?? "—" }
            return CompareRow(key: key, values: values, isSection: false, differs: Set(values).count > 1)
        }
        let shown = view.onlyDifferences ? body.filter(\.differs) : body
        rows.append(CompareRow(key: "\(title) (\(shown.count))", values: [], isSection: true, differs: false))
        rows += shown
    }
    let paramKeys = Set(view.runs.flatMap { $0.data.params.map(\.key) }).sorted()
    let metricKeys = Set(view.runs.flatMap { $0.data.metrics.map(\.key) }).sorted()
    let tagKeys = Set(view.runs.flatMap { $0.data.tags.map(\.key) }).filter { !$0.hasPrefix("mlflow.") }.sorted()
    section("Params", paramKeys) { $0.data.param($1) }
    section("Metrics", metricKeys) { run, key in run.data.metric(key).map { formatNumber($0.value) } }
    section("Tags", tagKeys) { $0.data.tag($1) }
    return rows
}
