import Foundation

/// The rank of each text in a database's own collation (PostgreSQL's, ICU's or libc's), for
/// sorting entities searched in memory as the database's ORDER BY would. Nil: code point order.
public typealias CollationRanks = [String: Int]

/// Which MLflow store's answers a search reproduces: where the file store (Python over
/// entities) and the SQL store (queries) differ, the local stores follow their own kind.
public enum StoreKind: Sendable {
    case file
    case sql
}

/// In-memory search of logged models (`SearchLoggedModelsUtils` for the file store,
/// `SqlAlchemyStore.search_logged_models` for SQL). Registries and model lists are small, so
/// both local stores search their entities in memory.
public enum LoggedModelSearching {
    public static func search(_ models: [LoggedModel], _ request: LoggedModelSearch, kind: StoreKind,
                              collation: CollationRanks? = nil) throws -> Page<LoggedModel> {
        if request.datasets.contains(where: { $0.name.isEmpty }) {
            throw MLflowError.invalidParameter("`dataset_name` in the `datasets` clause must be specified.")
        }
        let offset = try pageOffset(request, kind: kind)
        let filter = try SearchGrammar.parseLoggedModelFilter(request.filter)
        let order = try request.orderBy.map { try validated($0, kind) }
        let hasMetricClause = filter.contains { $0.key.kind == .metric }
        var matching = models.filter { model in
            if !request.datasets.isEmpty, !hasMetricClause,
               !model.metrics.contains(where: { onDatasets($0, request.datasets, kind) }) { return false }
            return filter.allSatisfy { matches(model, $0, request.datasets, kind) }
        }
        sort(&matching, order, kind: kind, collation: collation)
        let maxResults = request.maxResults.flatMap { $0 > 0 ? $0 : nil } ?? LoggedModelSearch.defaultMaxResults
        let start = min(offset, matching.count), end = min(start + maxResults, matching.count)
        let next: String?
        if end < matching.count {
            next = kind == .sql ? sqlPageToken(request, offset: end) : PageToken.encode(offset: end)
        } else {
            next = nil
        }
        return Page(items: Array(matching[start..<end]), nextPageToken: next)
    }

    /// `_is_metric_on_dataset`: the name matches, and the digest when one is given.
    static func onDatasets(_ metric: Metric, _ datasets: [LoggedModelSearch.DatasetFilter], _ kind: StoreKind) -> Bool {
        datasets.contains { d in
            guard metric.datasetName == d.name else { return false }
            if kind == .sql, d.digestGiven { return metric.datasetDigest == d.digest }
            return d.digest == nil || metric.datasetDigest == d.digest
        }
    }

    static func matches(_ model: LoggedModel, _ c: Comparison, _ datasets: [LoggedModelSearch.DatasetFilter], _ kind: StoreKind) -> Bool {
        switch c.key.kind {
        case .metric:
            let values = model.metrics.filter { $0.key == c.key.key && (datasets.isEmpty || onDatasets($0, datasets, kind)) }
            // The file store tests the first value it holds for the key; SQL any row of it.
            switch kind {
            case .file: return values.first.map { SearchEvaluator.compare(.number($0.value), c.comparator, c.value) } ?? false
            case .sql: return values.contains { SearchEvaluator.compare(.number($0.value), c.comparator, c.value) }
            }
        case .param:
            return SearchEvaluator.compare(model.params.last { $0.key == c.key.key }.map { .string($0.value) }, c.comparator, c.value)
        case .tag:
            return SearchEvaluator.compare(model.tags.last { $0.key == c.key.key }.map { .string($0.value) }, c.comparator, c.value)
        case .attribute, .dataset:
            return SearchEvaluator.compare(attribute(model, c.key.key, kind), c.comparator, c.value)
        }
    }

    /// `status` is the enum's name in the file store ("READY") and the column's integer in SQL.
    static func attribute(_ model: LoggedModel, _ key: String, _ kind: StoreKind) -> FieldValue? {
        switch key {
        case "name": return .string(model.name)
        case "model_id": return .string(model.modelID)
        case "model_type": return model.modelType.map(FieldValue.string)
        case "source_run_id": return model.sourceRunID.map(FieldValue.string)
        case "status":
            return .string(kind == .file ? model.status.shortName : String(model.status.number))
        case "creation_timestamp": return .number(Double(model.creationTimestamp))
        case "last_updated_timestamp": return .number(Double(model.lastUpdatedTimestamp))
        default: return nil
        }
    }

    /// `parse_order_by_for_logged_models`.
    static func validated(_ order: LoggedModelSearch.Order, _ kind: StoreKind) throws -> LoggedModelSearch.Order {
        var order = order
        if let dot = order.fieldName.firstIndex(of: ".") {
            let entity = order.fieldName[..<dot]
            guard entity == "metrics" else {
                throw MLflowError.invalidParameter("Invalid order by field name: \(entity), only `metrics.<name>` is allowed.")
            }
        } else {
            let name = order.fieldName.trimmingCharacters(in: .whitespaces)
            let aliases = ["creation_time": "creation_timestamp", "last_updated_time": "last_updated_timestamp"]
            let valid: Set = ["name", "model_id", "model_type", "status", "source_run_id", "creation_timestamp", "last_updated_timestamp"]
            guard valid.contains(aliases[name] ?? name) else {
                // The SQL store looks the column up (`getattr(SqlLoggedModel, ...)`).
                if kind == .sql {
                    throw MLflowError(.invalidParameterValue, "Invalid order by field name: \(order.fieldName)", errorClass: "ATTRIBUTE_NOT_FOUND")
                }
                throw MLflowError.invalidParameter("Invalid order by field name: \(name).")
            }
            order.fieldName = aliases[name] ?? name
        }
        if order.datasetDigest != nil, order.datasetName == nil {
            throw MLflowError.invalidParameter("`dataset_digest` can only be specified if `dataset_name` is also specified.")
        }
        return order
    }

    /// A sort key value: nil sorts last in both directions.
    enum SortValue: Comparable {
        case number(Double)
        case text(String)
        /// A text's place in the database's collation.
        case ranked(Int)

        static func text(_ s: String, _ collation: CollationRanks?) -> SortValue {
            collation?[s].map(SortValue.ranked) ?? .text(s)
        }

        static func < (a: SortValue, b: SortValue) -> Bool {
            switch (a, b) {
            case (.number(let x), .number(let y)): return x < y
            case (.text(let x), .text(let y)): return SearchEvaluator.codePointOrder(x, y) < 0
            case (.ranked(let x), .ranked(let y)): return x < y
            case (.ranked, _): return false
            case (_, .ranked): return true
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
    }

    static func sortValue(_ model: LoggedModel, _ order: LoggedModelSearch.Order, _ kind: StoreKind,
                          _ collation: CollationRanks?) -> SortValue? {
        if order.fieldName.hasPrefix("metrics.") {
            let key = String(order.fieldName.dropFirst("metrics.".count))
            let values = model.metrics.filter {
                $0.key == key && (order.datasetName == nil || $0.datasetName == order.datasetName)
                    && (order.datasetDigest == nil || $0.datasetDigest == order.datasetDigest)
            }
            // The latest by timestamp (SQL: then step descending, then run id).
            let latest = values.enumerated().min { a, b in
                if a.element.timestamp != b.element.timestamp { return a.element.timestamp > b.element.timestamp }
                if kind == .sql {
                    if a.element.step != b.element.step { return a.element.step > b.element.step }
                    return (a.element.runID ?? "") < (b.element.runID ?? "")
                }
                return a.offset < b.offset
            }
            return latest.map { .number($0.element.value) }
        }
        switch attribute(model, order.fieldName, kind) {
        case .number(let n)?: return .number(n)
        case .string(let s)?: return .text(s, collation)
        case nil: return nil
        }
    }

    /// The given order, then `creation_timestamp DESC` and `model_id ASC` unless already there.
    static func sort(_ models: inout [LoggedModel], _ order: [LoggedModelSearch.Order], kind: StoreKind,
                     collation: CollationRanks?) {
        var clauses = order
        if !clauses.contains(where: { $0.fieldName == "creation_timestamp" }) {
            clauses.append(.init(fieldName: "creation_timestamp", ascending: false))
        }
        if !clauses.contains(where: { $0.fieldName == "model_id" }) {
            clauses.append(.init(fieldName: "model_id", ascending: true))
        }
        let keyed = models.map { model in (model, clauses.map { sortValue(model, $0, kind, collation) }) }
        let sorted = keyed.sorted { a, b in
            for (i, clause) in clauses.enumerated() {
                switch (a.1[i], b.1[i]) {
                case (nil, nil): continue
                case (nil, _): return false
                case (_, nil): return true
                case (let x?, let y?):
                    if x == y { continue }
                    return clause.ascending ? x < y : y < x
                }
            }
            return false
        }
        models = sorted.map(\.0)
    }

    // MARK: page tokens

    /// The file store pages with MLflow's offset token; SQL with `SearchLoggedModelsPaginationToken`,
    /// which also carries the request and must match it.
    static func pageOffset(_ request: LoggedModelSearch, kind: StoreKind) throws -> Int {
        guard let token = request.pageToken, !token.isEmpty else { return 0 }
        guard kind == .sql else { return try PageToken.offset(token) }
        guard let data = Data(base64Encoded: token),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MLflowError.invalidParameter("Invalid page token: \(token).")
        }
        if (object["experiment_ids"] as? [String]) != request.experimentIDs {
            throw MLflowError.invalidParameter("Experiment IDs in the page token do not match the requested experiment IDs. "
                                               + "Expected: \(pythonList(request.experimentIDs)). Found: \(object["experiment_ids"].map { "\($0)" } ?? "None")")
        }
        let filter = (object["filter_string"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        if filter != (request.filter.isEmpty ? nil : request.filter) {
            throw MLflowError.invalidParameter("Filter string in the page token does not match the requested filter string. "
                                               + "Expected: \(request.filter.isEmpty ? "None" : request.filter). Found: \(filter ?? "None")")
        }
        let tokenOrder: String = (object["order_by"] as? [Any]).flatMap { $0.isEmpty ? nil : canonicalJSON($0) } ?? "null"
        if orderJSON(request.orderBy) != tokenOrder {
            throw MLflowError.invalidParameter("Order by in the page token does not match the requested order by.")
        }
        return object["offset"] as? Int ?? 0
    }

    static func canonicalJSON(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func orderJSON(_ order: [LoggedModelSearch.Order]) -> String {
        guard !order.isEmpty else { return "null" }
        return canonicalJSON(order.map { o -> [String: Any] in
            ["field_name": o.fieldName, "ascending": o.ascending,
             "dataset_name": o.datasetName as Any? ?? NSNull(), "dataset_digest": o.datasetDigest as Any? ?? NSNull()]
        })
    }

    /// base64 of `json.dumps(asdict(token))`: Python's separators and ASCII escapes.
    static func sqlPageToken(_ request: LoggedModelSearch, offset: Int) -> String {
        let ids = "[" + request.experimentIDs.map(PythonText.jsonString).joined(separator: ", ") + "]"
        let filter = request.filter.isEmpty ? "null" : PythonText.jsonString(request.filter)
        let order: String
        if request.orderBy.isEmpty {
            order = "null"
        } else {
            order = "[" + request.orderBy.map { o in
                "{\"field_name\": \(PythonText.jsonString(o.fieldName)), \"ascending\": \(o.ascending ? "true" : "false"), "
                    + "\"dataset_name\": \(o.datasetName.map(PythonText.jsonString) ?? "null"), "
                    + "\"dataset_digest\": \(o.datasetDigest.map(PythonText.jsonString) ?? "null")}"
            }.joined(separator: ", ") + "]"
        }
        let json = "{\"experiment_ids\": \(ids), \"filter_string\": \(filter), \"order_by\": \(order), \"offset\": \(offset)}"
        return Data(json.utf8).base64EncodedString()
    }

    static func pythonList(_ items: [String]) -> String {
        "[" + items.map(PythonText.repr).joined(separator: ", ") + "]"
    }
}

extension LoggedModelStatus {
    /// `LoggedModelStatus` in Python: the name the file store compares a filter with.
    public var shortName: String {
        switch self {
        case .unspecified: return "UNSPECIFIED"
        case .pending: return "PENDING"
        case .ready: return "READY"
        case .failed: return "FAILED"
        }
    }

    /// `LoggedModelStatus.to_int`: the SQL column and the file store's meta.yaml.
    public var number: Int64 {
        switch self {
        case .unspecified: return 0
        case .pending: return 1
        case .ready: return 2
        case .failed: return 3
        }
    }

    public init(number: Int64) {
        self = LoggedModelStatus.allCases.first { $0.number == number } ?? .unspecified
    }
}

/// Registry searches (`SearchModelUtils`, `SearchModelVersionUtils` for the file store;
/// `SqlAlchemyStore.search_registered_models`, `search_model_versions` for SQL).
public enum RegistrySearching {
    static let promptTag = "mlflow.prompt.is_prompt"

    public static func searchRegisteredModels(_ models: [RegisteredModel], _ request: RegistrySearch,
                                              kind: StoreKind, collation: CollationRanks? = nil) throws -> Page<RegisteredModel> {
        // The SQL store takes 0 and answers an empty page with a token to offset 0.
        if !(kind == .sql && request.maxResults == 0) { try checkMaxResults(request.maxResults, limit: 1000) }
        let filter = try SearchGrammar.parseRegisteredModelFilter(request.filter)
        let order = try registeredModelOrder(request.orderBy, kind: kind)
        let offset = try PageToken.offset(request.pageToken)
        let showPrompts = queriesPrompts(filter)
        var matching = models.filter { model in
            isPrompt(model.tags) == showPrompts && filter.allSatisfy { c in
                if c.key.kind == .tag, c.key.key == promptTag { return true }
                let field: FieldValue? = c.key.kind == .tag
                    ? model.tags.last { $0.key == c.key.key }.map { .string($0.value) }
                    : .string(model.name)
                return SearchEvaluator.compare(field, c.comparator, c.value)
            }
        }
        matching.sort { a, b in
            for (key, ascending) in order {
                let x = registeredModelValue(a, key, collation), y = registeredModelValue(b, key, collation)
                if x == y { continue }
                guard let x else { return !ascending }
                guard let y else { return ascending }
                return ascending ? x < y : y < x
            }
            return false
        }
        if request.maxResults == 0 {
            return Page(items: [], nextPageToken: offset < matching.count ? PageToken.encode(offset: offset) : nil)
        }
        let window = PageToken.window(total: matching.count, offset: offset, maxResults: request.maxResults)
        return Page(items: Array(matching[window.range]), nextPageToken: window.next)
    }

    static func registeredModelValue(_ model: RegisteredModel, _ key: String,
                                     _ collation: CollationRanks?) -> LoggedModelSearching.SortValue? {
        switch key {
        case "name": return .text(model.name, collation)
        case "creation_timestamp": return model.creationTimestamp.map { .number(Double($0)) }
        default: return model.lastUpdatedTimestamp.map { .number(Double($0)) }
        }
    }

    /// The file store accepts name, creation_timestamp and last_updated_timestamp; SQL name,
    /// timestamp and last_updated_timestamp, both of the last ordering by the update time.
    static func registeredModelOrder(_ clauses: [String], kind: StoreKind) throws -> [(String, Bool)] {
        var order: [(String, Bool)] = []
        for clause in try SearchGrammar.parseRegisteredModelOrderBy(clauses) {
            var key = clause.key.key
            switch (kind, key) {
            case (.file, "timestamp"), (.sql, "creation_timestamp"):
                throw MLflowError.invalidParameter("Invalid order by key '\(key)' specified. Valid keys are "
                                                   + (kind == .sql ? "'{'name', 'timestamp'}'" : "'{'name', 'creation_timestamp', 'last_updated_timestamp'}'"))
            case (.sql, "timestamp"): key = "last_updated_timestamp"
            default: break
            }
            if kind == .sql, order.contains(where: { $0.0 == key }) {
                throw MLflowError(.internalError, "`order_by` contains duplicate fields: \(clauses)")
            }
            order.append((key, clause.ascending))
        }
        if !order.contains(where: { $0.0 == "name" }) { order.append(("name", true)) }
        return order
    }

    public static func searchModelVersions(_ versions: [ModelVersion], _ request: RegistrySearch,
                                           kind: StoreKind, collation: CollationRanks? = nil) throws -> Page<ModelVersion> {
        try checkMaxResults(request.maxResults, limit: 200_000)
        let filter = try SearchGrammar.parseModelVersionFilter(request.filter)
        let clauses = request.orderBy.isEmpty ? ["last_updated_timestamp DESC", "name ASC", "version_number DESC"] : request.orderBy
        var order = try SearchGrammar.parseModelVersionOrderBy(clauses).map { ($0.key.key, $0.ascending) }
        if !order.contains(where: { $0.0 == "name" }) { order.append(("name", true)) }
        if !order.contains(where: { $0.0 == "version_number" }) { order.append(("version_number", kind == .sql)) }
        let offset = try PageToken.offset(request.pageToken)
        let showPrompts = queriesPrompts(filter)
        var matching = versions.filter { version in
            version.currentStage != ModelStage.deletedInternal && isPrompt(version.tags) == showPrompts
                && filter.allSatisfy { c in
                    if c.key.kind == .tag, c.key.key == promptTag { return true }
                    return SearchEvaluator.compare(versionField(version, c.key), c.comparator, c.value)
                }
        }
        matching.sort { a, b in
            for (key, ascending) in order {
                let x = versionSortValue(a, key, collation), y = versionSortValue(b, key, collation)
                if x == y { continue }
                guard let x else { return !ascending }
                guard let y else { return ascending }
                return ascending ? x < y : y < x
            }
            return false
        }
        let window = PageToken.window(total: matching.count, offset: offset, maxResults: request.maxResults)
        return Page(items: Array(matching[window.range]), nextPageToken: window.next)
    }

    static func versionField(_ version: ModelVersion, _ key: SearchKey) -> FieldValue? {
        if key.kind == .tag { return version.tags.last { $0.key == key.key }.map { .string($0.value) } }
        switch key.key {
        case "name": return .string(version.name)
        case "version_number": return .number(Double(version.versionNumber))
        case "run_id": return version.runID.map(FieldValue.string)
        case "source_path": return version.source.map(FieldValue.string)
        default: return nil
        }
    }

    static func versionSortValue(_ version: ModelVersion, _ key: String,
                                 _ collation: CollationRanks?) -> LoggedModelSearching.SortValue? {
        switch key {
        case "name": return .text(version.name, collation)
        case "version_number": return .number(Double(version.versionNumber))
        case "creation_timestamp": return .number(Double(version.creationTimestamp))
        default: return version.lastUpdatedTimestamp.map { .number(Double($0)) }
        }
    }

    static func checkMaxResults(_ maxResults: Int, limit: Int) throws {
        if maxResults < 1 {
            throw MLflowError.invalidParameter("Invalid value for max_results. It must be a positive integer, but got \(maxResults)")
        }
        if maxResults > limit {
            throw MLflowError.invalidParameter("Invalid value for request parameter max_results. It must be at most \(limit), but got value \(maxResults)")
        }
    }

    /// Prompts live in the registry as models tagged `mlflow.prompt.is_prompt = true`; searches
    /// leave them out unless the filter asks for them (`add_prompt_filter_string`,
    /// `_is_querying_prompt`).
    static func queriesPrompts(_ filter: Filter) -> Bool {
        guard let c = filter.first(where: { $0.key == SearchKey(.tag, promptTag) }),
              case .string(let value) = c.value else { return false }
        return (c.comparator == .equal && value.lowercased() == "true") || (c.comparator == .notEqual && value.lowercased() == "false")
    }

    /// Both stores compare the tag's value with exactly "true".
    static func isPrompt(_ tags: [Tag]) -> Bool {
        tags.contains { $0.key == promptTag && $0.value == "true" }
    }

    /// `get_latest_versions`: per requested stage (every stage when none), the highest version,
    /// deleted versions excluded; stages are matched case-insensitively.
    public static func latestVersions(_ versions: [ModelVersion], stages: [String]) throws -> [ModelVersion] {
        let wanted = stages.isEmpty ? ModelStage.all : try stages.map { stage in
            guard let canonical = ModelStage.canonical(stage) else {
                throw MLflowError.invalidParameter("Invalid Model Version stage: \(stage). Value must be one of None, Staging, Production, Archived.")
            }
            return canonical
        }
        var best: [String: ModelVersion] = [:]
        for v in versions where v.currentStage != ModelStage.deletedInternal {
            let stage = v.currentStage ?? "None"
            guard wanted.contains(stage) else { continue }
            if let current = best[stage], current.versionNumber >= v.versionNumber { continue }
            best[stage] = v
        }
        return ModelStage.all.compactMap { best[$0] }
    }

    /// The SQL store's order of latest versions (`SqlRegisteredModel.to_mlflow_entity` fills a
    /// dict while it walks the versions in order): stages by their lowest version.
    public static func inFirstSeenOrder(_ latest: [ModelVersion], of versions: [ModelVersion]) -> [ModelVersion] {
        var first: [String: Int64] = [:]
        for v in versions where v.currentStage != ModelStage.deletedInternal {
            let stage = v.currentStage ?? "None"
            first[stage] = min(first[stage] ?? .max, v.versionNumber)
        }
        return latest.sorted { (first[$0.currentStage ?? "None"] ?? .max) < (first[$1.currentStage ?? "None"] ?? .max) }
    }
}
