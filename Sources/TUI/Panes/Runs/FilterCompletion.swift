import Tracking

/// The grammar's complaint about a filter, or nil when valid (or when no grammar is available).
func filterProblem(_ text: String) -> FilterError? {
    do {
        _ = try SearchGrammar.parseRunFilter(text)
        return nil
    } catch let error as MLflowError where error.code != .notImplemented {
        return FilterError(message: error.oneLineMessage, column: errorColumn(error.message))
    } catch {
        return nil
    }
}

/// The 1-based column a grammar error names ("... at column 12 ..."), if any.
func errorColumn(_ message: String) -> Int? {
    guard let range = message.range(of: "column ") else { return nil }
    let digits = message[range.upperBound...].prefix { $0.isNumber }
    return Int(digits)
}

/// Tab in the filter bar: completes what fits where the cursor is (`completionSlot`): a key,
/// a comparator after a key, a quoted value after a comparator or inside `IN (`, `AND` after a
/// value. Keys and values come from the experiment's vocabulary (FilterVocabulary.swift), not
/// only from the rows the current filter let through.
func completeFilter(_ state: inout AppState) {
    guard var input = state.input else { return }
    let chars = Array(input.text)
    let cursor = max(0, min(input.cursor, chars.count))
    let point = completionPoint(Array(chars[0..<cursor]))
    let vocabulary = state.table.experimentID.flatMap { state.filterVocabulary[$0] } ?? FilterVocabulary()
    let candidates: [String]
    // What a unique candidate gets after it, so the next Tab moves on to what follows.
    var finish: (String) -> String = { $0 + " " }
    var none = "no completion for '\(point.partial)'"
    switch point.slot {
    case .identifier:
        candidates = filterIdentifiers(vocabulary).filter { $0.lowercased().hasPrefix(point.partial.lowercased()) }
    case .comparator(let key):
        candidates = comparators(for: key).filter { $0.hasPrefix(point.partial.uppercased()) }
        finish = { $0.hasSuffix("IN") ? $0 + " (" : $0 + " " }
    case .conjunction:
        candidates = "AND".hasPrefix(point.partial.uppercased()) ? ["AND"] : []
    case .value(let key):
        candidates = valueCandidates(key, vocabulary, typed: point.partial, quote: point.quote)
        finish = { $0 }
        if key.kind == .metric || key.isNumericAttribute { none = "\(key) compares with a number" }
        else if candidates.isEmpty && point.partial.isEmpty { none = "no values of \(key) seen in this experiment" }
    }
    guard !candidates.isEmpty else { input.completions = [none]; state.input = input; return }
    let replacement = candidates.count == 1 ? finish(candidates[0]) : commonPrefix(candidates)
    var newChars = chars
    newChars.replaceSubrange(point.start..<cursor, with: Array(replacement))
    input.text = String(newChars)
    input.cursor = point.start + replacement.count
    input.completions = candidates.count == 1 ? [] : Array(candidates.prefix(50))
    state.input = input
    state.filterError = filterProblem(input.text)
}

/// The comparators MLflow accepts for a key (`SearchUtils`: numeric comparators for metrics and
/// time attributes, string ones for the rest, `IN` for `run_id` and dataset fields).
func comparators(for key: SearchKey) -> [String] {
    if key.kind == .metric || key.isNumericAttribute { return ["=", "!=", "<", "<=", ">", ">="] }
    let strings = ["=", "!=", "LIKE", "ILIKE"]
    if key.kind == .dataset || key == SearchKey(.attribute, "run_id") { return strings + ["IN", "NOT IN"] }
    return strings
}

/// Values of `key` that start with what is typed, quoted as MLflow reads them back.
private func valueCandidates(_ key: SearchKey, _ vocabulary: FilterVocabulary, typed: String, quote: Character?) -> [String] {
    guard key.kind != .metric, !key.isNumericAttribute else { return [] }
    var values = vocabulary.values[key] ?? []
    if key == SearchKey(.attribute, "status") { values.formUnion(RunStatus.allCases.map(\.rawValue)) }
    // A value over several lines cannot be typed on the filter line.
    let sorted = values.filter { !$0.contains("\n") }.sorted()
    var matching = sorted.filter { $0.hasPrefix(typed) }
    if matching.isEmpty { matching = sorted.filter { $0.lowercased().hasPrefix(typed.lowercased()) } }
    return matching.compactMap { quotedFilterValue($0, preferring: quote ?? "'") }
}

/// A string literal of `value` for a filter. MLflow takes the text between the quotes as it is
/// (`SearchUtils._strip_quotes`: no escapes), so a value holding one kind of quote goes in the
/// other; one holding both cannot be written (nil).
func quotedFilterValue(_ value: String, preferring quote: Character = "'") -> String? {
    for q in [quote, quote == "'" ? "\"" : "'"] where !value.contains(q) { return "\(q)\(value)\(q)" }
    return nil
}

private func commonPrefix(_ items: [String]) -> String {
    guard var prefix = items.first else { return "" }
    for item in items.dropFirst() { while !item.hasPrefix(prefix) { prefix.removeLast() } }
    return prefix
}

/// Every identifier a filter could use in this experiment, canonical spelling.
func filterIdentifiers(_ vocabulary: FilterVocabulary) -> [String] {
    let attributes = ["run_id", "run_name", "status", "user_id", "artifact_uri", "start_time", "end_time"].map { "attributes.\($0)" }
    return attributes + vocabulary.keys.map(\.description).sorted() + ["datasets.name", "datasets.digest", "datasets.context"]
}

/// `metrics.f1`, ``params.`a b` ``, `status` -> a search key (prefixes as in
/// `SearchUtils._valid_entity_type`).
func parseSearchKey(_ text: String) -> SearchKey? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return nil }
    func unquote(_ s: Substring) -> String {
        var s = String(s)
        if s.count >= 2, let f = s.first, f == s.last, f == "`" || f == "\"" { s = String(s.dropFirst().dropLast()) }
        return s
    }
    guard let dot = trimmed.firstIndex(of: ".") else {
        let attribute = unquote(Substring(trimmed))
        return SearchKey(.attribute, attribute == "created" || attribute == "Created" ? "start_time" : attribute)
    }
    let prefix = unquote(trimmed[..<dot]).lowercased()
    let key = unquote(trimmed[trimmed.index(after: dot)...])
    switch prefix {
    case "metric", "metrics": return SearchKey(.metric, key)
    case "param", "params", "parameter", "parameters": return SearchKey(.param, key)
    case "tag", "tags": return SearchKey(.tag, key)
    case "attribute", "attributes", "attr", "run": return SearchKey(.attribute, key == "created" ? "start_time" : key)
    case "dataset", "datasets": return SearchKey(.dataset, key)
    default: return nil
    }
}
