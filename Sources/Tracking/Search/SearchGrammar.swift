/// MLflow's search grammar (`mlflow/utils/search_utils.py` `SearchUtils.parse_search_filter`,
/// `SearchExperimentsUtils`): one parser for every backend.
/// Every function throws MLflowError(.invalidParameterValue) whose message points at the
/// offending token: the token quoted, and its 1-based column as a trailing "(column N)".
/// Where MLflow has a message for the error, ours starts with MLflow's wording.
public enum SearchGrammar {
    /// `runs/search` filter: comparisons joined by AND. "" is no filter.
    ///
    /// `attributes.run_name` comparisons come back as `tags.mlflow.runName`, which is what both
    /// MLflow stores filter on (`_get_sqlalchemy_filter_clauses`; ordering by run_name uses the
    /// attribute).
    public static func parseRunFilter(_ text: String) throws -> Filter {
        try FilterParser(text, rules: .runs).parsedFilter()
    }

    /// `runs/search` order_by entries: `<identifier> [ASC|DESC]`.
    public static func parseRunOrderBy(_ clauses: [String]) throws -> [OrderClause] {
        // A repeated key is the store's business: MLflow's file store accepts it, its SQL store
        // answers INTERNAL_ERROR "`order_by` contains duplicate fields" (SQLTrackingStore does too).
        let parsed = try parseOrderBy(clauses, rules: .runs)
        return parsed
    }

    /// `experiments/search` filter (`SearchExperimentsUtils`: different prefixes and attributes).
    public static func parseExperimentFilter(_ text: String) throws -> Filter {
        try FilterParser(text, rules: .experiments).parsedFilter()
    }

    /// `experiments/search` order_by: attributes only. MLflow accepts a repeated key here.
    public static func parseExperimentOrderBy(_ clauses: [String]) throws -> [OrderClause] {
        try parseOrderBy(clauses, rules: .experiments)
    }

    /// A string value for a filter: MLflow takes the text between the quotes as is (no escapes),
    /// so a value holding a single quote goes in double quotes; nil when it holds both kinds,
    /// which no filter can name (callers then filter the answer themselves).
    public static func literal(_ text: String) -> String? {
        if !text.contains("'") { return "'" + text + "'" }
        return text.contains("\"") ? nil : "\"" + text + "\""
    }

    /// `logged-models/search` filter: metrics, params, tags and the model's attributes.
    public static func parseLoggedModelFilter(_ text: String) throws -> Filter {
        try FilterParser(text, rules: .loggedModels).parsedFilter()
    }

    /// `registered-models/search` filter (`SearchModelUtils`).
    public static func parseRegisteredModelFilter(_ text: String) throws -> Filter {
        try FilterParser(text, rules: .registeredModels).parsedFilter()
    }

    public static func parseRegisteredModelOrderBy(_ clauses: [String]) throws -> [OrderClause] {
        try parseOrderBy(clauses, rules: .registeredModels)
    }

    /// `model-versions/search` filter (`SearchModelVersionUtils`).
    public static func parseModelVersionFilter(_ text: String) throws -> Filter {
        try FilterParser(text, rules: .modelVersions).parsedFilter()
    }

    public static func parseModelVersionOrderBy(_ clauses: [String]) throws -> [OrderClause] {
        try parseOrderBy(clauses, rules: .modelVersions)
    }

    private static func parseOrderBy(_ clauses: [String], rules: EntityRules) throws -> [OrderClause] {
        try clauses.enumerated().map { index, clause in
            try FilterParser(clause, rules: rules,
                             location: clauses.count > 1 ? "order_by entry \(index + 1), " : "").parsedOrderClause()
        }
    }
}

/// What differs between the run and the experiment grammar: prefixes, attribute keys and the
/// comparators and value types each key takes (`SearchUtils._get_identifier`,
/// `_validate_comparison`, `_get_value`, and their `SearchExperimentsUtils` overrides).
struct EntityRules: Sendable {
    let prefixes: [String: EntityKind]
    /// Checked on the prefix as written: runs allow `` `tags` ``, experiments do not.
    let prefixMayBeBackticked: Bool
    let invalidPrefixMessage: @Sendable (String) -> String
    /// Filterable attribute spellings mapped to canonical names (aliases included).
    let filterAttributes: [String: String]
    let orderAttributes: [String: String]
    let numericAttributes: Set<String>
    /// Experiments' SQL store binds times as integers and rejects `1.5`.
    let integerOnlyNumbers: Bool
    /// The attributes that take IN / NOT IN lists, and their comparators.
    let listAttributes: [String]
    let listAttributeComparators: [Comparator]
    let stringAttributeComparators: [Comparator]
    /// Params and tags: the registry and logged models take no IS NULL.
    var keyValueComparators: [Comparator] = EntityRules.keyValueComparators
    /// Model versions take `version_number = '2'` as well as `= 2` (the value goes through `int()`).
    var quotedNumbers = false
    let orderableKinds: Set<EntityKind>
    let invalidOrderKindMessage: @Sendable (EntityKind) -> String

    static let numericComparators: [Comparator] = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
    static let keyValueComparators: [Comparator] = [.equal, .notEqual, .like, .ilike, .isNull, .isNotNull]

    static let runs = EntityRules(
        prefixes: ["metric": .metric, "metrics": .metric,
                   "param": .param, "params": .param, "parameter": .param, "parameters": .param,
                   "tag": .tag, "tags": .tag,
                   "attribute": .attribute, "attributes": .attribute, "attr": .attribute, "run": .attribute,
                   "dataset": .dataset, "datasets": .dataset],
        prefixMayBeBackticked: true,
        invalidPrefixMessage: { "Invalid entity type '\($0)'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']" },
        filterAttributes: ["run_id": "run_id", "run_name": "run_name", "status": "status", "user_id": "user_id",
                           "artifact_uri": "artifact_uri", "start_time": "start_time", "end_time": "end_time",
                           "created": "start_time", "Created": "start_time",
                           "run name": "run_name", "Run name": "run_name", "Run Name": "run_name"],
        // MLflow's orderable keys include `created` but not the `run name` spellings.
        orderAttributes: ["run_id": "run_id", "run_name": "run_name", "status": "status", "user_id": "user_id",
                          "artifact_uri": "artifact_uri", "start_time": "start_time", "end_time": "end_time",
                          "created": "start_time", "Created": "start_time"],
        numericAttributes: ["start_time", "end_time"],
        integerOnlyNumbers: false,
        listAttributes: ["run_id"],
        listAttributeComparators: [.equal, .notEqual, .like, .ilike, .in, .notIn],
        stringAttributeComparators: [.equal, .notEqual, .like, .ilike],
        orderableKinds: [.metric, .param, .tag, .attribute],
        invalidOrderKindMessage: { "Invalid order_by entity type '\($0.rawValue)'" })

    static let experiments = EntityRules(
        prefixes: ["attribute": .attribute, "tag": .tag, "tags": .tag],
        prefixMayBeBackticked: false,
        invalidPrefixMessage: { "Invalid entity type '\($0)'. Valid entity types are ('attribute', 'tag', 'tags')" },
        filterAttributes: ["name": "name", "experiment_id": "experiment_id",
                           "creation_time": "creation_time", "last_update_time": "last_update_time"],
        orderAttributes: ["name": "name", "experiment_id": "experiment_id",
                          "creation_time": "creation_time", "last_update_time": "last_update_time"],
        numericAttributes: ["creation_time", "last_update_time"],
        integerOnlyNumbers: true,
        listAttributes: ["experiment_id"],
        // The SQL store's rules: name takes no lists, experiment_id takes no patterns.
        listAttributeComparators: [.equal, .notEqual, .in, .notIn],
        stringAttributeComparators: [.equal, .notEqual, .like, .ilike],
        orderableKinds: [.attribute],
        invalidOrderKindMessage: { "Invalid order_by entity: \($0.rawValue)" })

    /// `SearchLoggedModelsUtils` (the file store's parser; the SQL store's
    /// `search_logged_model_utils.parse_filter_string` accepts the same valid filters).
    static let loggedModels = EntityRules(
        prefixes: ["metric": .metric, "metrics": .metric,
                   "param": .param, "params": .param, "parameter": .param, "parameters": .param,
                   "tag": .tag, "tags": .tag,
                   "attribute": .attribute, "attributes": .attribute, "attr": .attribute],
        prefixMayBeBackticked: true,
        invalidPrefixMessage: { "Invalid entity type '\($0)'. Valid values are ['metrics', 'params', 'tags', 'attributes']" },
        filterAttributes: ["name": "name", "model_id": "model_id", "model_type": "model_type", "status": "status",
                           "source_run_id": "source_run_id", "creation_timestamp": "creation_timestamp",
                           "creation_time": "creation_timestamp", "last_updated_timestamp": "last_updated_timestamp"],
        orderAttributes: [:],
        numericAttributes: ["creation_timestamp", "last_updated_timestamp"],
        integerOnlyNumbers: false,
        listAttributes: ["name", "model_id", "model_type", "status", "source_run_id"],
        listAttributeComparators: [.equal, .notEqual, .like, .ilike, .in, .notIn],
        stringAttributeComparators: [.equal, .notEqual, .like, .ilike, .in, .notIn],
        keyValueComparators: [.equal, .notEqual, .like, .ilike],
        orderableKinds: [],
        invalidOrderKindMessage: { "Invalid order by field name: \($0.rawValue)" })

    /// `SearchModelUtils` (registered models): a name and tags.
    static let registeredModels = EntityRules(
        prefixes: ["attribute": .attribute, "tag": .tag, "tags": .tag],
        prefixMayBeBackticked: false,
        invalidPrefixMessage: { "Invalid entity type '\($0)'. Valid entity types are ('attribute', 'tag', 'tags')" },
        filterAttributes: ["name": "name"],
        orderAttributes: ["name": "name", "creation_timestamp": "creation_timestamp",
                          "last_updated_timestamp": "last_updated_timestamp", "timestamp": "timestamp"],
        numericAttributes: [],
        integerOnlyNumbers: true,
        listAttributes: ["name"],
        listAttributeComparators: [.equal, .notEqual, .like, .ilike, .in, .notIn],
        stringAttributeComparators: [.equal, .notEqual, .like, .ilike],
        keyValueComparators: [.equal, .notEqual, .like, .ilike],
        orderableKinds: [.attribute],
        invalidOrderKindMessage: { "Invalid order_by entity: \($0.rawValue)" })

    /// `SearchModelVersionUtils`: name, version number, run id, source and tags.
    static let modelVersions = EntityRules(
        prefixes: ["attribute": .attribute, "tag": .tag, "tags": .tag],
        prefixMayBeBackticked: false,
        invalidPrefixMessage: { "Invalid entity type '\($0)'. Valid entity types are ('attribute', 'tag', 'tags')" },
        filterAttributes: ["name": "name", "version_number": "version_number", "run_id": "run_id", "source_path": "source_path"],
        orderAttributes: ["name": "name", "version_number": "version_number", "creation_timestamp": "creation_timestamp",
                          "last_updated_timestamp": "last_updated_timestamp"],
        numericAttributes: ["version_number"],
        integerOnlyNumbers: true,
        listAttributes: ["name", "run_id"],
        listAttributeComparators: [.equal, .notEqual, .like, .ilike, .in, .notIn],
        stringAttributeComparators: [.equal, .notEqual, .like, .ilike],
        keyValueComparators: [.equal, .notEqual, .like, .ilike],
        quotedNumbers: true,
        orderableKinds: [.attribute],
        invalidOrderKindMessage: { "Invalid order_by entity: \($0.rawValue)" })

    func comparators(for key: SearchKey) -> [Comparator] {
        switch key.kind {
        case .metric: return Self.numericComparators
        case .param, .tag: return keyValueComparators
        case .dataset: return [.equal, .notEqual, .like, .ilike, .in, .notIn]
        case .attribute:
            if numericAttributes.contains(key.key) { return Self.numericComparators }
            return listAttributes.contains(key.key) ? listAttributeComparators : stringAttributeComparators
        }
    }

    func takesNumber(_ key: SearchKey) -> Bool {
        key.kind == .metric || (key.kind == .attribute && numericAttributes.contains(key.key))
    }
}

/// Recursive-descent parser over `SearchLexer` tokens, for one filter or one order_by entry.
struct FilterParser {
    private let text: String
    private let chars: [Character]
    private let rules: EntityRules
    private let location: String
    private var tokens: [SearchToken] = []
    private var position = 0
    private var unterminatedQuote: UnterminatedQuote?
    private var sqlparseTokenCount = 0
    private var columnPastTokenCap: Int?
    /// The comparison being parsed: its identifier as written and the index of the next token.
    private var clause: (identifier: String, next: Int)?

    /// `location` prefixes the column in messages ("order_by entry 2, ").
    init(_ text: String, rules: EntityRules, location: String = "") {
        self.text = text
        self.rules = rules
        self.location = location
        let lexer = SearchLexer(text)
        chars = lexer.chars
        let lexed = lexer.tokenize()
        tokens = lexed.tokens
        unterminatedQuote = lexed.unterminatedQuote
        sqlparseTokenCount = lexed.sqlparseTokenCount
        columnPastTokenCap = lexed.columnPastTokenCap
    }

    /// Words that end or join comparisons; never the start of an identifier.
    private static let reservedWords: Set<String> = ["AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE", "ASC", "DESC"]

    func parsedFilter() throws -> Filter {
        var parser = self
        return try parser.parseFilter()
    }

    func parsedOrderClause() throws -> OrderClause {
        var parser = self
        return try parser.parseOrderClause()
    }

    // MARK: filter

    mutating func parseFilter() throws -> Filter {
        if text.isEmpty { return [] }
        try checkTokenCap("Error on parsing filter")
        if let quote = unterminatedQuote {
            throw error("Invalid clause(s) in filter string: \(quote.message)", column: quote.column)
        }
        // sqlparse yields no statement at all for blank text, which MLflow rejects.
        guard !tokens.isEmpty else {
            throw error("Invalid filter '\(text)'. Could not be parsed: it holds only whitespace", column: 1)
        }
        var filter: Filter = []
        while let token = peek() {
            // MLflow drops every AND token and keeps every comparison, so `a = 1 b = 2`,
            // a leading or a doubled AND are accepted too.
            if token.isKeyword("AND") {
                position += 1
                continue
            }
            guard startsIdentifier(token) else {
                throw error("Invalid clause(s) in filter string: \(token.quoted)", at: token)
            }
            filter.append(try parseComparison())
        }
        return filter
    }

    private mutating func parseComparison() throws -> Comparison {
        let (raw, first) = try parseIdentifier()
        clause = (raw, position)
        let key = try resolveKey(raw, at: first, attributes: rules.filterAttributes)
        let (comparator, comparatorToken) = try parseComparator(after: raw)
        try check(comparator, for: key, at: comparatorToken)
        let value = try parseValue(for: key, comparator: comparator)
        // Both MLflow stores filter run_name on the tag (old runs have no name column).
        if key == SearchKey(.attribute, "run_name") {
            return Comparison(SearchKey(.tag, "mlflow.runName"), comparator, value)
        }
        return Comparison(key, comparator, value)
    }

    private mutating func parseComparator(after identifier: String) throws -> (Comparator, SearchToken) {
        guard let token = next() else {
            throw error("Invalid clause(s) in filter string: '\(identifier)' has no comparator", column: chars.count + 1)
        }
        switch token.kind {
        case .comparisonOperator:
            if let comparator = Comparator(rawValue: token.text), EntityRules.numericComparators.contains(comparator) {
                return (comparator, token)
            }
            throw error("Invalid comparator \(token.quoted); use one of =, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL", at: token)
        case .word:
            switch token.text.uppercased() {
            case "LIKE": return (.like, token)
            case "ILIKE": return (.ilike, token)
            case "IN": return (.in, token)
            case "NOT":
                if let following = peek(), following.isKeyword("IN") {
                    position += 1
                    return (.notIn, token)
                }
                if let following = peek(), following.isKeyword("LIKE") || following.isKeyword("ILIKE") {
                    throw error("Invalid comparator 'NOT \(following.text.uppercased())': MLflow has no negated LIKE", at: token)
                }
            case "IS":
                if let following = peek(), following.isKeyword("NULL") {
                    position += 1
                    return (.isNull, token)
                }
                if let following = peek(), following.isKeyword("NOT"),
                   position + 1 < tokens.count, tokens[position + 1].isKeyword("NULL") {
                    position += 2
                    return (.isNotNull, token)
                }
                throw error("Invalid clause(s) in filter string: 'IS' must be followed by NULL or NOT NULL", at: token)
            default: break
            }
        default: break
        }
        throw error("Invalid clause(s) in filter string: \(token.quoted) where a comparator should follow '\(identifier)'", at: token)
    }

    private func check(_ comparator: Comparator, for key: SearchKey, at token: SearchToken) throws {
        let allowed = rules.comparators(for: key)
        if allowed.contains(comparator) { return }
        if comparator == .isNull || comparator == .isNotNull {
            let supported = rules.prefixes["params"] != nil ? "tags and params" : "tags"
            throw error("IS NULL / IS NOT NULL is only supported for \(supported), not for \(key.kind.rawValue) '\(key.key)'", at: token)
        }
        if (comparator == .in || comparator == .notIn), key.kind == .attribute, !rules.numericAttributes.contains(key.key) {
            throw error("Only [" + rules.listAttributes.map { "'\($0)'" }.joined(separator: ", ") + "] attributes support comparison with a list of quoted string values; "
                        + "\(comparator.rawValue) is not allowed for attribute '\(key.key)'", at: token)
        }
        let written = comparator == .notIn ? "NOT IN" : comparator.rawValue
        throw error("Invalid comparator '\(written)' for \(key.kind.rawValue) '\(key.key)', expected one of "
                    + allowed.map(\.rawValue).joined(separator: ", "), at: token)
    }

    private mutating func parseValue(for key: SearchKey, comparator: Comparator) throws -> SearchValue {
        switch comparator {
        case .isNull, .isNotNull: return .none
        case .in, .notIn: return .list(try parseList())
        default: break
        }
        guard let token = next() else {
            throw error(incompleteClause("Missing value after '\(comparator.rawValue)' for \(key.kind.rawValue) '\(key.key)'"),
                        column: chars.count + 1)
        }
        if rules.takesNumber(key) {
            if rules.quotedNumbers, token.kind == .singleQuoted || token.kind == .doubleQuoted,
               let number = Int64(token.text.dropFirst().dropLast()) {
                return .number(Double(number))
            }
            let what = key.kind == .metric ? "metric '\(key.key)'" : "numeric attribute: \(key.key)"
            guard token.kind == .number, let number = Double(token.text) else {
                throw error("Expected numeric value type for \(what). Found \(display(token))", at: token)
            }
            if rules.integerOnlyNumbers, token.text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                throw error("Invalid value for numeric attribute '\(key.key)': \(display(token)) (integers only)", at: token)
            }
            return .number(number)
        }
        if token.kind == .word, key.kind == .param || key.kind == .tag {
            // `SearchUtils._strip_quotes` (expect_quoted_value) on a bare word.
            throw error("Parameter value is either not quoted or unidentified quote types used for string value \(token.text). "
                        + "Use either single or double quotes.", at: token)
        }
        guard token.kind == .singleQuoted || token.kind == .doubleQuoted else {
            throw error("Expected a quoted string value for \(key.kind.rawValue) '\(key.key)' (e.g. 'my-value'). "
                        + "Got value \(display(token))", at: token)
        }
        // MLflow takes the text between the quotes as is: '' and \' are not unescaped.
        return .string(String(token.text.dropFirst().dropLast()))
    }

    /// `('a', "b")`: MLflow reads the parenthesis with Python's `ast.literal_eval`, so items
    /// use Python string escapes, adjacent literals concatenate and a trailing comma is fine.
    private mutating func parseList() throws -> [String] {
        let comparator = tokens[position - 1]
        guard let open = peek(), open.kind == .openParen else {
            if peek() == nil {
                throw error(incompleteClause("Expected a parenthesized list of quoted strings after \(comparator.quoted)"),
                            column: chars.count + 1)
            }
            throw error("Expected a parenthesized list of quoted strings after \(comparator.quoted)"
                        + (peek().map { ", got \($0.quoted)" } ?? ""), column: peek()?.column ?? chars.count + 1)
        }
        position += 1
        var items: [String] = []
        while true {
            guard let token = peek() else {
                throw error(incompleteClause("While parsing a list in the query, found no ')' for '('"), at: open)
            }
            if token.kind == .closeParen {
                position += 1
                break
            }
            var item: String? = nil
            while let part = peek(), part.kind == .singleQuoted || part.kind == .doubleQuoted {
                guard let decoded = PythonStringLiteral.decode(part.text) else {
                    throw error("While parsing a list in the query, expected a non-empty list of string values, "
                                + "but got ill-formed list: \(part.quoted)", at: part)
                }
                item = (item ?? "") + decoded
                position += 1
            }
            guard let value = item else {
                throw error("While parsing a list in the query, expected a quoted string value, got \(token.quoted)", at: token)
            }
            items.append(value)
            if let separator = peek(), separator.kind == .comma {
                position += 1
            } else if let close = peek(), close.kind != .closeParen {
                throw error("While parsing a list in the query, expected ',' or ')', got \(close.quoted)", at: close)
            }
        }
        if items.isEmpty {
            throw error("While parsing a list in the query, expected a non-empty list of string values, but got empty list", at: open)
        }
        return items
    }

    // MARK: order_by

    mutating func parseOrderClause() throws -> OrderClause {
        try checkTokenCap("Error on parsing order_by clause")
        if let quote = unterminatedQuote {
            throw error("Invalid order_by clause '\(text)'. Could not be parsed: \(quote.message)", column: quote.column)
        }
        guard let first = peek() else {
            throw error("Invalid order_by clause '\(text)'. Could not be parsed: it is empty", column: 1)
        }
        if first.spaced {
            throw error("Invalid order_by clause '\(text)'. Could not be parsed: leading whitespace", column: 1)
        }
        guard startsIdentifier(first) else {
            throw error("Invalid order_by clause '\(text)'. Could not be parsed: expected a column, got \(first.quoted)", at: first)
        }
        let (raw, _) = try parseIdentifier()
        var ascending = true
        if let direction = next() {
            guard direction.kind == .word, direction.spaced else {
                throw error("Invalid order_by clause '\(text)'. Could not be parsed: unexpected \(direction.quoted)", at: direction)
            }
            let word = direction.text.uppercased()
            guard word == "ASC" || word == "DESC" else {
                throw error("Invalid ordering key in order_by clause '\(text)': \(direction.quoted), expected ASC or DESC", at: direction)
            }
            ascending = word == "ASC"
        }
        if let extra = next() {
            throw error("Invalid order_by clause '\(text)'. Could not be parsed: unexpected \(extra.quoted)", at: extra)
        }
        if let last = chars.last, last.isWhitespace {
            throw error("Invalid order_by clause '\(text)'. Could not be parsed: trailing whitespace", column: chars.count)
        }
        let key = try resolveKey(raw, at: first, attributes: rules.orderAttributes)
        guard rules.orderableKinds.contains(key.kind) else {
            throw error(rules.invalidOrderKindMessage(key.kind) + " in '\(raw)'", at: first)
        }
        return OrderClause(key, ascending: ascending)
    }

    // MARK: identifiers

    private func startsIdentifier(_ token: SearchToken) -> Bool {
        switch token.kind {
        case .word: return !Self.reservedWords.contains(token.text.uppercased())
        case .backticked, .doubleQuoted: return true
        default: return false
        }
    }

    /// `part (. part?)*`, returned as written (whitespace around dots included, as sqlparse
    /// groups it). Parts are words or quoted names; after a dot also 'single-quoted' ones.
    /// sqlparse/engine/grouping.py, group_period, also groups a dot that no name follows, so
    /// `params..x` is key `.x` and `params.x.` key `x.` in MLflow; a prefix with nothing after
    /// its dot (`tags.`, an empty key no run can have) is refused here.
    private mutating func parseIdentifier() throws -> (String, SearchToken) {
        let first = tokens[position]
        var last = first
        var firstDotEnd: Int? = first.text.contains(".") ? first.start : nil
        position += 1
        while let dot = peek(), dot.kind == .dot {
            position += 1
            last = dot
            if firstDotEnd == nil { firstDotEnd = dot.end }
            if let following = peek(), following.kind == .dot { continue }
            // A dot closes the identifier when a comparator follows, unless the key is empty.
            if let following = peek(), startsComparator(following), last.end > firstDotEnd! { break }
            guard let part = peek(), [.word, .backticked, .singleQuoted, .doubleQuoted].contains(part.kind) else {
                let after = peek()
                throw error("Invalid identifier '\(String(chars[first.start..<dot.end]))': expected a key after '.'"
                            + (after.map { ", got \($0.quoted)" } ?? ""), column: after?.column ?? dot.column)
            }
            position += 1
            last = part
        }
        return (String(chars[first.start..<last.end]), first)
    }

    /// A token a comparator can start with: an operator or LIKE, ILIKE, IN, NOT, IS.
    private func startsComparator(_ token: SearchToken) -> Bool {
        token.kind == .comparisonOperator
            || (token.kind == .word && ["LIKE", "ILIKE", "IN", "NOT", "IS"].contains(token.text.uppercased()))
    }

    /// MLflow's identifier rules: the prefix is the text before the FIRST dot (`tags.mlflow.runName`
    /// has key `mlflow.runName`), no dot means attribute; the key loses one pair of quotes
    /// ('', "" or ``) around it; attribute aliases map to canonical names.
    private func resolveKey(_ raw: String, at token: SearchToken, attributes: [String: String]) throws -> SearchKey {
        let kind: EntityKind
        var key: String
        if let dot = raw.firstIndex(of: ".") {
            var prefix = String(raw[..<dot])
            if rules.prefixMayBeBackticked { prefix = Self.unquote(prefix, "`") }
            guard let prefixKind = rules.prefixes[prefix] else {
                throw error(rules.invalidPrefixMessage(prefix), at: token)
            }
            kind = prefixKind
            key = String(raw[raw.index(after: dot)...])
        } else {
            kind = .attribute
            key = raw
        }
        let unquoted = Self.unquote(key, "'") != key ? Self.unquote(key, "'") : Self.unquote(key, "\"")
        key = Self.unquote(unquoted, "`")
        switch kind {
        case .attribute:
            guard let canonical = attributes[key] else {
                throw error("Invalid attribute key '\(key)' specified. Valid keys are "
                            + attributes.keys.sorted().map { "'\($0)'" }.joined(separator: ", "), at: token)
            }
            return SearchKey(.attribute, canonical)
        case .dataset:
            guard ["name", "digest", "context"].contains(key) else {
                throw error("Invalid dataset key '\(key)' specified. Valid keys are 'name', 'digest', 'context'", at: token)
            }
            return SearchKey(.dataset, key)
        default:
            return SearchKey(kind, key)
        }
    }

    private static func unquote(_ text: String, _ quote: Character) -> String {
        text.count >= 2 && text.first == quote && text.last == quote ? String(text.dropFirst().dropLast()) : text
    }

    // MARK: tokens and errors

    /// MLflow refuses what sqlparse refuses to group: a statement of more than 10,000 tokens
    /// (SearchUtils.parse_search_filter and _validate_order_by_and_generate_token turn its
    /// SQLParseError into INVALID_PARAMETER_VALUE "Error on parsing filter '<filter>'"). MLflow
    /// echoes the whole text; the message here quotes its start only, as it may be megabytes.
    private func checkTokenCap(_ wording: String) throws {
        guard sqlparseTokenCount > SearchLexer.maxTokens else { return }
        let shown = chars.count > 60 ? String(chars.prefix(60)) + "..." : text
        throw error("\(wording) '\(shown)': it has \(sqlparseTokenCount) tokens, more than the "
                    + "\(SearchLexer.maxTokens) MLflow's parser (sqlparse) accepts in one statement",
                    column: columnPastTokenCap ?? 1)
    }

    private func peek() -> SearchToken? { position < tokens.count ? tokens[position] : nil }

    private mutating func next() -> SearchToken? {
        guard let token = peek() else { return nil }
        position += 1
        return token
    }

    /// A comparison cut short: MLflow's words for it (`SearchUtils._process_statement`: the
    /// clause's tokens, each quoted), then what is missing.
    private func incompleteClause(_ missing: String) -> String {
        let identifier = clause?.identifier ?? ""
        let rest = tokens[min(clause?.next ?? position, tokens.count)...].map(\.quoted)
        return "Invalid clause(s) in filter string: " + (["'\(identifier)'"] + rest).joined(separator: ", ") + ". " + missing
    }

    /// Quoted strings are shown as written; other tokens get quotes.
    private func display(_ token: SearchToken) -> String {
        token.kind == .singleQuoted || token.kind == .doubleQuoted ? token.text : token.quoted
    }

    private func error(_ message: String, at token: SearchToken) -> MLflowError {
        error(message, column: token.column)
    }

    private func error(_ message: String, column: Int) -> MLflowError {
        .invalidParameter("\(message) (\(location)column \(column))")
    }
}

/// Python string literals as `ast.literal_eval` reads them (MLflow parses IN lists that way):
/// one or more adjacent quoted literals, backslash escapes decoded.
enum PythonStringLiteral {
    static func decode(_ literal: String) -> String? {
        let chars = Array(literal)
        var out = ""
        var i = 0
        while i < chars.count {
            let quote = chars[i]
            guard quote == "'" || quote == "\"" else { return nil }
            i += 1
            while true {
                guard i < chars.count else { return nil }
                let c = chars[i]
                if c == quote { i += 1; break }
                if c == "\n" { return nil }
                guard c == "\\", i + 1 < chars.count else { out.append(c); i += 1; continue }
                let e = chars[i + 1]
                i += 2
                switch e {
                case "\\", "'", "\"": out.append(e)
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "v": out.append("\u{0B}")
                case "\n": break
                case "0"..."7":
                    var digits = String(e)
                    while digits.count < 3, i < chars.count, ("0"..."7").contains(chars[i]) { digits.append(chars[i]); i += 1 }
                    guard let scalar = UInt32(digits, radix: 8).flatMap(Unicode.Scalar.init) else { return nil }
                    out.unicodeScalars.append(scalar)
                case "x", "u", "U":
                    let width = e == "x" ? 2 : e == "u" ? 4 : 8
                    guard i + width <= chars.count,
                          let code = UInt32(String(chars[i..<i + width]), radix: 16),
                          let scalar = Unicode.Scalar(code) else { return nil }
                    out.unicodeScalars.append(scalar)
                    i += width
                default:
                    // Python keeps unknown escapes (`\d`) as written.
                    out.append("\\")
                    out.append(e)
                }
            }
        }
        return out
    }
}
