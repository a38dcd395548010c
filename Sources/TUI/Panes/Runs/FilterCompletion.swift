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

/// Tab in the filter bar: completes the identifier or the quoted value at the cursor from the
/// keys and values seen in the loaded runs.
func completeFilter(_ state: inout AppState) {
    guard var input = state.input else { return }
    let chars = Array(input.text)
    var start = input.cursor
    var inQuote = false
    // A value: the cursor is after an opening quote that is not closed.
    let before = String(chars[0..<input.cursor])
    if before.filter({ $0 == "'" }).count % 2 == 1, let q = before.lastIndex(of: "'") {
        inQuote = true
        start = before.distance(from: before.startIndex, to: q) + 1
    } else {
        while start > 0, !" ()".contains(chars[start - 1]) { start -= 1 }
    }
    let token = String(chars[start..<input.cursor])
    var candidates: [String]
    if inQuote {
        // The identifier is the token before the comparator before the quote.
        let head = before[..<before.index(before.startIndex, offsetBy: start - 1)]
        let words = head.split(separator: " ")
        guard words.count >= 2, let key = parseSearchKey(String(words[words.count - 2])) else { return }
        var values = Set<String>()
        for run in state.table.runs { if case .string(let v)? = run.fieldValue(key) { values.insert(v) } }
        candidates = values.sorted().filter { $0.hasPrefix(token) }.map { $0 + "'" }
    } else {
        candidates = filterIdentifiers(state).filter { $0.lowercased().hasPrefix(token.lowercased()) }
    }
    guard !candidates.isEmpty else { input.completions = ["no completion for '\(token)'"]; state.input = input; return }
    let replacement = candidates.count == 1 ? candidates[0] : commonPrefix(candidates)
    var newChars = chars
    newChars.replaceSubrange(start..<input.cursor, with: Array(replacement))
    input.text = String(newChars)
    input.cursor = start + replacement.count
    input.completions = candidates.count == 1 ? [] : Array(candidates.prefix(50))
    state.input = input
    state.filterError = filterProblem(input.text)
}

private func commonPrefix(_ items: [String]) -> String {
    guard var prefix = items.first else { return "" }
    for item in items.dropFirst() { while !item.hasPrefix(prefix) { prefix.removeLast() } }
    return prefix
}

/// Every identifier a filter could use in this experiment, canonical spelling.
func filterIdentifiers(_ state: AppState) -> [String] {
    var keys = Set<SearchKey>()
    for run in state.table.runs.prefix(5000) {
        for p in run.data.params { keys.insert(SearchKey(.param, p.key)) }
        for m in run.data.metrics { keys.insert(SearchKey(.metric, m.key)) }
        for t in run.data.tags { keys.insert(SearchKey(.tag, t.key)) }
    }
    let attributes = ["run_id", "run_name", "status", "user_id", "artifact_uri", "start_time", "end_time"].map { "attributes.\($0)" }
    return attributes + keys.map(\.description).sorted() + ["datasets.name", "datasets.digest", "datasets.context"]
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
